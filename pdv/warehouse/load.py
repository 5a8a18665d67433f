"""Load one run's parsed files into the warehouse in a single transaction.

Everything a run writes (dimensions, facts, issues, audit rows) commits together or not at all,
and reloading the same input changes no data: unchanged files are never re-read.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass
from datetime import date, datetime

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.findings import ISSUE_COLUMNS
from pdv.ingest import ParsedFile, RawFile
from pdv.reference import UnitRegistry
from pdv.warehouse.base import Destination

TARGET_SOURCES = {"target_total": "total", "target_youth": "youth", "target_union": "union"}


@dataclass
class RunSummary:
    """What a run did, for the CLI, logs and the ``load_run`` row."""

    run_id: str
    status: str
    files_seen: int = 0
    files_new: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    issues_opened: int = 0
    issues_resolved: int = 0
    message: str | None = None


def current_versions(dest: Destination) -> dict[str, str]:
    """``{path: content_key}`` of the current version of every known input file."""
    with dest.engine.connect() as conn:
        if not sa.inspect(conn).has_table("source_file"):
            return {}
        rows = conn.exec_driver_sql("select path, content_key from source_file where is_current").fetchall()
    return {r[0]: r[1] for r in rows}


def load_run(
    dest: Destination,
    summary: RunSummary,
    started_at: datetime,
    raw_dir: str,
    seen: list[RawFile],
    parsed: list[tuple[ParsedFile, str]],
    registry: UnitRegistry,
) -> RunSummary:
    """Write one run (new file versions and their findings) atomically; return the summary."""
    with dest.engine.begin() as conn:
        dest.apply_ddl(conn)
        _sync_units(conn, dest, registry)
        file_ids = _record_files(conn, dest, summary.run_id, seen, parsed)
        for item, _ in parsed:
            if item.plan is not None and item.targets is not None and item.plan.plan_no:
                _load_targets(conn, dest, item, file_ids[item.raw.rel])
        summary.issues_opened, summary.issues_resolved = _reconcile_issues(
            conn, dest, summary.run_id, seen, parsed, file_ids
        )
        summary.rows_read = sum(p.rows_read for p, _ in parsed)
        summary.rows_loaded = sum(p.rows_loaded for p, _ in parsed)
        summary.rows_rejected = summary.rows_read - summary.rows_loaded
        record = {
            **asdict(summary),
            "started_at": started_at,
            "finished_at": datetime.now(),
            "raw_dir": raw_dir,
        }
        dest.bulk_insert(conn, "load_run", pd.DataFrame([record]))
    return summary


def record_failed_run(dest: Destination, summary: RunSummary, started_at: datetime, raw_dir: str) -> None:
    """After a rollback: keep a trace of the failed run (best effort, own transaction)."""
    with dest.engine.begin() as conn:
        dest.apply_ddl(conn)
        record = {
            **asdict(summary),
            "started_at": started_at,
            "finished_at": datetime.now(),
            "raw_dir": raw_dir,
        }
        dest.bulk_insert(conn, "load_run", pd.DataFrame([record]))


def _next_key(conn: Connection, table: str, column: str) -> int:
    return int(conn.exec_driver_sql(f"select coalesce(max({column}), 0) from {table}").scalar_one() or 0) + 1


def _sync_units(conn: Connection, dest: Destination, registry: UnitRegistry) -> None:
    """Bring ``dim_unit`` in line with the registry: new codes get a key, changes a new version."""
    current = pd.read_sql_query(
        sa.text("select unit_key, unit_code, unit_type, unit_name from dim_unit where is_current"), conn
    )
    units = registry.units[["unit_code", "unit_type", "unit_name", "name_key"]]
    merged = units.merge(current, on="unit_code", how="left", suffixes=("", "_old"))
    changed = merged["unit_key"].notna() & (
        (merged["unit_type"] != merged["unit_type_old"]) | (merged["unit_name"] != merged["unit_name_old"])
    )
    new_rows = merged[merged["unit_key"].isna() | changed].copy()
    if new_rows.empty:
        return
    today = date.today()
    closed = [int(k) for k in merged.loc[changed, "unit_key"]]
    if closed:
        conn.execute(
            sa.text("update dim_unit set is_current = false, valid_to = :d where unit_key in :keys").bindparams(
                sa.bindparam("keys", expanding=True)
            ),
            {"d": today, "keys": closed},
        )
    start = _next_key(conn, "dim_unit", "unit_key")
    new_rows["valid_from"] = [today if c else None for c in changed[new_rows.index]]
    new_rows["unit_key"] = range(start, start + len(new_rows))
    new_rows["valid_to"] = None
    new_rows["is_current"] = True
    cols = [
        "unit_key",
        "unit_code",
        "unit_type",
        "unit_name",
        "name_key",
        "valid_from",
        "valid_to",
        "is_current",
    ]
    dest.bulk_insert(conn, "dim_unit", new_rows[cols])


def _record_files(
    conn: Connection,
    dest: Destination,
    run_id: str,
    seen: list[RawFile],
    parsed: list[tuple[ParsedFile, str]],
) -> dict[str, int]:
    present = [f.rel for f in seen]
    stmt = sa.text("update source_file set is_current = false where is_current and path not in :paths")
    conn.execute(stmt.bindparams(sa.bindparam("paths", expanding=True)), {"paths": present or [""]})
    if not parsed:
        return {}
    paths = [p.raw.rel for p, _ in parsed]
    stmt = sa.text("update source_file set is_current = false where path in :paths")
    conn.execute(stmt.bindparams(sa.bindparam("paths", expanding=True)), {"paths": paths})
    start = _next_key(conn, "source_file", "file_id")
    rows = pd.DataFrame(
        [
            {
                "file_id": start + i,
                "path": p.raw.rel,
                "sha256": p.raw.sha256,
                "content_key": key,
                "size_bytes": p.raw.size,
                "kind": p.raw.kind,
                "run_id": run_id,
                "status": p.status,
                "rows_read": p.rows_read,
                "rows_loaded": p.rows_loaded,
                "rows_rejected": p.rows_rejected,
                "is_current": True,
            }
            for i, (p, key) in enumerate(parsed)
        ]
    )
    dest.bulk_insert(conn, "source_file", rows)
    return dict(zip(rows["path"], rows["file_id"].astype(int), strict=True))


def _load_targets(conn: Connection, dest: Destination, item: ParsedFile, file_id: int) -> None:
    plan = item.plan
    assert plan is not None and item.targets is not None
    key = conn.execute(
        sa.text("select plan_key from dim_plan where plan_no = :no"), {"no": plan.plan_no}
    ).scalar_one_or_none()
    attrs = {
        "plan_no": plan.plan_no,
        "plan_date": plan.plan_date,
        "year_from": min(plan.years) if plan.years else None,
        "year_to": max(plan.years) if plan.years else None,
        "yearly_target": plan.yearly_target,
        "min_youth_share_pct": plan.min_youth_share_pct,
        "file_id": file_id,
    }
    if key is None:
        key = _next_key(conn, "dim_plan", "plan_key")
        dest.bulk_insert(conn, "dim_plan", pd.DataFrame([{"plan_key": key, **attrs}]))
    else:
        # A pasted annex carries no plan metadata: keep what the document text gave.
        sets = ", ".join(f"{c} = coalesce(:{c}, {c})" for c in attrs if c != "plan_no")
        conn.execute(sa.text(f"update dim_plan set {sets} where plan_key = :key"), {**attrs, "key": key})
    units = pd.read_sql_query(sa.text("select unit_code, unit_key from dim_unit where is_current"), conn)
    targets = item.targets.merge(units, on="unit_code", how="inner")
    long = targets.melt(
        id_vars=["unit_key", "year", "stt", "source_row"],
        value_vars=list(TARGET_SOURCES),
        var_name="source",
        value_name="target",
    )
    long["source"] = long["source"].map(TARGET_SOURCES)
    long = long.rename(columns={"stt": "annex_stt"}).assign(
        file_id=file_id, plan_key=int(key), is_current=True, target=long["target"].astype("int64")
    )
    conn.execute(sa.text("update fact_target set is_current = false where plan_key = :k"), {"k": int(key)})
    cols = [
        "file_id",
        "plan_key",
        "unit_key",
        "year",
        "source",
        "target",
        "annex_stt",
        "source_row",
        "is_current",
    ]
    dest.bulk_insert(conn, "fact_target", long[cols])


def _stage(conn: Connection, dest: Destination, name: str, like: str, frame: pd.DataFrame) -> None:
    conn.exec_driver_sql(f"drop table if exists {name}")
    conn.exec_driver_sql(f"create temporary table {name} as select * from {like} limit 0")
    dest.bulk_insert(conn, name, frame)


def _reconcile_issues(
    conn: Connection,
    dest: Destination,
    run_id: str,
    seen: list[RawFile],
    parsed: list[tuple[ParsedFile, str]],
    file_ids: dict[str, int],
) -> tuple[int, int]:
    """Open what this run found, resolve what re-read files no longer show; never delete."""
    frames = [p.findings.assign(file_id=file_ids[p.raw.rel]) for p, _ in parsed if not p.findings.empty]
    found = pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=[*ISSUE_COLUMNS, "file_id"])
    found = found.drop_duplicates("issue_id").rename(columns={"row": "row_number", "column": "column_name"})
    found = found.assign(
        status="open", first_run_id=run_id, last_run_id=run_id, resolved_run_id=None, resolved_by_file=None
    )
    _stage(conn, dest, "stage_issue", "dq_issue", found)
    reread = pd.DataFrame({"path": [p.raw.rel for p, _ in parsed]}, dtype=object)
    gone = pd.DataFrame({"path": [f.rel for f in seen]}, dtype=object)
    conn.exec_driver_sql("drop table if exists stage_path")
    conn.exec_driver_sql("create temporary table stage_path (path varchar, present boolean)")
    dest.bulk_insert(conn, "stage_path", pd.concat([reread.assign(present=False), gone.assign(present=True)]))
    before_open = conn.exec_driver_sql(
        "select count(*) from dq_issue d join stage_issue s on s.issue_id = d.issue_id where d.status = 'open'"
    ).scalar_one()
    params = {"run": run_id}
    conn.execute(
        sa.text("""
        update dq_issue set status = 'open', last_run_id = :run, resolved_run_id = null,
            resolved_by_file = null, file_id = s.file_id, severity = s.severity,
            message_vi = s.message_vi, message_en = s.message_en
        from stage_issue as s where dq_issue.issue_id = s.issue_id"""),
        params,
    )
    conn.exec_driver_sql("""
        insert into dq_issue select s.* from stage_issue as s
        where not exists (select 1 from dq_issue as d where d.issue_id = s.issue_id)""")
    resolved = conn.execute(
        sa.text("""
        update dq_issue set status = 'resolved', resolved_run_id = :run,
            resolved_by_file = case when file in (select path from stage_path where not present)
                                    then file end
        where status = 'open'
          and issue_id not in (select issue_id from stage_issue)
          and (file in (select path from stage_path where not present)
               or file not in (select path from stage_path where present))"""),
        params,
    ).rowcount
    conn.exec_driver_sql("drop table stage_issue")
    conn.exec_driver_sql("drop table stage_path")
    return len(found) - int(before_open or 0), int(resolved or 0)
