"""Stage 7, marts: the extracts' marts recomputed for the periods the run changed."""

from __future__ import annotations

from datetime import date

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.warehouse.calendar import periods_of
from pdv.warehouse.stages.state import LoadState


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
        "insert into mart_unit_progress select * from v_unit_progress where period in :p",
    ):
        conn.execute(sa.text(stmt).bindparams(sa.bindparam("p", expanding=True)), {"p": periods})
