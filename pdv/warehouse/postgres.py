"""PostgreSQL destination: bulk loads with COPY, runs serialised by an advisory lock."""

from __future__ import annotations

import io
from collections.abc import Iterator
from contextlib import contextmanager
from typing import cast

import pandas as pd
import psycopg
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pdv.warehouse.base import SQL_DIR, Destination, WarehouseLocked, sql_statements

_LOCK_KEY = 0x7064760001  # "pdv" + 1: one key for "a pipeline run is writing"


WORK_MEM = "256MB"


class PostgresDestination(Destination):
    name = "postgresql"

    def _create_engine(self) -> Engine:
        # The load's aggregates (the extracts' mart: millions of unit-month rows) sort and hash far
        # past PostgreSQL's default 4 MB, which sends them to disk; this is per operation, per session.
        return sa.create_engine(self.url, pool_pre_ping=True, connect_args={"options": f"-c work_mem={WORK_MEM}"})

    @contextmanager
    def run_lock(self, wait: bool = True) -> Iterator[None]:
        with self.engine.connect() as conn:
            if wait:
                conn.exec_driver_sql(f"select pg_advisory_lock({_LOCK_KEY})")
            elif not conn.exec_driver_sql(f"select pg_try_advisory_lock({_LOCK_KEY})").scalar_one():
                raise WarehouseLocked("the PostgreSQL warehouse is being loaded by another run")
            conn.commit()
            try:
                yield
            finally:
                conn.exec_driver_sql(f"select pg_advisory_unlock({_LOCK_KEY})")
                conn.commit()

    def grant_bi(self, password: str | None = None) -> str:
        with self.engine.begin() as conn:
            self.apply_ddl(conn)
            for stmt in sql_statements(SQL_DIR / "roles" / "pdv_bi.sql"):
                conn.exec_driver_sql(stmt)
            if password:
                quoted = password.replace("'", "''")
                conn.exec_driver_sql(f"alter role pdv_bi with login password '{quoted}'")
        return "pdv_bi can read the BI views" + (" and log in" if password else " (no login: set --password)")

    def bulk_insert(self, conn: Connection, table: str, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        buf = io.StringIO()
        frame.to_csv(buf, index=False, header=False, na_rep="\\N")
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        raw = cast(psycopg.Connection, conn.connection.dbapi_connection)
        with raw.cursor() as cur, cur.copy(f"copy {table} ({cols}) from stdin with (format csv, null '\\N')") as copy:
            copy.write(buf.getvalue())
        self.analyze(conn, table)

    def analyze(self, conn: Connection, table: str) -> None:
        # The rows are not committed yet, so autovacuum has not seen them: without this the planner
        # takes a table just loaded with 600,000 rows for an empty one and picks nested loops.
        conn.exec_driver_sql(f"analyze {table}")
