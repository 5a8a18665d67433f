"""Approval of Board periods: issue (freeze) an extract, lock its months, reopen with a reason.

Received → in force → approved/issued → reopened → re-issued. Each function takes the settings, the
period, who acts and why, so the CLI and the web console call the same code. Every approval and
reopening is one transaction (figures, lock, audit row) taken under the run lock; the issued files are
renamed into place just before it commits, and a folder left by a killed approval that never
committed is replaced by the next approval of that version.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
import uuid
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.faults import checkpoint
from pdv.settings import PROJECT_ROOT, Settings
from pdv.warehouse import Destination, destination_for
from pdv.warehouse.base import query_frame

APPROVE_ROLES = frozenset({"board"})
REOPEN_ROLES = frozenset({"board", "steward"})
PENDING_SQL = PROJECT_ROOT / "sql" / "queries" / "pending_submissions.sql"


class ApprovalError(ValueError):
    """The action cannot be done; the message is Vietnamese for people, then English."""


@dataclass(frozen=True)
class Approval:
    period: str
    version: int
    actor: str
    at: datetime
    folder: Path
    manifest: dict[str, Any]


@dataclass(frozen=True)
class Reopening:
    period: str
    version: int
    actor: str
    at: datetime
    reason: str
    pending: int  # submissions waiting for the next run to apply them


def record_audit(
    conn: Connection,
    dest: Destination,
    actor: str,
    action: str,
    target: str | None = None,
    reason: str | None = None,
    role: str | None = None,
    detail: dict[str, Any] | None = None,
    at: datetime | None = None,
) -> str:
    """Append one audit record in the caller's transaction; returns its id."""
    audit_id = uuid.uuid4().hex
    row = {
        "audit_id": audit_id,
        "acted_at": at or datetime.now().replace(microsecond=0),
        "actor": actor,
        "role": role,
        "action": action,
        "target": target,
        "reason": reason,
        "detail": json.dumps(detail or {}, ensure_ascii=False, sort_keys=True),
    }
    dest.bulk_insert(conn, "audit_log", pd.DataFrame([row]).astype(object))
    return audit_id


def _who(actor: str, role: str, allowed: frozenset[str], action_vi: str) -> str:
    actor = (actor or "").strip()
    if not actor:
        raise ApprovalError(f"Cần ghi rõ người {action_vi} / who acts must be given (--by)")
    if role not in allowed:
        raise ApprovalError(
            f"Tài khoản vai trò {role!r} không được {action_vi} kỳ báo cáo / role {role!r} may not {action_vi}"
        )
    return actor


def _latest(conn: Connection, period: str) -> dict[str, Any] | None:
    frame = query_frame(
        conn,
        "select version, reopened_at from period_approval where period = :p order by version desc limit 1",
        p=period,
    )
    return None if frame.empty else {str(k): v for k, v in frame.iloc[0].to_dict().items()}


def is_approved(row: dict[str, Any] | None) -> bool:
    return row is not None and (row["reopened_at"] is None or pd.isna(row["reopened_at"]))


def approved_periods(dest: Destination) -> set[str]:
    """Periods whose latest issued version is in force (not reopened)."""
    if not dest.exists():
        return set()
    with dest.engine.connect() as conn:
        if not sa.inspect(conn).has_table("period_approval"):
            return set()
        frame = query_frame(
            conn,
            "select a.period from period_approval as a where a.reopened_at is null"
            " and a.version = (select max(b.version) from period_approval as b where b.period = a.period)",
        )
    return {str(p) for p in frame["period"]}


def approve(
    settings: Settings,
    period: str,
    actor: str,
    reason: str | None = None,
    role: str = "board",
    view: str = "as_is",
    wait: bool = True,
) -> Approval:
    """Issue the period's extract as a new version, keep its files for good and lock its months."""
    from pdv.extracts import issued
    from pdv.extracts.build import _frames, _sources, periods_with_data

    actor = _who(actor, role, APPROVE_ROLES, "phê duyệt")
    dest = destination_for(settings.database_url)
    try:
        with dest.run_lock(wait=wait):
            with dest.engine.begin() as conn:
                dest.apply_ddl(conn)
            if period not in periods_with_data(dest):
                raise ApprovalError(f"Kỳ {period} chưa có số liệu để phê duyệt / period {period} has no data")
            with dest.engine.connect() as conn:
                latest = _latest(conn, period)
            if is_approved(latest):
                assert latest is not None
                raise ApprovalError(
                    f"Kỳ {period} đã được phê duyệt (phiên bản {latest['version']}); mở lại kỳ trước khi phê duyệt lại"
                    f" / {period} is already approved (version {latest['version']})"
                )
            version = 1 if latest is None else int(latest["version"]) + 1
            rows, monthly, ctx = _frames(dest, period, view)
            sources, run_id = _sources(dest, period, ctx["data_cutoff"])
            meta = issued.meta_of(period, view, ctx)
            now = datetime.now().replace(microsecond=0)
            target = issued.folder(settings, period, version)
            record = {
                "period": period,
                "version": version,
                "view": view,
                "approved_at": now,
                "approved_by": actor,
                "reopened_at": None,
                "reopened_by": None,
                "reopen_reason": None,
                "load_run": run_id,
                "data_cutoff": meta.data_cutoff,
                "context": issued.context_json(meta, sources, run_id),
                "csv_sha256": "",
                "manifest_sha256": "",
            }
            with dest.engine.begin() as conn:
                issued.store(conn, dest, period, version, rows, monthly, record)
                conn.execute(
                    sa.text(
                        "insert into locked_month (period, month_start, version)"
                        " select period, month_start, :v from bridge_period_month where period = :p and scope = 'period'"
                    ),
                    {"p": period, "v": version},
                )
                record_audit(
                    conn, dest, actor, "approve", period, reason, role,
                    {"version": version, "view": view, "folder": _rel(settings, target)},
                    at=now,
                )  # fmt: skip
                checkpoint("approve")  # the warehouse written, nothing committed, no file yet
                target.parent.mkdir(parents=True, exist_ok=True)
                with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
                    work = Path(tmp) / target.name
                    manifest = issued.render(conn, period, version, work)
                    conn.execute(
                        sa.text(
                            "update period_approval set csv_sha256 = :c, manifest_sha256 = :m"
                            " where period = :p and version = :v"
                        ),
                        {
                            "c": manifest["files"]["csv"]["sha256"],
                            "m": _digest(work / "manifest.json"),
                            "p": period,
                            "v": version,
                        },
                    )
                    if target.exists():  # left by an approval killed before it committed
                        shutil.rmtree(target)
                    os.replace(work, target)
                checkpoint("approve-files")  # the files in place, the transaction not yet committed
    finally:
        dest.dispose()
    return Approval(period, version, actor, now, target, manifest)


def reopen(
    settings: Settings, period: str, actor: str, reason: str, role: str = "board", wait: bool = True
) -> Reopening:
    """Reopen an approved period: its months unlock and the next run applies what is pending."""
    actor = _who(actor, role, REOPEN_ROLES, "mở lại")
    reason = (reason or "").strip()
    if not reason:
        raise ApprovalError("Cần ghi rõ lý do mở lại kỳ / a reason is required to reopen (--reason)")
    dest = destination_for(settings.database_url)
    try:
        with dest.run_lock(wait=wait), dest.engine.begin() as conn:
            dest.apply_ddl(conn)
            latest = _latest(conn, period)
            if not is_approved(latest):
                raise ApprovalError(f"Kỳ {period} chưa được phê duyệt / period {period} is not approved")
            assert latest is not None
            version = int(latest["version"])
            now = datetime.now().replace(microsecond=0)
            params = {"p": period, "v": version, "at": now, "by": actor, "why": reason}
            conn.execute(
                sa.text(
                    "update period_approval set reopened_at = :at, reopened_by = :by, reopen_reason = :why"
                    " where period = :p and version = :v"
                ),
                params,
            )
            conn.execute(sa.text("delete from locked_month where period = :p"), params)
            pending = int(
                conn.execute(
                    sa.text(
                        "select count(*) from pending_submission as s where s.status = 'pending'"
                        " and s.period_month in (select month_start from bridge_period_month"
                        "   where period = :p and scope = 'period')"
                        " and not exists (select 1 from locked_month as l where l.month_start = s.period_month)"
                    ),
                    params,
                ).scalar_one()
            )
            record_audit(
                conn, dest, actor, "reopen", period, reason, role, {"version": version, "pending": pending}, at=now
            )
    finally:
        dest.dispose()
    return Reopening(period, version, actor, now, reason, pending)


def pending_submissions(settings: Settings) -> pd.DataFrame:
    """Reports waiting for a locked month, one row per figure, with the figure in force beside it."""
    dest = destination_for(settings.database_url)
    try:
        return pending_frame(dest)
    finally:
        dest.dispose()


def pending_frame(dest: Destination) -> pd.DataFrame:
    """``pending_submissions`` on an open destination (the console passes its read snapshot)."""
    from pdv.extracts.revisions import MEASURES_VI
    from pdv.warehouse.base import sql_statements

    keys = ["unit_code", "period", "path", "locked_by", "received_run"]
    wide = pd.DataFrame(columns=["period_month"])
    if dest.exists():  # read only: never creates a warehouse; one from before approvals has none pending
        with dest.engine.connect() as conn:
            if sa.inspect(conn).has_table("pending_submission"):
                wide = query_frame(conn, sql_statements(PENDING_SQL)[0])
    wide["period"] = pd.to_datetime(wide["period_month"]).dt.strftime("%Y-%m")
    if wide.empty:
        return pd.DataFrame(columns=[*keys, "measure", "in_force", "pending", "difference"])
    parts = []
    for m in MEASURES_VI:
        part = wide[keys].assign(measure=m, in_force=wide[f"in_force_{m}"], pending=wide[f"pending_{m}"])
        parts.append(part)
    out = pd.concat(parts, ignore_index=True)
    out["difference"] = pd.to_numeric(out["pending"]) - pd.to_numeric(out["in_force"])
    return out.sort_values(["period", "unit_code", "path", "measure"]).reset_index(drop=True)


def regenerate(
    settings: Settings, period: str, version: int | None = None, out_dir: Path | None = None
) -> tuple[int, Path]:
    """Write an issued version again (the latest by default) from the warehouse; returns it and where."""
    from pdv.extracts import issued

    dest = _existing(settings, period)
    try:
        with dest.engine.connect() as conn:
            version = version or _latest_version(conn, period)
            target = out_dir or issued.folder(settings, period, version)
            issued.render(conn, period, version, target)
    finally:
        dest.dispose()
    return version, target


def check_issued(settings: Settings, period: str, version: int | None = None) -> tuple[int, list[str]]:
    """Regenerate an issued version into a temporary folder; the kept files that differ (none: identical)."""
    from pdv.extracts import issued

    dest = _existing(settings, period)
    try:
        with dest.engine.connect() as conn, tempfile.TemporaryDirectory() as tmp:
            version = version or _latest_version(conn, period)
            issued.render(conn, period, version, Path(tmp))
            return version, issued.compare(issued.folder(settings, period, version), Path(tmp))
    finally:
        dest.dispose()


def _existing(settings: Settings, period: str) -> Destination:
    dest = destination_for(settings.database_url)
    if not dest.exists():  # reading must not create an empty warehouse
        raise ApprovalError(f"Kỳ {period} chưa có phiên bản ban hành / {period} has no issued version")
    return dest


def _latest_version(conn: Connection, period: str) -> int:
    if not sa.inspect(conn).has_table("period_approval"):
        raise ApprovalError(f"Kỳ {period} chưa có phiên bản ban hành / {period} has no issued version")
    found = conn.execute(
        sa.text("select max(version) from period_approval where period = :p"), {"p": period}
    ).scalar_one_or_none()
    if found is None:
        raise ApprovalError(f"Kỳ {period} chưa có phiên bản ban hành / {period} has no issued version")
    return int(found)


def _digest(path: Path) -> str:
    import hashlib

    return hashlib.sha256(path.read_bytes()).hexdigest()


def _rel(settings: Settings, path: Path) -> str:
    try:
        return str(path.relative_to(settings.warehouse_dir))
    except ValueError:
        return str(path)
