"""Load one run's parsed files into the warehouse in a single transaction.

Everything a run writes (dimensions, facts, issues, audit rows) commits together or not at all,
and reloading the same input changes no data: unchanged files are never re-read. The stages live
in ``pdv.warehouse.stages``, one module each; ``load_run`` runs them in the data's order.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

import pandas as pd
import sqlalchemy as sa

from pdv.faults import checkpoint
from pdv.findings import Finding
from pdv.history import UnitHistory
from pdv.ingest import PERSONS_SQL, ParsedFile, RawFile, no_persons, persons_frame
from pdv.warehouse.base import Destination, query_frame
from pdv.warehouse.stages.check import check
from pdv.warehouse.stages.cross_check import cross_check
from pdv.warehouse.stages.marts import refresh_marts
from pdv.warehouse.stages.place import place
from pdv.warehouse.stages.reconcile import reconcile
from pdv.warehouse.stages.record import count_written, read_run, record, record_failed_run, record_run
from pdv.warehouse.stages.settle import settle
from pdv.warehouse.stages.state import LoadState, QualityCheck, RunSummary

__all__ = [
    "STAGES",
    "LoadState",
    "QualityCheck",
    "RunSummary",
    "load_run",
    "no_persons",
    "read_run",
    "record_failed_run",
]

Stage = Callable[[LoadState], None]
# After ``record``, in this order, when the run has work to do.
STAGES: tuple[Stage, ...] = (place, settle, cross_check, check, reconcile, refresh_marts)


def _direct(stage: Stage) -> Stage:
    return stage


def current_versions(dest: Destination) -> dict[str, tuple[str, str]]:
    """``{path: (content_key, sha256)}`` of the current version of every known input file."""
    if not dest.exists():
        return {}
    with dest.engine.connect() as conn:
        if not sa.inspect(conn).has_table("source_file"):
            return {}
        rows = conn.exec_driver_sql("select path, content_key, sha256 from source_file where is_current").fetchall()
    return {r[0]: (r[1], r[2]) for r in rows}


def current_persons(dest: Destination) -> pd.DataFrame:
    """Admissions in force (person_key, unit_code, period_month, admitted_on, decision_no): a person is
    admitted once, the earliest admission stands."""
    if not dest.exists():
        return no_persons()
    with dest.engine.connect() as conn:
        if not sa.inspect(conn).has_table("fact_admission"):
            return no_persons()
        return persons_frame(query_frame(conn, PERSONS_SQL))


def load_run(
    dest: Destination,
    summary: RunSummary,
    started_at: datetime,
    raw_dir: str,
    seen: list[RawFile],
    parsed: list[tuple[ParsedFile, str]],
    history: UnitHistory | Callable[[], UnitHistory],
    quality: QualityCheck | None = None,
    plan_findings: list[Finding] | None = None,
    full_check: bool = False,
    step: Callable[[Stage], Stage] = _direct,
) -> RunSummary:
    """Write one run (new file versions and their findings) atomically; return the summary.

    ``history`` may be given as a function: it is then built only when the run has work to do.
    ``plan_findings`` (why reports were held back) are re-checked on every run that has work.
    The summary's counts are read from the tables the run wrote, inside its transaction.
    ``quality`` checks what the run changed, or every row when the plan or the reference data changed,
    or with ``full_check`` (which runs even when nothing is new). Only a full check resolves the
    warehouse checks' issues it no longer finds. ``step`` wraps each stage (the flow makes each a task).
    """
    with dest.engine.begin() as conn:
        dest.apply_ddl(conn)
        state = LoadState(conn, dest, summary, seen, parsed, history, quality, plan_findings or [], full_check)
        if record(state):
            for stage in STAGES:
                step(stage)(state)
            count_written(conn, summary)
        else:
            summary.changed_months = []
        checkpoint("load")  # everything is written, nothing committed
        record_run(conn, dest, summary, started_at, raw_dir)
    return summary
