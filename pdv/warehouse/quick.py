"""Read-only queries through the database drivers alone, for the commands that must answer in a second.

``pdv issues`` would spend more time importing pandas and SQLAlchemy than querying. These helpers
open a read-only connection with the plain driver (duckdb or psycopg) and return rows as dicts.
Queries use ``:name`` parameters; each driver's placeholder style is applied here.
"""

from __future__ import annotations

import re
from pathlib import Path
from typing import Any
from urllib.parse import unquote, urlsplit

from pdv.errors import UserError

_PARAM = re.compile(r":([a-z_]+)\b")


def duckdb_path(url: str) -> Path:
    """The file of a ``duckdb:///FILE`` URL (relative, or absolute with four slashes)."""
    path = urlsplit(url).path
    return Path(unquote(path[1:] if path.startswith("/") else path))


def fetch(url: str, sql: str, **params: object) -> list[dict[str, Any]]:
    """Rows of ``sql`` as dicts, read only."""
    if url.startswith("duckdb"):
        return _duckdb(url, sql, params)
    if url.startswith("postgresql"):
        return _postgres(url, sql, params)
    raise UserError(
        f"Địa chỉ kho dữ liệu không hợp lệ: {url}. Dùng duckdb:///TỆP hoặc postgresql+psycopg://…",
        f"Unsupported warehouse URL {url!r}: use duckdb:///FILE or postgresql+psycopg://…",
    )


def has_table(url: str, table: str) -> bool:
    """Whether the warehouse exists and holds ``table`` (False for a DuckDB file not made yet)."""
    if url.startswith("duckdb") and not duckdb_path(url).exists():
        return False
    rows = fetch(url, "select count(*) as n from information_schema.tables where table_name = :t", t=table)
    return bool(rows[0]["n"])


def _duckdb(url: str, sql: str, params: dict[str, object]) -> list[dict[str, Any]]:
    import duckdb

    path = duckdb_path(url)
    if not path.exists():
        raise UserError(
            f"Chưa có kho dữ liệu {path}: chạy `pdv run` trước.",
            f"No warehouse at {path} yet: run `pdv run` first.",
        )
    names = _PARAM.findall(sql)
    text = _PARAM.sub("?", sql)
    try:
        conn = duckdb.connect(str(path), read_only=True)
    except duckdb.IOException as exc:
        raise UserError(
            f"Không mở được kho dữ liệu {path} (đang có lượt chạy ghi vào, hoặc không có quyền đọc): thử lại sau.",
            f"Cannot open the warehouse {path} (a run is writing to it, or it is not readable): try again later. "
            f"({str(exc).splitlines()[0]})",
        ) from exc
    try:
        cur = conn.execute(text, [params[n] for n in names])
        columns = [d[0] for d in cur.description or []]
        return [dict(zip(columns, row, strict=True)) for row in cur.fetchall()]
    finally:
        conn.close()


def _postgres(url: str, sql: str, params: dict[str, object]) -> list[dict[str, Any]]:
    import psycopg
    from psycopg.rows import dict_row

    parts = urlsplit(url)
    dsn = parts._replace(scheme="postgresql").geturl()
    try:
        with psycopg.connect(dsn, connect_timeout=10, row_factory=dict_row) as conn:
            conn.read_only = True
            return list(conn.execute(_PARAM.sub(r"%(\1)s", sql), params).fetchall())
    except psycopg.OperationalError as exc:
        raise postgres_error(exc, url) from exc


def postgres_error(exc: BaseException, url: str) -> UserError:
    """The sentence for a PostgreSQL connection failure, naming the fix."""
    text = str(exc)
    safe = _hide_password(url)
    if any(m in text for m in ("password authentication failed", "no password supplied", 'role "')):
        return UserError(
            f"Sai tên đăng nhập hoặc mật khẩu PostgreSQL trong {safe}: sửa PDV_WAREHOUSE_URL (hoặc --warehouse).",
            f"PostgreSQL rejected the user or password in {safe}: fix PDV_WAREHOUSE_URL (or --warehouse).",
        )
    if "does not exist" in text:
        return UserError(
            f"Cơ sở dữ liệu trong {safe} chưa có: tạo bằng `createdb`, rồi chạy lại.",
            f"The database in {safe} does not exist: create it with `createdb`, then run again.",
        )
    return UserError(
        f"Không kết nối được PostgreSQL tại {safe}: kiểm tra máy chủ đang chạy và địa chỉ trong PDV_WAREHOUSE_URL.",
        f"Cannot reach PostgreSQL at {safe}: check that the server runs and the address in PDV_WAREHOUSE_URL "
        f"({text.strip().splitlines()[-1] if text.strip() else type(exc).__name__}).",
    )


def _hide_password(url: str) -> str:
    parts = urlsplit(url)
    if parts.password is None:
        return url
    netloc = parts.netloc.replace(f":{parts.password}@", ":***@")
    return parts._replace(netloc=netloc).geturl()


def check_writable(url: str) -> None:
    """Fail with the fix when a run could not open or create the warehouse at ``url``."""
    if url.startswith("duckdb"):
        import os

        path = duckdb_path(url).resolve()
        ancestor = path.parent
        while not ancestor.exists() and ancestor != ancestor.parent:
            ancestor = ancestor.parent
        bad = path.is_dir() or not ancestor.is_dir() or not os.access(path if path.exists() else ancestor, os.W_OK)
        if bad:
            raise UserError(
                f"Không ghi được kho dữ liệu {path}: chọn một tệp mà tài khoản này ghi được (--warehouse duckdb:///TỆP).",
                f"Cannot write the warehouse file {path}: choose a file this account can write "
                "(--warehouse duckdb:///FILE).",
            )
        return
    if url.startswith("postgresql"):
        import psycopg

        dsn = urlsplit(url)._replace(scheme="postgresql").geturl()
        try:
            psycopg.connect(dsn, connect_timeout=10).close()
        except psycopg.OperationalError as exc:
            error = postgres_error(exc, url)
            if "rejected the user" in error.en or "does not exist" in error.en:
                raise error from exc
            # Unreachable: the run's own retries and exit code 4 handle it.
