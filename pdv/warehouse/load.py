"""Load one run's parsed files into the warehouse in a single transaction.

Everything a run writes (dimensions, facts, issues, audit rows) commits together or not at all,
and reloading the same input changes no data: unchanged files are never re-read.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass, field
from datetime import date, datetime
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.faults import checkpoint
from pdv.findings import ISSUE_COLUMNS, Finding, to_frame
from pdv.history import UnitHistory, place
from pdv.ingest import PERSONS_SQL, ParsedFile, RawFile, no_persons, persons_frame
from pdv.textnorm import map_unique, name_key
from pdv.warehouse.admissions import move_later_admissions
from pdv.warehouse.base import Destination, query_frame
from pdv.warehouse.calendar import ensure_dates
from pdv.warehouse.issues import cross_checks, reconcile_issues
from pdv.warehouse.locks import has_ready_pending, hold_locked, locked_findings
from pdv.warehouse.staging import TOUCHED, stage_frame
from schemas.report import ROSTER_COLUMNS, SUMMARY_COLUMNS

QualityCheck = Callable[[Connection, bool], list[Finding]]  # (connection, full): findings
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
    # Months whose figures this run changed (None: everything may have, e.g. new targets or units).
    changed_months: list[date] | None = field(default=None, repr=False)
    # Why reports were held back unread (Vietnamese, English), for the CLI's closing sentence.
    plan_problem: tuple[str, str] | None = field(default=None, repr=False)

    def record(self) -> dict[str, object]:
        """The ``load_run`` columns."""
        return {k: v for k, v in asdict(self).items() if k not in ("changed_months", "plan_problem")}


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
) -> RunSummary:
    """Write one run (new file versions and their findings) atomically; return the summary.

    ``history`` may be given as a function: it is then built only when the run has work to do.
    ``plan_findings`` (why reports were held back) are re-checked on every run that has work.
    The summary's counts are read from the tables the run wrote, inside its transaction.
    ``quality`` checks what the run changed, or every row when the plan or the reference data changed,
    or with ``full_check`` (which runs even when nothing is new). Only a full check resolves the
    warehouse checks' issues it no longer finds.
    """
    with dest.engine.begin() as conn:
        dest.apply_ddl(conn)
        reference_changed = _record_reference(conn, dest, summary.run_id, seen)
        file_ids, retired = _record_files(conn, dest, summary.run_id, seen, parsed)
        # A reopened period's pending reports are applied by the next run, even with no new file.
        ready = has_ready_pending(conn)
        if ready and summary.status == "nothing_new":
            summary.status = "succeeded"
        if not (parsed or retired or reference_changed or ready or plan_findings or full_check):  # only the run
            summary.changed_months = []
            checkpoint("load")
            _record_run(conn, dest, summary, started_at, raw_dir)
            return summary
        history = history() if callable(history) else history
        versions, affected = _sync_units(conn, dest, history) if reference_changed else (_unit_keys(conn), set[str]())
        plans = [p for p, _ in parsed if p.plan is not None and p.targets is not None and p.plan.plan_no]
        for item in plans:
            _load_targets(conn, dest, item, file_ids[item.raw.rel], history, versions)
        new = _load_reports(conn, dest, [p for p, _ in parsed], file_ids, history, versions)
        placed = _replace_units(conn, dest, summary.run_id, history, versions, affected, new)
        moved, moved_found = move_later_admissions(conn, dest, summary.run_id)
        touched = _settle(
            conn, dest, pd.concat([placed, moved], ignore_index=True) if len(moved) else placed, retired, summary.run_id
        )
        _drop_versions(conn, versions)
        if plans or reference_changed:
            _hold_targets(conn, dest, history)
        summary.changed_months = (
            None if plans or reference_changed else sorted(set(pd.to_datetime(touched["period_month"]).dt.date))
        )
        found = [pd.DataFrame(columns=[*ISSUE_COLUMNS, "scope", "file_id"])]
        found += [_file_findings(p, file_ids) for p, _ in parsed]
        found.append(moved_found)  # the later admission's file, not re-read: no scope of its own
        scopes = [
            pd.DataFrame(
                {"scope": [f"file:{p.raw.rel}" for p, _ in parsed], "resolver": [p.raw.rel for p, _ in parsed]}
            )
        ]
        if reference_changed:
            found.append(_scoped(to_frame(history.findings), f"file:{history.path}"))
            scopes.append(pd.DataFrame({"scope": [f"file:{history.path}"], "resolver": [history.path]}))
        place_found, place_scopes = _placement_findings(conn, history, placed)
        found.append(place_found)
        scopes.append(place_scopes)
        lock_found, lock_scopes = locked_findings(conn, summary.run_id)
        found.append(lock_found)
        scopes.append(lock_scopes)
        if not touched.empty:
            cross, cross_scopes = cross_checks(conn, touched)
            found.append(cross)
            scopes.append(cross_scopes)
        found.append(_scoped(to_frame(plan_findings or []), "plan"))
        scopes.append(pd.DataFrame({"scope": ["plan"], "resolver": [None]}))
        if quality is not None:
            full = full_check or summary.changed_months is None
            found.append(_scoped(to_frame(quality(conn, full)), "warehouse"))
            if full:
                scopes.append(pd.DataFrame({"scope": ["warehouse"], "resolver": [None]}))
        reconcile_issues(
            conn,
            dest,
            summary.run_id,
            seen,
            pd.concat(found, ignore_index=True),
            pd.concat(scopes, ignore_index=True),
            touched,
        )
        if summary.changed_months is not None:  # issues name unit-months too (open_errors)
            summary.changed_months = sorted(set(summary.changed_months) | _issue_months(conn, summary.run_id))
        _refresh_marts(conn, summary.changed_months)
        from pdv.outlook import refresh as refresh_outlook  # the early warning's mart (pandas, scipy)

        refresh_outlook(conn, dest, summary.changed_months)
        conn.exec_driver_sql("drop table stage_touched")
        _count_written(conn, summary)
        checkpoint("load")  # everything is written, nothing committed
        _record_run(conn, dest, summary, started_at, raw_dir)
    return summary


def _count_written(conn: Connection, summary: RunSummary) -> None:
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


def _record_run(conn: Connection, dest: Destination, summary: RunSummary, started_at: datetime, raw_dir: str) -> None:
    record = {**summary.record(), "started_at": started_at, "finished_at": datetime.now(), "raw_dir": raw_dir}
    dest.bulk_insert(conn, "load_run", pd.DataFrame([record]))


def record_failed_run(dest: Destination, summary: RunSummary, started_at: datetime, raw_dir: str) -> None:
    """After a rollback: keep a trace of the failed run (best effort, own transaction)."""
    with dest.engine.begin() as conn:
        dest.apply_ddl(conn)
        _record_run(conn, dest, summary, started_at, raw_dir)


def _next_key(conn: Connection, table: str, column: str) -> int:
    return int(conn.exec_driver_sql(f"select coalesce(max({column}), 0) from {table}").scalar_one() or 0) + 1


_NEVER = date(1, 1, 1)  # valid_from of a version open since before the plan, for matching
_VERSION_ATTRS = ["unit_type", "unit_name", "parent_code", "parent_name", "current_unit_code", "valid_to"]


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


def _sync_units(conn: Connection, dest: Destination, history: UnitHistory) -> tuple[pd.DataFrame, set[str]]:
    """Bring ``dim_unit`` and the succession bridge in line with the history.

    A version keeps its key while its (code, first day) stays; returns the desired versions with
    their keys and the codes whose placement of figures may have changed (their history, or that of
    a unit they pass their figures to).
    """
    current = history.current_code()
    want = history.versions.assign(
        current_unit_code=history.versions["unit_code"].map(current),
        is_current=history.versions["valid_to"].isna(),
        start=history.versions["valid_from"].map(lambda d: _NEVER if d is None or pd.isna(d) else d),
    )
    have = query_frame(conn, "select * from dim_unit")
    have["start"] = pd.to_datetime(have["valid_from"]).dt.date.map(lambda d: _NEVER if d is None or pd.isna(d) else d)
    have["valid_to"] = pd.to_datetime(have["valid_to"]).dt.date
    edges_old = query_frame(conn, "select * from bridge_unit_succession")
    merged = want.merge(have[["unit_code", "start", "unit_key"]], on=["unit_code", "start"], how="left")
    fresh = merged["unit_key"].isna()
    start = _next_key(conn, "dim_unit", "unit_key")
    merged.loc[fresh, "unit_key"] = range(start, start + int(fresh.sum()))
    merged["unit_key"] = merged["unit_key"].astype("int64")
    cols = [
        "unit_key",
        "unit_code",
        "unit_type",
        "unit_name",
        "name_key",
        *_VERSION_ATTRS[2:],
        "valid_from",
        "is_current",
    ]

    def signature(frame: pd.DataFrame) -> set[tuple[object, ...]]:
        attrs = frame[["unit_code", "start", *_VERSION_ATTRS]].astype(object)
        return set(map(tuple, attrs.where(attrs.notna(), None).to_numpy().tolist()))

    def edges(frame: pd.DataFrame) -> set[tuple[object, ...]]:
        keep = frame[["predecessor_code", "successor_code", "is_principal"]].astype(object)
        days = pd.to_datetime(frame["effective_date"]).dt.date.astype(object)
        return set(
            zip(keep["predecessor_code"], keep["successor_code"], keep["is_principal"].astype(bool), days, strict=True)
        )

    new_edges = edges(history.succession)
    old_sig, new_sig, old_edges = signature(have), signature(merged), edges(edges_old)
    if old_sig == new_sig and old_edges == new_edges:
        return merged, set()
    merged["name_key"] = map_unique(merged["unit_name"], name_key)  # only when something changed: 52,000 names cost
    changed = {str(t[0]) for t in old_sig ^ new_sig} | {str(e[0]) for e in old_edges ^ new_edges}
    # Codes are placed along their successors: a unit feeding a changed one is affected too.
    nxt: dict[str, set[str]] = {}
    for a, b in zip(history.succession["predecessor_code"], history.succession["successor_code"], strict=True):
        nxt.setdefault(str(a), set()).add(str(b))
    affected = {code for code in set(current) | set(have["unit_code"]) if _chain(code, nxt) & changed}
    keep = merged[~fresh]
    if not keep.empty:
        stage_frame(
            conn,
            dest,
            "stage_unit",
            "unit_key integer, unit_name varchar, name_key varchar, unit_type varchar, parent_code varchar,"
            " parent_name varchar, current_unit_code varchar, valid_to date, is_current boolean",
            keep[["unit_key", "unit_name", "name_key", "unit_type", *_VERSION_ATTRS[2:], "is_current"]].astype(object),
        )
        conn.exec_driver_sql(
            "update dim_unit set unit_name = s.unit_name, name_key = s.name_key, unit_type = s.unit_type,"
            " parent_code = s.parent_code, parent_name = s.parent_name, current_unit_code = s.current_unit_code,"
            " valid_to = s.valid_to, is_current = s.is_current from stage_unit as s where dim_unit.unit_key = s.unit_key"
        )
        conn.exec_driver_sql("drop table stage_unit")
    dest.bulk_insert(conn, "dim_unit", merged.loc[fresh, cols].astype(object))
    conn.exec_driver_sql("delete from bridge_unit_succession")
    dest.bulk_insert(conn, "bridge_unit_succession", history.succession)
    return merged, affected


def _unit_keys(conn: Connection) -> pd.DataFrame:
    """The versions' keys as ``_sync_units`` returns them, when the reference data did not change."""
    keys = query_frame(conn, "select unit_code, valid_from, unit_key from dim_unit")
    start = pd.to_datetime(keys["valid_from"]).dt.date
    return keys.assign(start=start.astype(object).where(start.notna(), _NEVER))


def _chain(code: str, nxt: dict[str, set[str]]) -> set[str]:
    """The code and every unit its figures may pass to."""
    out, todo = {code}, [code]
    while todo:
        more = nxt.get(todo.pop(), set()) - out
        out |= more
        todo += list(more)
    return out


def _drop_versions(conn: Connection, versions: pd.DataFrame) -> None:
    """Versions the reference data no longer has (nothing points at them any more)."""
    stmt = sa.text("delete from dim_unit where unit_key not in :keys").bindparams(sa.bindparam("keys", expanding=True))
    conn.execute(stmt, {"keys": [int(k) for k in versions["unit_key"]] or [-1]})


def _keys(history: UnitHistory, versions: pd.DataFrame, codes: pd.Series, months: pd.Series) -> pd.DataFrame:
    """Placement of figures (see ``pdv.history.place``) with the dim_unit key of the version."""
    placed = place(history, codes, months)
    keyed = placed.reset_index().merge(
        versions[["unit_code", "start", "unit_key"]],
        left_on=["unit_code", "valid_from"],
        right_on=["unit_code", "start"],
        how="left",
    )
    out = keyed.set_index("index").reindex(placed.index)
    out["unit_key"] = out["unit_key"].astype("Int64")
    return out


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
    return dict(zip(rows["path"], rows["file_id"].astype(int), strict=True)), retired


def _load_targets(
    conn: Connection, dest: Destination, item: ParsedFile, file_id: int, history: UnitHistory, versions: pd.DataFrame
) -> None:
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
    targets = item.targets[item.targets["unit_code"] != ""].reset_index(drop=True)
    january = pd.to_datetime(targets["year"].astype(str) + "-01-01")
    targets["unit_key"] = _keys(history, versions, targets["unit_code"], january)["unit_key"]
    long = targets.melt(
        id_vars=["unit_code", "unit_key", "year", "stt", "source_row"],
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
        "unit_code",
        "unit_key",
        "year",
        "source",
        "target",
        "annex_stt",
        "source_row",
        "is_current",
    ]
    dest.bulk_insert(conn, "fact_target", long[cols])


def _scoped(findings: pd.DataFrame, scope: str | pd.Series) -> pd.DataFrame:
    return findings.assign(scope=scope)


def _file_findings(parsed: ParsedFile, file_ids: dict[str, int]) -> pd.DataFrame:
    return _scoped(parsed.findings, f"file:{parsed.raw.rel}").assign(file_id=file_ids[parsed.raw.rel])


# What the schemas hand over, keyed for the warehouse (facts hold the unit's code and its version's key).
_REPORT_COLUMNS = ["file_id", "unit_key", "is_current", "superseded_by_file_id", *SUMMARY_COLUMNS]
_ADMISSION_COLUMNS = [
    "file_id",
    "unit_key",
    "is_current",
    *(c for c in ROSTER_COLUMNS if c not in ("national_id_masked", "id_column")),
]
_PLACED = ["tbl", "file_id", "sheet", "source_row", "unit_code", "period_month", "person_key", "old_key", "unit_key"]
_PLACED_INFO = ["status", "since", "successor"]


def _placed(frame: pd.DataFrame, history: UnitHistory, versions: pd.DataFrame, table: str) -> pd.DataFrame:
    """Rows with the key of the unit version their figures count for, and how they were placed."""
    out = frame.reset_index(drop=True)
    out["period_month"] = pd.to_datetime(out["period_month"]).dt.date
    keys = _keys(history, versions, out["unit_code"], pd.to_datetime(out["period_month"]))
    out["unit_key"] = keys["unit_key"]
    for c in _PLACED_INFO:
        out[c] = keys[c]
    return out.assign(tbl=table)


def _load_reports(
    conn: Connection,
    dest: Destination,
    parsed: list[ParsedFile],
    file_ids: dict[str, int],
    history: UnitHistory,
    versions: pd.DataFrame,
) -> list[pd.DataFrame]:
    """Insert new report rows, each with the unit version its figures count for; return them placed."""
    headers = [p.header_frame().assign(file_id=file_ids[p.raw.rel]) for p in parsed if p.headers]
    if headers:
        dest.bulk_insert(conn, "source_header", pd.concat(headers)[["file_id", "sheet", "column_name", "header"]])
    # All files' rows at once: placement and the bulk insert then run once per table, not per file.
    summaries = [p.summary.assign(file_id=file_ids[p.raw.rel]) for p in parsed if p.summary is not None]
    rosters = [
        (p.roster.assign(file_id=file_ids[p.raw.rel]), p.personal.assign(file_id=file_ids[p.raw.rel]))
        for p in parsed
        if p.roster is not None and not p.roster.empty and p.personal is not None
    ]
    placed = []
    summary = pd.concat([f for f in summaries if not f.empty] or [pd.DataFrame()], ignore_index=True)
    if not summary.empty:
        rows = _placed(summary.assign(is_current=False), history, versions, "fact_unit_month")
        rows["reported_on"] = pd.to_datetime(rows["reported_on"]).dt.date
        dest.bulk_insert(conn, "fact_unit_month", rows.assign(superseded_by_file_id=None)[_REPORT_COLUMNS])
        placed.append(rows)
    if rosters:
        rows = _placed(
            pd.concat([r for r, _ in rosters], ignore_index=True).assign(is_current=False),
            history,
            versions,
            "fact_admission",
        )
        rows["admitted_on"] = pd.to_datetime(rows["admitted_on"]).dt.date
        dest.bulk_insert(conn, "fact_admission", rows[_ADMISSION_COLUMNS])
        personal = pd.concat([p for _, p in rosters], ignore_index=True)
        personal["birth_date"] = pd.to_datetime(personal["birth_date"]).dt.date
        dest.bulk_insert(
            conn, "restricted_person", personal[["person_key", "file_id", "source_row", "full_name", "birth_date"]]
        )
        placed.append(rows)
    return [f.reindex(columns=[*_PLACED, *_PLACED_INFO]) for f in placed]


_REPLACE_SQL = """
select '{t}' as tbl, f.file_id, {sheet} as sheet, f.source_row, f.unit_code, {month} as period_month,
       {person} as person_key, f.unit_key as old_key
from {t} as f
where f.file_id not in (select file_id from source_file where run_id = :run)
  and (f.unit_code in (select unit_code from stage_codes)
       or exists (select 1 from stage_pairs as p where p.unit_code = f.unit_code and p.period_month = {month}))
"""
_TABLE_KEYS = {
    "fact_unit_month": ("f.sheet", "f.period_month", "null", "file_id, unit_code, period_month"),
    "fact_admission": ("f.sheet", "f.period_month", "f.person_key", "file_id, person_key"),
    "fact_target": ("null", "make_date(f.year, 1, 1)", "f.source", "file_id, unit_code, year, source"),
}


def _replace_units(
    conn: Connection,
    dest: Destination,
    run_id: str,
    history: UnitHistory,
    versions: pd.DataFrame,
    affected: set[str],
    new: list[pd.DataFrame],
) -> pd.DataFrame:
    """Place earlier rows again where the history changed or new rows share their unit-month.

    Returns every row placed in this run (new and earlier), with its old and new unit key.
    """
    fresh = pd.concat([pd.DataFrame(columns=[*_PLACED, *_PLACED_INFO]), *new], ignore_index=True)
    pairs = fresh[["unit_code", "period_month"]].drop_duplicates().astype(object)
    stage_frame(conn, dest, "stage_pairs", "unit_code varchar, period_month date", pairs)
    stage_frame(
        conn, dest, "stage_codes", "unit_code varchar", pd.DataFrame({"unit_code": sorted(affected)}, dtype=object)
    )
    parts = []
    for table, (sheet, month, person, _) in _TABLE_KEYS.items():
        if table == "fact_target" and not affected:
            continue
        query = _REPLACE_SQL.format(t=table, sheet=sheet, month=month, person=person)
        parts.append(query_frame(conn, query, run=run_id))
    earlier = pd.concat([pd.DataFrame(columns=_PLACED[:-1]), *parts], ignore_index=True)
    for name in ("stage_pairs", "stage_codes"):
        conn.exec_driver_sql(f"drop table {name}")
    if not earlier.empty:
        again = _placed(earlier, history, versions, "")
        earlier = earlier.assign(
            unit_key=again["unit_key"].to_numpy(), **{c: again[c].to_numpy() for c in _PLACED_INFO}
        )
        moved = earlier[earlier["unit_key"].astype("Int64").fillna(-1) != earlier["old_key"].astype("Int64").fillna(-1)]
        for table, (*_, pk) in _TABLE_KEYS.items():
            rows = moved[moved["tbl"] == table]
            if rows.empty:
                continue
            frame = rows.assign(
                year=pd.to_datetime(rows["period_month"]).dt.year,
                source=rows["person_key"],
                unit_key=pd.Series(
                    [None if pd.isna(k) else int(k) for k in rows["unit_key"]], index=rows.index, dtype=object
                ),
            )
            cols = [c.strip() for c in pk.split(",")]
            stage_frame(
                conn,
                dest,
                "stage_place",
                ", ".join(f"{c} {_STAGE_TYPES[c]}" for c in [*cols, "unit_key"]),
                frame[[*cols, "unit_key"]].astype(object).where(frame[[*cols, "unit_key"]].notna(), None),
            )
            match = " and ".join(f"{table}.{c} = s.{c}" for c in cols)
            conn.exec_driver_sql(
                f"update {table} set unit_key = s.unit_key,"
                f" is_current = case when s.unit_key is null then false else {table}.is_current end"
                f" from stage_place as s where {match}"
            )
            conn.exec_driver_sql("drop table stage_place")
    return pd.concat([fresh, earlier.reindex(columns=fresh.columns)], ignore_index=True)


_PLACE_RULES = {"succeeded": "unit.succeeded", "ended": "unit.dissolved", "not_started": "unit.not_started"}


def periods_of(conn: Connection, months: list[date]) -> list[str]:
    """Board periods whose months or year-to-date include one of ``months``."""
    first: dict[int, date] = {}
    for month in months:
        first[month.year] = min(first.get(month.year, month), month)
    spans = query_frame(conn, "select period, year, last_month from dim_period")
    last = pd.to_datetime(spans["last_month"]).dt.date
    hit = [
        str(p)
        for p, y, m in zip(spans["period"], spans["year"], last, strict=True)
        if int(y) in first and m >= first[int(y)]
    ]
    return sorted(hit)


def _issue_months(conn: Connection, run_id: str) -> set[date]:
    """Months of the issues this run opened, found again or resolved."""
    labels = query_frame(
        conn, "select distinct period from dq_issue where last_run_id = :r or resolved_run_id = :r", r=run_id
    )["period"]
    months = pd.to_datetime(labels[labels.str.fullmatch(r"\d{4}-\d{2}", na=False)] + "-01")
    return set(months.dt.date)


def _refresh_marts(conn: Connection, changed_months: list[date] | None) -> None:
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


def _placement_findings(
    conn: Connection, history: UnitHistory, placed: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reports naming a unit that had ceased or did not exist yet, for every unit-month placed."""
    rows = placed[placed["tbl"].isin(["fact_unit_month", "fact_admission"])]
    empty = pd.DataFrame(columns=[*ISSUE_COLUMNS, "scope", "file_id"]), pd.DataFrame(columns=["scope", "resolver"])
    if rows.empty:
        return empty
    ids = sorted({int(i) for i in rows["file_id"]})
    stmt = sa.text(
        "select s.file_id, s.path, min(h.header) as header from source_file as s"
        " left join source_header as h on h.file_id = s.file_id and h.column_name in ('unit_name', 'unit_code')"
        " where s.is_current and s.file_id in :ids group by s.file_id, s.path"
    ).bindparams(sa.bindparam("ids", expanding=True))
    files = pd.DataFrame(conn.execute(stmt, {"ids": ids}).fetchall(), columns=["file_id", "path", "header"])
    rows = rows.astype({"file_id": "int64"}).merge(files, on="file_id", how="inner")
    rows["period"] = pd.to_datetime(rows["period_month"]).dt.strftime("%Y-%m")
    rows["scope"] = "place:" + rows["unit_code"].astype(str) + "|" + rows["period"]
    scopes = rows[["scope", "path"]].rename(columns={"path": "resolver"})
    names = history.versions.groupby("unit_code")["unit_name"].last()
    findings = [
        Finding(
            _PLACE_RULES[r["status"]],
            r["path"],
            r["sheet"] if isinstance(r["sheet"], str) else None,
            int(r["source_row"]),
            r["header"] if isinstance(r["header"], str) else "unit_name",
            names.get(r["unit_code"], r["unit_code"]),
            r["unit_code"],
            r["period"],
            params={
                "since": r["since"].strftime("%d/%m/%Y") if isinstance(r["since"], date) else "",
                "successor": names.get(r["successor"], "") if isinstance(r["successor"], str) else "",
            },
        )
        for r in rows[rows["status"] != "ok"].to_dict("records")
    ]
    frame = to_frame(findings)
    frame["scope"] = "place:" + frame["unit"].astype(str) + "|" + frame["period"].astype(str)
    frame["file_id"] = None
    return frame, scopes


def _hold_targets(conn: Connection, dest: Destination, history: UnitHistory) -> None:
    """Who holds each yearly target when: the annex in force, passed on along the change list."""
    annex = query_frame(
        conn,
        "select unit_code, year,"
        " coalesce(max(case when source = 'total' then target end), 0) as target_total,"
        " coalesce(max(case when source = 'youth' then target end), 0) as target_youth,"
        " coalesce(max(case when source = 'union' then target end), 0) as target_union"
        " from fact_target where is_current group by unit_code, year",
    )
    conn.exec_driver_sql("delete from fact_target_held")
    dest.bulk_insert(conn, "fact_target_held", history.held_targets(annex))


_STAGE_TYPES = {
    "file_id": "bigint",
    "unit_code": "varchar",
    "period_month": "date",
    "person_key": "varchar",
    "year": "integer",
    "source": "varchar",
    "unit_key": "integer",
}


def _settle(conn: Connection, dest: Destination, placed: pd.DataFrame, retired: list[int], run_id: str) -> pd.DataFrame:
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
        for table, statement in _CURRENT_REPORT_SQL:
            conn.exec_driver_sql(statement)
            dest.analyze(conn, table)  # the next statement is planned on this one's result
    return keys


# The report in force for a unit-month is its latest submission (report date, then arrival order) among
# current file versions; a roster is replaced as a whole by the newest file that has one for the unit-month.
_CURRENT_REPORT_SQL: list[tuple[str, str]] = [  # (table changed, statement)
    (
        "fact_unit_month",
        f"update fact_unit_month set is_current = false, superseded_by_file_id = null where {TOUCHED.format(t='fact_unit_month')}",
    ),
    (
        "fact_unit_month",
        f"""
    update fact_unit_month set is_current = true
    from (
        select unit_key, period_month, file_id from (
            select f.unit_key, f.period_month, f.file_id,
                   row_number() over (partition by f.unit_key, f.period_month
                                      order by f.reported_on desc nulls last, f.file_id desc) as rn
            from fact_unit_month as f
            join source_file as s on s.file_id = f.file_id and s.is_current
            where {TOUCHED.format(t="f")}
        ) as ranked where rn = 1
    ) as w
    where fact_unit_month.unit_key = w.unit_key and fact_unit_month.period_month = w.period_month
      and fact_unit_month.file_id = w.file_id""",
    ),
    (
        "fact_unit_month",
        f"""
    update fact_unit_month set superseded_by_file_id = w.file_id
    from (select unit_key, period_month, file_id from fact_unit_month where is_current) as w
    where fact_unit_month.unit_key = w.unit_key and fact_unit_month.period_month = w.period_month
      and fact_unit_month.file_id <> w.file_id and {TOUCHED.format(t="fact_unit_month")}""",
    ),
    ("fact_admission", f"update fact_admission set is_current = false where {TOUCHED.format(t='fact_admission')}"),
    (
        "fact_admission",
        f"""
    update fact_admission set is_current = true
    from (
        select f.unit_key, f.period_month, max(f.file_id) as file_id
        from fact_admission as f
        join source_file as s on s.file_id = f.file_id and s.is_current
        where {TOUCHED.format(t="f")}
        group by f.unit_key, f.period_month
    ) as w
    where fact_admission.unit_key = w.unit_key and fact_admission.period_month = w.period_month
      and fact_admission.file_id = w.file_id""",
    ),
]
