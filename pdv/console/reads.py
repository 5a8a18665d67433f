"""What the console reads, and how it keeps reading while a run writes.

* **DuckDB** lets one process open the file while it writes, and no other process may open it then,
  not even read-only. The console therefore never opens the warehouse file for its pages: it reads
  a *snapshot*, a copy taken under the run lock (non-blocking) whenever the file changed, opened
  read-only. A run holding the lock just means the snapshot is not refreshed until it commits.
* **PostgreSQL** serves the committed state to concurrent readers, but a run's transaction starts
  by re-creating the views (``create or replace view`` locks them until it commits). Console sessions
  use a short ``lock_timeout``; a page whose query meets the lock is served from the last result of
  the same query, marked with the time it was read.

Either way a page never waits on a run and never shows an error because one holds the warehouse.
"""

from __future__ import annotations

import logging
import shutil
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from functools import cache
from pathlib import Path
from typing import Any, TypeVar

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Engine

from pdv.settings import Settings
from pdv.warehouse import Destination
from pdv.warehouse.base import WarehouseLocked
from pdv.warehouse.duckdb import DuckDBDestination
from pdv.warehouse.postgres import PostgresDestination

log = logging.getLogger(__name__)
SQL = Path(__file__).parent / "sql"
LOCK_TIMEOUT_MS = 300
T = TypeVar("T")


@cache
def query(name: str) -> str:
    """A console query from ``pdv/console/sql/<name>.sql``."""
    return (SQL / f"{name}.sql").read_text(encoding="utf-8")


@dataclass
class Read:
    """A page's data: ``value`` is None when the warehouse has nothing to show yet."""

    value: Any
    as_of: datetime | None
    stale: bool = False  # served from the last read because a run holds the warehouse


class _ConsolePostgres(PostgresDestination):
    """The PostgreSQL warehouse with short lock waits: a locked view fails fast instead of hanging."""

    def _create_engine(self) -> Engine:
        options = f"-c lock_timeout={LOCK_TIMEOUT_MS} -c statement_timeout=20000"
        return sa.create_engine(self.url, pool_pre_ping=True, pool_size=4, connect_args={"options": options})


class ReadModel:
    """Reads for the pages, from a DuckDB snapshot or the PostgreSQL warehouse, with a last-result cache."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.url = settings.database_url
        self.is_duckdb = self.url.startswith("duckdb")
        self.snapshots = settings.console_dir / "snapshots"
        self._lock = threading.Lock()
        self._cache: dict[str, tuple[Any, datetime]] = {}
        self._signature: tuple[int, int] | None = None
        self._dest: Destination | None = None
        self._snapshot: Path | None = None
        if not self.is_duckdb:
            self._dest = _ConsolePostgres(self.url)

    # DuckDB snapshot
    def refresh(self) -> bool:
        """Copy the DuckDB file to a new snapshot if it changed and no run holds it; True if renewed."""
        if not self.is_duckdb:
            return False
        source = DuckDBDestination(self.url).path
        if not source.exists():
            return False
        signature = _signature(source)
        if signature == self._signature and self._snapshot is not None:
            return False
        self.snapshots.mkdir(parents=True, exist_ok=True)
        target = self.snapshots / f"warehouse-{time.time_ns()}.duckdb"
        try:
            with DuckDBDestination(self.url).run_lock(wait=False):
                signature = _signature(source)
                tmp = target.with_suffix(".tmp")
                shutil.copyfile(source, tmp)
                wal = source.with_name(source.name + ".wal")
                if wal.exists():  # a run killed before its checkpoint: the log belongs to the copy
                    shutil.copyfile(wal, target.with_name(target.name + ".wal"))
                tmp.replace(target)
        except WarehouseLocked:
            return False  # a run is writing: keep serving the last snapshot
        with self._lock:
            old, self._dest = self._dest, DuckDBDestination(f"duckdb:///{target}?access_mode=read_only")
            self._snapshot, self._signature = target, signature
        if old is not None:
            old.dispose()
        self._prune(keep=target)
        return True

    def _prune(self, keep: Path) -> None:
        """Remove older snapshots (an open connection keeps reading its deleted file on Linux)."""
        for path in self.snapshots.glob("warehouse-*.duckdb*"):
            if not path.name.startswith(keep.name):
                path.unlink(missing_ok=True)

    # reads
    def fetch(self, key: str, fn: Callable[[Destination], T]) -> Read:
        """``fn`` on the readable warehouse; the last result of ``key`` if a run holds it."""
        with self._lock:
            dest = self._dest
        if dest is None:
            return Read(None, None)
        try:
            value = fn(dest)
        except sa.exc.DBAPIError as exc:
            cached = self._cache.get(key)
            if _lock_wait(exc):
                log.info("warehouse busy for %s: serving the last read", key)
            else:
                log.warning("console read %s failed: %s", key, str(exc).splitlines()[0])
            return Read(cached[0], cached[1], stale=True) if cached else Read(None, None, stale=True)
        now = datetime.now()
        self._cache[key] = (value, now)
        return Read(value, now)

    def frame(self, dest: Destination, name: str, **params: object) -> pd.DataFrame:
        return dest.read_sql(query(name), **params)

    def close(self) -> None:
        with self._lock:
            dest, self._dest = self._dest, None
        if dest is not None:
            dest.dispose()


def _signature(path: Path) -> tuple[int, int]:
    stat = path.stat()
    return stat.st_mtime_ns, stat.st_size


def _lock_wait(exc: sa.exc.DBAPIError) -> bool:
    code = getattr(exc.orig, "sqlstate", None)
    return code in ("55P03", "57014")  # lock_not_available, query_canceled (statement timeout)
