"""Stage 1, record: which inputs are new, and the run's own row (written last, counted from the tables)."""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.ingest import ParsedFile, RawFile
from pdv.warehouse.base import Destination, query_frame
from pdv.warehouse.locks import has_ready_pending
from pdv.warehouse.stages.state import LoadState, RunSummary


def record(state: LoadState) -> bool:
    """Register the reference files and the new file versions; True when the run has work to do."""
    conn, dest, summary = state.conn, state.dest, state.summary
    state.reference_changed = _record_reference(conn, dest, summary.run_id, state.seen)
    state.file_ids, state.retired = _record_files(conn, dest, summary.run_id, state.seen, state.parsed)
    # A reopened period's pending reports are applied by the next run, even with no new file.
    ready = has_ready_pending(conn)
    if ready and summary.status == "nothing_new":
        summary.status = "succeeded"
    return bool(
        state.parsed or state.retired or state.reference_changed or ready or state.plan_findings or state.full_check
    )


def count_written(conn: Connection, summary: RunSummary) -> None:
    """Rows and issues as the tables hold them, so what a run reports is what it stored."""
    params = {"run": summary.run_id}
    rows = conn.execute(
        sa.text(
            "select coalesce(sum(rows_read), 0), coalesce(sum(rows_loaded), 0), coalesce(sum(rows_rejected), 0)"
            " from source_file where run_id = :run"
        ),
        params,
    ).one()
    summary.rows_read, summary.rows_loaded, summary.rows_rejected = (int(v) for v in rows)
    issues = conn.execute(
        sa.text(
            "select coalesce(sum(case when first_run_id = :run then 1 else 0 end), 0),"
            " coalesce(sum(case when resolved_run_id = :run then 1 else 0 end), 0) from dq_issue"
            " where first_run_id = :run or resolved_run_id = :run"
        ),
        params,
    ).one()
    summary.issues_opened, summary.issues_resolved = (int(v) for v in issues)


def read_run(dest: Destination, run_id: str) -> dict[str, Any] | None:
    """The committed ``load_run`` row of a run."""
    frame = dest.read_sql("select * from load_run where run_id = :run", run=run_id)
    return None if frame.empty else {str(k): v for k, v in frame.iloc[0].to_dict().items()}


def record_run(conn: Connection, dest: Destination, summary: RunSummary, started_at: datetime, raw_dir: str) -> None:
    record = {**summary.record(), "started_at": started_at, "finished_at": datetime.now(), "raw_dir": raw_dir}
    dest.bulk_insert(conn, "load_run", pd.DataFrame([record]))


def record_failed_run(dest: Destination, summary: RunSummary, started_at: datetime, raw_dir: str) -> None:
    """After a rollback: keep a trace of the failed run (best effort, own transaction)."""
    with dest.engine.begin() as conn:
        dest.apply_ddl(conn)
        record_run(conn, dest, summary, started_at, raw_dir)


def next_key(conn: Connection, table: str, column: str) -> int:
    return int(conn.exec_driver_sql(f"select coalesce(max({column}), 0) from {table}").scalar_one() or 0) + 1


def _record_reference(conn: Connection, dest: Destination, run_id: str, seen: list[RawFile]) -> bool:
    """Record the reference files as applied; True when any differs from the last run's."""
    files = pd.DataFrame(
        [{"path": f.rel, "sha256": f.sha256, "run_id": run_id} for f in seen if f.kind == "reference"],
        columns=["path", "sha256", "run_id"],
    )
    before = query_frame(conn, "select path, sha256 from reference_file")
    pairs = [sorted(zip(f["path"], f["sha256"], strict=True)) for f in (before, files)]
    if pairs[0] == pairs[1] and len(before):
        return False
    conn.exec_driver_sql("delete from reference_file")
    dest.bulk_insert(conn, "reference_file", files)
    return True


def _record_files(
    conn: Connection, dest: Destination, run_id: str, seen: list[RawFile], parsed: list[tuple[ParsedFile, str]]
) -> tuple[dict[str, int], list[int]]:
    """Register new file versions; return their ids and the ids of versions no longer current."""
    present = [f.rel for f in seen]
    reread = [p.raw.rel for p, _ in parsed]
    retire = sa.text(
        "select file_id from source_file where is_current and (path not in :present or path in :reread)"
    ).bindparams(sa.bindparam("present", expanding=True), sa.bindparam("reread", expanding=True))
    params = {"present": present or [""], "reread": reread or [""]}
    retired = [int(r[0]) for r in conn.execute(retire, params).fetchall()]
    if retired:
        stmt = sa.text("update source_file set is_current = false where file_id in :ids")
        conn.execute(stmt.bindparams(sa.bindparam("ids", expanding=True)), {"ids": retired})
    if not parsed:
        return {}, retired
    start = next_key(conn, "source_file", "file_id")
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
    return dict(zip(rows["path"], rows["file_id"].astype(int), strict=True)), retired
