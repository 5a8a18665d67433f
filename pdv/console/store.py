"""The console's own small store (SQLite): accounts, audit, login throttle, uploads and runs.

It lives beside the warehouse but is a separate file that a pipeline run never opens, so accounts,
sign-ins and the audit keep working while a run holds the warehouse.
"""

from __future__ import annotations

import sqlite3
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

ROLES = ("unit", "steward", "board")

_SCHEMA = """
create table if not exists account (
    name text primary key,
    role text not null,
    unit_code text,
    password_hash text not null,
    disabled integer not null default 0,
    created_at text not null
);
create table if not exists audit (
    id integer primary key autoincrement,
    at text not null,
    actor text,
    action text not null,
    target text,
    address text
);
create table if not exists login_failure (
    key text not null,
    at real not null
);
create index if not exists login_failure_key on login_failure (key, at);
create table if not exists upload (
    token text primary key,
    actor text not null,
    unit_code text,
    original_name text not null,
    staged_path text not null,
    sha256 text not null,
    size_bytes integer not null,
    period text,
    errors integer not null,
    warnings integer not null,
    stored_rel text,
    status text not null,
    created_at text not null,
    submitted_at text
);
create table if not exists console_run (
    id integer primary key autoincrement,
    requested_by text,
    requested_at text not null,
    started_at text,
    finished_at text,
    mode text not null,
    status text not null,
    flow_run_id text,
    message text
);
"""


@dataclass(frozen=True)
class Account:
    name: str
    role: str
    unit_code: str | None
    password_hash: str
    disabled: bool


class Store:
    """Thread-safe access to the console's SQLite file (one short transaction per call)."""

    def __init__(self, path: Path) -> None:
        self.path = path
        path.parent.mkdir(parents=True, exist_ok=True)
        self._lock = threading.Lock()
        with self._tx() as db:
            db.executescript(_SCHEMA)

    @contextmanager
    def _tx(self) -> Iterator[sqlite3.Connection]:
        with self._lock:
            db = sqlite3.connect(self.path, timeout=5)
            db.row_factory = sqlite3.Row
            try:
                with db:
                    yield db
            finally:
                db.close()

    # accounts
    def add_account(self, name: str, role: str, unit_code: str | None, password_hash: str) -> None:
        with self._tx() as db:
            db.execute(
                "insert into account (name, role, unit_code, password_hash, created_at) values (?, ?, ?, ?, ?)",
                (name, role, unit_code, password_hash, _now()),
            )

    def account(self, name: str) -> Account | None:
        with self._tx() as db:
            row = db.execute("select * from account where name = ?", (name,)).fetchone()
        return None if row is None else _account(row)

    def accounts(self) -> list[Account]:
        with self._tx() as db:
            return [_account(r) for r in db.execute("select * from account order by name")]

    def set_disabled(self, name: str, disabled: bool) -> bool:
        with self._tx() as db:
            return db.execute("update account set disabled = ? where name = ?", (int(disabled), name)).rowcount == 1

    def set_password(self, name: str, password_hash: str) -> bool:
        with self._tx() as db:
            cur = db.execute("update account set password_hash = ? where name = ?", (password_hash, name))
            return cur.rowcount == 1

    # audit
    def audit(self, actor: str | None, action: str, target: str | None = None, address: str | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "insert into audit (at, actor, action, target, address) values (?, ?, ?, ?, ?)",
                (_now(), actor, action, target, address),
            )

    def audit_log(self, limit: int = 200) -> list[dict[str, Any]]:
        with self._tx() as db:
            return [dict(r) for r in db.execute("select * from audit order by id desc limit ?", (limit,))]

    # login throttle
    def failures_since(self, key: str, seconds: float) -> int:
        with self._tx() as db:
            row = db.execute(
                "select count(*) from login_failure where key = ? and at > ?", (key, time.time() - seconds)
            ).fetchone()
        return int(row[0])

    def record_failure(self, *keys: str) -> None:
        now = time.time()
        with self._tx() as db:
            db.executemany("insert into login_failure (key, at) values (?, ?)", [(k, now) for k in keys])
            db.execute("delete from login_failure where at < ?", (now - 3600,))

    # uploads
    def add_upload(self, record: dict[str, Any]) -> None:
        record = {**record, "created_at": _now()}
        cols = ", ".join(record)
        with self._tx() as db:
            db.execute(f"insert into upload ({cols}) values ({', '.join('?' * len(record))})", tuple(record.values()))

    def upload(self, token: str) -> dict[str, Any] | None:
        with self._tx() as db:
            row = db.execute("select * from upload where token = ?", (token,)).fetchone()
        return None if row is None else dict(row)

    def uploads(self, unit_code: str | None = None, limit: int = 100) -> list[dict[str, Any]]:
        sql = "select * from upload where status != 'staged'"
        args: tuple[Any, ...] = ()
        if unit_code is not None:
            sql, args = sql + " and unit_code = ?", (unit_code,)
        with self._tx() as db:
            return [dict(r) for r in db.execute(sql + " order by created_at desc limit ?", (*args, limit))]

    def mark_upload(self, token: str, status: str, stored_rel: str | None = None) -> None:
        with self._tx() as db:
            db.execute(
                "update upload set status = ?, stored_rel = coalesce(?, stored_rel), submitted_at = ? where token = ?",
                (status, stored_rel, _now(), token),
            )

    # runs
    def add_run(self, requested_by: str | None, mode: str) -> int:
        with self._tx() as db:
            cur = db.execute(
                "insert into console_run (requested_by, requested_at, mode, status) values (?, ?, ?, 'queued')",
                (requested_by, _now(), mode),
            )
            return int(cur.lastrowid or 0)

    def update_run(self, run_id: int, **fields: Any) -> None:
        sets = ", ".join(f"{k} = ?" for k in fields)
        with self._tx() as db:
            db.execute(f"update console_run set {sets} where id = ?", (*fields.values(), run_id))

    def runs(self, limit: int = 50) -> list[dict[str, Any]]:
        with self._tx() as db:
            return [dict(r) for r in db.execute("select * from console_run order by id desc limit ?", (limit,))]


def _account(row: sqlite3.Row) -> Account:
    return Account(row["name"], row["role"], row["unit_code"], row["password_hash"], bool(row["disabled"]))


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
