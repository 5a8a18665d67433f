"""Stage 3, settle: the report in force of every unit-month whose rows changed (``sql/load/settle_*.sql``)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.warehouse.base import SQL_DIR, Destination, sql_statements
from pdv.warehouse.calendar import ensure_dates
from pdv.warehouse.locks import hold_locked
from pdv.warehouse.stages.state import LoadState
from pdv.warehouse.stages.units import drop_versions, hold_targets
from pdv.warehouse.staging import stage_frame

SETTLE_SQL = SQL_DIR / "load"


def settle(state: LoadState) -> None:
    """Decide the reports in force; drop unit versions nothing points at; say which months changed."""
    conn, dest, summary = state.conn, state.dest, state.summary
    placed = pd.concat([state.placed, state.moved], ignore_index=True) if len(state.moved) else state.placed
    state.touched = _touched(conn, dest, placed, state.retired, summary.run_id)
    drop_versions(conn, state.versions)
    whole = bool(state.plans) or state.reference_changed  # new targets or units: any figure may have moved
    if whole:
        hold_targets(conn, dest, state.history)
    summary.changed_months = None if whole else sorted(set(pd.to_datetime(state.touched["period_month"]).dt.date))


def _touched(
    conn: Connection, dest: Destination, placed: pd.DataFrame, retired: list[int], run_id: str
) -> pd.DataFrame:
    """Decide the report in force of every unit-month whose rows changed; return those unit-months.

    Unit-months in a locked month keep their report in force (the new ones wait as pending).
    """
    reports = placed[placed["tbl"].isin(["fact_unit_month", "fact_admission"])]
    touched = [
        pd.DataFrame({"unit_key": reports[k], "period_month": reports["period_month"]}) for k in ("unit_key", "old_key")
    ]
    if retired:
        for table in ("fact_unit_month", "fact_admission"):
            stmt = sa.text(f"select distinct unit_key, period_month from {table} where file_id in :ids")
            found = conn.execute(stmt.bindparams(sa.bindparam("ids", expanding=True)), {"ids": retired}).fetchall()
            touched.append(pd.DataFrame(found, columns=["unit_key", "period_month"]))
    keys = pd.concat([pd.DataFrame(columns=["unit_key", "period_month"]), *touched], ignore_index=True)
    keys = keys[keys["unit_key"].notna()].drop_duplicates().reset_index(drop=True)
    months = pd.to_datetime(keys["period_month"])
    keys = keys.assign(period_month=months.dt.date, period=months.dt.strftime("%Y-%m")).astype(
        {"unit_key": "int64", "period": object}
    )
    keys = hold_locked(conn, dest, keys, retired, run_id)
    stage_frame(conn, dest, "stage_touched", "unit_key integer, period_month date, period varchar", keys)
    if not keys.empty:
        ensure_dates(conn, dest, sorted({d.year for d in keys["period_month"]}))
        for table in ("fact_unit_month", "fact_admission"):
            for statement in sql_statements(SETTLE_SQL / f"settle_{table.removeprefix('fact_')}.sql"):
                conn.exec_driver_sql(statement)
                dest.analyze(conn, table)  # the next statement is planned on this one's result
    return keys
