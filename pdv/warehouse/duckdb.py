"""DuckDB destination: an embedded file, bulk loads through DuckDB's DataFrame scan."""

from __future__ import annotations

import contextlib
import fcntl
import os
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import duckdb
import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection, Engine

from pdv.warehouse.base import Destination, WarehouseLocked

# DuckDB 2.0 bug (tests/test_first_contact.py::test_every_counted_issue_is_stored): inside a transaction,
# a table filled by one INSERT ... SELECT from a pandas scan of more than ~120,000 rows (one row group
# is 122,880) is read back with the right count, yet NOT EXISTS / LEFT JOIN probes from it against a
# table with a primary key match nothing: the national run stored none of its 824,000 issues. Filled
# in slices below that size, every probe is right (tests/warehouse/test_duckdb_scan.py shows both).
SCAN_ROWS = 100_000


class DuckDBDestination(Destination):
    name = "duckdb"

    @property
    def path(self) -> Path:
        return Path(str(sa.engine.make_url(self.url).database))

    def exists(self) -> bool:
        return self.path.exists()

    def _create_engine(self) -> Engine:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        from pdv.settings import get_settings

        # DuckDB's buffer would default to 80% of the machine's memory. A national first load fits in
        # the 2 GB default (it spilled and passed at 1 GB, ran out at 400 MB). Options in the URL's
        # query take precedence: duckdb:///path.duckdb?memory_limit=8GB
        config = {"memory_limit": get_settings().duckdb_memory_limit}
        return sa.create_engine(self.url, poolclass=sa.pool.NullPool, connect_args={"config": config})

    @contextmanager
    def run_lock(self, wait: bool = True) -> Iterator[None]:
        # DuckDB itself lets one process open the file; a lock file beside it makes a second
        # run wait for the first instead of failing on open.
        self.path.parent.mkdir(parents=True, exist_ok=True)
        fd = os.open(f"{self.path}.lock", os.O_CREAT | os.O_RDWR, 0o644)
        try:
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | (0 if wait else fcntl.LOCK_NB))
            except BlockingIOError as exc:
                raise WarehouseLocked(f"{self.path} is being loaded by another run") from exc
            yield
        finally:
            self.dispose()
            os.close(fd)

    def grant_bi(self, password: str | None = None) -> str:
        # DuckDB has no users or grants: a BI tool opens a copy of the file read-only.
        raise NotImplementedError(
            "DuckDB has no roles: give BI tools a copy of the warehouse file opened read-only "
            "(duckdb.connect(path, read_only=True)) or use the PostgreSQL warehouse"
        )

    def analyze(self, conn: Connection, table: str) -> None:
        pass  # DuckDB plans with the live row counts of its tables: nothing to refresh

    def bulk_insert(self, conn: Connection, table: str, frame: pd.DataFrame) -> None:
        if frame.empty:
            return
        raw = conn.connection.dbapi_connection
        assert raw is not None
        view = f"_pdv_bulk_{table}"
        cols = ", ".join(f'"{c}"' for c in frame.columns)
        for start in range(0, len(frame), SCAN_ROWS):
            raw.register(view, frame.iloc[start : start + SCAN_ROWS])  # type: ignore[attr-defined]
            try:
                conn.exec_driver_sql(f"insert into {table} ({cols}) select {cols} from {view}")
            finally:
                # After a failed insert the aborted transaction refuses this too; the insert's error is the one to see.
                with contextlib.suppress(duckdb.Error):
                    raw.unregister(view)  # type: ignore[attr-defined]
