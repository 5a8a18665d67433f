"""What every destination provides; dialect differences live only in the subclasses."""

from __future__ import annotations

import hashlib
import re
import warnings
from abc import ABC, abstractmethod
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import pyarrow as pa
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

SQL_DIR = Path(__file__).resolve().parents[2] / "sql"
_STATEMENT_END = re.compile(r";\s*(?:\n|$)")


def sql_statements(path: Path) -> list[str]:
    """Statements of a ``.sql`` file (split on ``;`` at line ends; no ``;`` inside literals)."""
    text = "\n".join(line for line in path.read_text(encoding="utf-8").splitlines() if not line.startswith("--"))
    return [s.strip() for s in _STATEMENT_END.split(text) if s.strip()]


def ddl_statements() -> list[str]:
    """Every DDL statement: tables, views, the marts built from views, then the data dictionary."""
    from pdv.warehouse.dictionary import comment_statements

    found = [
        s
        for folder in ("tables", "views", "marts")
        for p in sorted((SQL_DIR / folder).glob("*.sql"))
        for s in sql_statements(p)
    ]
    return found + comment_statements()


def query_frame(conn: Connection, query: str, **params: object) -> pd.DataFrame:
    """Rows of a query as a DataFrame, holding no reference to the driver's cursor or types.

    A driver that hands over its result as Arrow columns (DuckDB) is read that way: building the
    frame from Python row tuples took most of the time of reading a national fact table.
    """
    result = conn.execute(sa.text(query), params)
    to_arrow = getattr(result.cursor, "to_arrow_table", None)
    if to_arrow is None:
        return pd.DataFrame(result.fetchall(), columns=list(result.keys()))
    with warnings.catch_warnings():  # "an extra copy of the rows": still far cheaper than row tuples
        warnings.simplefilter("ignore", UserWarning)
        return arrow_frame(to_arrow())


def arrow_frame(table: pa.Table) -> pd.DataFrame:
    """An Arrow result as the frame its rows would give: int64 (float64 with NaN if some are missing), and
    object None for a column with no value at all."""
    if table.num_rows == 0:
        return pd.DataFrame(columns=table.column_names)
    columns: dict[str, pd.Series] = {}
    for field, column in zip(table.schema, table.columns, strict=True):
        kind = field.type
        if pa.types.is_integer(kind) or (pa.types.is_decimal(kind) and kind.scale == 0):  # sums come as decimals
            column = column.cast(pa.int64())
        if column.null_count == len(column):
            columns[field.name] = pd.Series([None] * len(column), dtype=object)
        else:
            columns[field.name] = column.to_pandas(date_as_object=True)
    return pd.DataFrame(columns)


class WarehouseLocked(RuntimeError):
    """Another run holds the warehouse."""


class WarehouseUnavailable(RuntimeError):
    """The warehouse could not be reached, even after retries."""


class WarehouseOutOfMemory(RuntimeError):
    """The database ran out of memory: not retried, and not reported as unreachable."""


def out_of_memory(exc: BaseException) -> bool:
    """Whether ``exc`` (or what it wraps) is a database out-of-memory error (DuckDB's is an
    OperationalError, which would otherwise read as an unreachable warehouse)."""
    seen: BaseException | None = exc
    while seen is not None:
        kind = type(seen).__name__
        if kind in ("OutOfMemoryException", "OutOfMemory") or getattr(seen, "sqlstate", None) == "53200":
            return True
        seen = getattr(seen, "orig", None) or seen.__cause__
    return False


class Destination(ABC):
    """A warehouse database reached through SQLAlchemy."""

    name: str

    def __init__(self, url: str) -> None:
        self.url = url
        self._engine: Engine | None = None
        self._reader: Connection | None = None

    @property
    def engine(self) -> Engine:
        if self._engine is None:
            self._engine = self._create_engine()
        return self._engine

    @abstractmethod
    def _create_engine(self) -> Engine: ...

    def exists(self) -> bool:
        """Whether the warehouse can be read without creating it."""
        return True

    @abstractmethod
    @contextmanager
    def run_lock(self, wait: bool = True) -> Iterator[None]:
        """Hold the warehouse for one run: concurrent runs wait (or fail with ``WarehouseLocked``)."""

    @abstractmethod
    def bulk_insert(self, conn: Connection, table: str, frame: pd.DataFrame) -> None:
        """Append ``frame`` to ``table`` in the connection's transaction, without row-by-row inserts."""

    @abstractmethod
    def analyze(self, conn: Connection, table: str) -> None:
        """Refresh the planner's statistics of ``table`` after a large change inside the transaction."""

    def create_schema(self) -> None:
        """Create (or update) every table and view from ``sql/``."""
        with self.engine.begin() as conn:
            self.apply_ddl(conn)

    def apply_ddl(self, conn: Connection) -> None:
        """Tables, views, the marts built from views, then the views' data dictionary (all idempotent).

        Skipped when the warehouse records the digest of exactly these statements.
        """
        statements = ddl_statements()
        digest = hashlib.sha256("\n;\n".join(statements).encode()).hexdigest()
        if self._applied_digest(conn) == digest:
            return
        for stmt in statements:
            conn.exec_driver_sql(stmt)
        conn.exec_driver_sql("delete from schema_digest")
        conn.execute(sa.text("insert into schema_digest (digest) values (:d)"), {"d": digest})

    @staticmethod
    def _applied_digest(conn: Connection) -> str | None:
        present = conn.exec_driver_sql(
            "select count(*) from information_schema.tables where table_name = 'schema_digest' and table_schema = current_schema()"
        ).scalar_one()
        if not present:
            return None
        return conn.exec_driver_sql("select max(digest) from schema_digest").scalar_one_or_none()

    def grant_bi(self, password: str | None = None) -> str:
        """Create or refresh the read-only BI role; returns what was done, for the operator."""
        raise NotImplementedError(f"{self.name} has no database roles")

    def read_sql(self, query: str, **params: object) -> pd.DataFrame:
        if self._reader is not None:
            return query_frame(self._reader, query, **params)
        with self.engine.connect() as conn:
            return query_frame(conn, query, **params)

    @contextmanager
    def reading(self) -> Iterator[None]:
        """Serve every ``read_sql`` inside from one connection: opening one costs a DuckDB file open
        (0.1–0.3 s), and an extract makes a dozen queries per period."""
        if self._reader is not None:
            yield
            return
        with self.engine.connect() as conn:
            self._reader = conn
            try:
                yield
            finally:
                self._reader = None

    def dispose(self) -> None:
        if self._engine is not None:
            self._engine.dispose()
            self._engine = None
