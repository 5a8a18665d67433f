"""Helpers shared by tests: run the flow, snapshot warehouse tables, build annex variants."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pandas as pd
import sqlalchemy as sa

from pdv.settings import Settings
from pdv.warehouse import Destination


@contextmanager
def pg_database(server: str, prefix: str = "pdv_test") -> Iterator[str]:
    """A new, empty database on the PostgreSQL ``server`` (its URL), dropped afterwards."""
    name = f"{prefix}_{uuid.uuid4().hex[:12]}"
    admin = sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'create database "{name}"')
    try:
        yield sa.make_url(server).set(database=name).render_as_string(hide_password=False)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
        admin.dispose()


DATA_TABLES = {
    "dim_unit": "unit_key",
    "dim_plan": "plan_key",
    "fact_target": "file_id, unit_key, year, source",
    "source_file": "file_id",
    "dq_issue": "issue_id",
}


def run_pipeline(settings: Settings):  # type: ignore[no-untyped-def]
    """Run the real Prefect flow (needs the ``prefect_harness`` fixture)."""
    from flows.pipeline import pipeline

    return pipeline(settings)


def snapshot(dest: Destination, tables: dict[str, str] = DATA_TABLES) -> dict[str, pd.DataFrame]:
    """Every data table, ordered by its key: for comparing warehouse states."""
    return {t: dest.read_sql(f"select * from {t} order by {key}") for t, key in tables.items()}


def assert_same_state(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for table in a:
        pd.testing.assert_frame_equal(a[table], b[table], check_dtype=False, obj=table)


def edit_plan(raw_dir: Path, old: str, new: str, count: int = 1) -> Path:
    """Replace text in the plan document copy (the test's own input)."""
    path = next((raw_dir / "plan").glob("*.txt"))
    text = path.read_text(encoding="utf-8")
    assert old in text, old
    path.write_text(text.replace(old, new, count), encoding="utf-8")
    return path


def start_check_worker(home: Path, idle_minutes: float = 30, timeout: float = 180) -> int:
    """Start the check worker of ``home`` (PREFECT_HOME must be set to it) and wait until it says it is ready."""
    import time

    from pdv import check_worker
    from pdv.orchestrator import _alive

    pid = check_worker.ensure_started(idle_minutes)
    assert pid is not None, "no socket path is usable here"
    log = home / check_worker.LOG_FILE
    deadline = time.monotonic() + timeout
    while f"worker {pid} ready" not in (log.read_text() if log.exists() else ""):
        assert _alive(pid), log.read_text() if log.exists() else "the worker exited"
        assert time.monotonic() < deadline, "the check worker did not get ready"
        time.sleep(0.2)
    return pid
