"""Stage 7, marts: the extracts' marts recomputed for the periods the run changed."""

from __future__ import annotations

from datetime import date
from functools import cache

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.warehouse.base import SQL_DIR
from pdv.warehouse.calendar import periods_of
from pdv.warehouse.stages.state import LoadState

# The view's own period list, where the filter on the refreshed periods goes: every later step of the
# view is per period, so the rows are the view's, and nothing is computed for the periods left alone.
_PERIODS = """    from dim_period as p cross join cutoff as c
    where p.first_month <= c.last_month
"""


def refresh_marts(state: LoadState) -> None:
    """Unit progress, then the early warning's outlook; the run's touched unit-months are done with."""
    from pdv.outlook import refresh as refresh_outlook  # the early warning's mart (pandas, scipy)

    months = state.summary.changed_months
    _refresh_progress(state.conn, months)
    refresh_outlook(state.conn, state.dest, months)
    state.conn.exec_driver_sql("drop table stage_touched")


def _refresh_progress(conn: Connection, changed_months: list[date] | None) -> None:
    """Recompute the extracts' mart for the periods this run changed (all of them if unknown)."""
    if changed_months is None:
        conn.exec_driver_sql("delete from mart_unit_progress")
        conn.exec_driver_sql("insert into mart_unit_progress select * from v_unit_progress")
        return
    periods = periods_of(conn, changed_months)
    if not periods:
        return
    for stmt in (
        "delete from mart_unit_progress where period in :p",
        f"insert into mart_unit_progress {_progress_of()}",
    ):
        conn.execute(sa.text(stmt).bindparams(sa.bindparam("p", expanding=True)), {"p": periods})


@cache
def _progress_of() -> str:
    """``v_unit_progress``'s query restricted to the periods ``:p`` from its first step.

    Filtering the view's result instead computed every period of every unit before dropping them: at
    national scale most of a new month's run time and 1.7 GB of the warehouse's memory.
    """
    text = (SQL_DIR / "views" / "20_v_unit_progress.sql").read_text(encoding="utf-8")
    head = "create or replace view v_unit_progress as\n"
    if head not in text or text.count(_PERIODS) != 1:
        raise RuntimeError("sql/views/20_v_unit_progress.sql changed: update pdv.warehouse.stages.marts._PERIODS")
    query = text.split(head, 1)[1].rstrip().rstrip(";")
    return query.replace(_PERIODS, _PERIODS + "        and p.period in :p\n")
