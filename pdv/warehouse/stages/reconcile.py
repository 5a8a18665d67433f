"""Stage 6, reconcile: open what the run found, resolve what re-checked scopes no longer show."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection

from pdv.warehouse.base import query_frame
from pdv.warehouse.issues import reconcile_issues
from pdv.warehouse.stages.state import LoadState


def reconcile(state: LoadState) -> None:
    summary = state.summary
    reconcile_issues(
        state.conn,
        state.dest,
        summary.run_id,
        state.seen,
        pd.concat(state.findings, ignore_index=True),
        pd.concat(state.scopes, ignore_index=True),
        state.touched,
    )
    if summary.changed_months is not None:  # issues name unit-months too (open_errors)
        summary.changed_months = sorted(set(summary.changed_months) | _issue_months(state.conn, summary.run_id))


def _issue_months(conn: Connection, run_id: str) -> set[date]:
    """Months of the issues this run opened, found again or resolved."""
    labels = query_frame(
        conn, "select distinct period from dq_issue where last_run_id = :r or resolved_run_id = :r", r=run_id
    )["period"]
    months = pd.to_datetime(labels[labels.str.fullmatch(r"\d{4}-\d{2}", na=False)] + "-01")
    return set(months.dt.date)
