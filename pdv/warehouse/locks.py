"""Locked months in the load: a report for a month an approved period covers waits as pending.

The report is read, validated and stored like any other (its fact rows stay ``is_current = false``),
but the figures in force for its unit-month do not change until the period is reopened; the first
run after the reopening settles those unit-months again (see ``pdv/approval.py``).
"""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.findings import ISSUE_COLUMNS, Finding, to_frame
from pdv.warehouse.base import Destination, query_frame

_PENDING_COLUMNS = ["file_id", "unit_key", "unit_code", "period_month", "kind", "status", "run_id"]
_NEW_ROWS = """
select distinct f.file_id, f.unit_key, f.unit_code, f.period_month
from {t} as f join source_file as s on s.file_id = f.file_id
where s.run_id = :run and f.unit_key is not null
"""
_READY = "status = 'pending' and not exists (select 1 from locked_month as l where l.month_start = pending_submission.period_month)"


def locked_months(conn: Connection) -> pd.DataFrame:
    """``month_start`` and the approved periods locking it (``periods``, comma-separated)."""
    frame = query_frame(conn, "select month_start, period from locked_month order by period")
    frame["month_start"] = pd.to_datetime(frame["month_start"]).dt.date
    grouped = frame.groupby("month_start", as_index=False)["period"].agg(", ".join)
    return pd.DataFrame(grouped).rename(columns={"period": "periods"})


def has_ready_pending(conn: Connection) -> bool:
    """Whether a reopening left pending submissions for the next run to apply."""
    return bool(conn.exec_driver_sql(f"select count(*) from pending_submission where {_READY}").scalar_one())


def hold_locked(
    conn: Connection, dest: Destination, keys: pd.DataFrame, retired: list[int], run_id: str
) -> pd.DataFrame:
    """The unit-months to settle: ``keys`` outside locked months, plus pending ones whose lock was lifted.

    New rows (and removed files in force) in a locked month are recorded in ``pending_submission``.
    ``keys`` has ``unit_key``, ``period_month`` (dates) and ``period`` ('YYYY-MM').
    """
    locked = set(locked_months(conn)["month_start"])
    if locked:
        held = keys["period_month"].isin(locked)
        keys = keys[~held]
        _record_pending(conn, dest, locked, retired, run_id)
    ready = query_frame(conn, f"select distinct unit_key, period_month from pending_submission where {_READY}")
    if ready.empty:
        return keys.reset_index(drop=True)
    conn.execute(
        sa.text(f"update pending_submission set status = 'applied', applied_run_id = :run where {_READY}"),
        {"run": run_id},
    )
    months = pd.to_datetime(ready["period_month"])
    ready = ready.assign(period_month=months.dt.date, period=months.dt.strftime("%Y-%m")).astype(
        {"unit_key": "int64", "period": object}
    )
    out = pd.concat([keys, ready], ignore_index=True)
    return out.drop_duplicates(["unit_key", "period_month"]).reset_index(drop=True)


def _record_pending(conn: Connection, dest: Destination, locked: set[object], retired: list[int], run_id: str) -> None:
    parts = [
        query_frame(conn, _NEW_ROWS.format(t=t), run=run_id).assign(kind="new")
        for t in ("fact_unit_month", "fact_admission")
    ]
    if retired:
        stmt = sa.text(
            "select distinct file_id, unit_key, unit_code, period_month from fact_unit_month"
            " where file_id in :ids and is_current"
        ).bindparams(sa.bindparam("ids", expanding=True))
        gone = pd.DataFrame(conn.execute(stmt, {"ids": retired}).fetchall(), columns=_PENDING_COLUMNS[:4])
        parts.append(gone.assign(kind="removed"))
    rows = pd.concat([pd.DataFrame(columns=_PENDING_COLUMNS[:5]), *parts], ignore_index=True)
    rows["period_month"] = pd.to_datetime(rows["period_month"]).dt.date
    rows = rows[rows["period_month"].isin(locked)].drop_duplicates(["file_id", "unit_key", "period_month"])
    if rows.empty:
        return
    have = query_frame(conn, "select file_id, unit_key, period_month from pending_submission")
    have["period_month"] = pd.to_datetime(have["period_month"]).dt.date
    rows = rows.astype({"file_id": "int64", "unit_key": "int64"})
    rows = rows.merge(have.astype({"file_id": "int64", "unit_key": "int64"}), how="left", indicator=True)
    rows = rows[rows["_merge"] == "left_only"].drop(columns="_merge")
    dest.bulk_insert(
        conn, "pending_submission", rows.assign(status="pending", run_id=run_id)[_PENDING_COLUMNS].astype(object)
    )


def locked_findings(conn: Connection, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """``period.locked`` warnings for this run's pending reports, and the scopes this run re-checked.

    A pending report's warning resolves in the run that applies it.
    """
    rows = query_frame(
        conn,
        "select distinct p.unit_code, p.period_month, s.path from pending_submission as p"
        " join source_file as s on s.file_id = p.file_id"
        " where p.run_id = :run and p.kind = 'new' and p.status = 'pending'",
        run=run_id,
    )
    locks = locked_months(conn).set_index("month_start")["periods"]
    rows["period_month"] = pd.to_datetime(rows["period_month"]).dt.date
    findings = [
        Finding(
            "period.locked",
            str(r["path"]),
            unit=str(r["unit_code"]),
            period=f"{r['period_month']:%Y-%m}",
            params={"detail": str(locks.get(r["period_month"], ""))},
        )
        for r in rows.to_dict("records")
    ]
    frame = to_frame(findings).reindex(columns=ISSUE_COLUMNS)
    frame["scope"] = "locked:" + frame["unit"].astype(str) + "|" + frame["period"].astype(str)
    frame["file_id"] = None
    applied = query_frame(
        conn, "select distinct unit_code, period_month from pending_submission where applied_run_id = :run", run=run_id
    )
    labels = pd.to_datetime(applied["period_month"]).dt.strftime("%Y-%m")
    scopes = pd.DataFrame({"scope": "locked:" + applied["unit_code"].astype(str) + "|" + labels, "resolver": None})
    return frame, scopes
