"""Stage 2, place: new rows inserted with the unit version their figures count for; earlier rows
placed again where the history changed or new rows share their unit-month."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.history import UnitHistory
from pdv.ingest import ParsedFile
from pdv.settings import PROJECT_ROOT
from pdv.warehouse.admissions import move_later_admissions
from pdv.warehouse.base import Destination, query_frame
from pdv.warehouse.stages.record import next_key
from pdv.warehouse.stages.state import LoadState, tagged
from pdv.warehouse.stages.units import sync_units, unit_keys, version_keys
from pdv.warehouse.staging import stage_frame
from schemas.report import ROSTER_COLUMNS, SUMMARY_COLUMNS

EARLIER_SQL = PROJECT_ROOT / "sql" / "load" / "earlier_rows.sql"
TARGET_SOURCES = {"target_total": "total", "target_youth": "youth", "target_union": "union"}


def place(state: LoadState) -> None:
    """Unit versions in line with the reference data, then targets and reports placed on them."""
    conn, dest, history = state.conn, state.dest, state.history
    if state.reference_changed:
        state.versions, state.affected = sync_units(conn, dest, history)
    else:
        state.versions = unit_keys(conn)
    for item in state.plans:
        _load_targets(conn, dest, item, state.file_ids[item.raw.rel], history, state.versions)
    new = _load_reports(conn, dest, state.files, state.file_ids, history, state.versions)
    state.placed = _replace_units(conn, dest, state.summary.run_id, history, state.versions, state.affected, new)
    state.moved, state.moved_found = move_later_admissions(conn, dest, state.summary.run_id)


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
        key = next_key(conn, "dim_plan", "plan_key")
        dest.bulk_insert(conn, "dim_plan", pd.DataFrame([{"plan_key": key, **attrs}]))
    else:
        # A pasted annex carries no plan metadata: keep what the document text gave.
        sets = ", ".join(f"{c} = coalesce(:{c}, {c})" for c in attrs if c != "plan_no")
        conn.execute(sa.text(f"update dim_plan set {sets} where plan_key = :key"), {**attrs, "key": key})
    targets = item.targets[item.targets["unit_code"] != ""].reset_index(drop=True)
    january = pd.to_datetime(targets["year"].astype(str) + "-01-01")
    targets["unit_key"] = version_keys(history, versions, targets["unit_code"], january)["unit_key"]
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
    keys = version_keys(history, versions, out["unit_code"], pd.to_datetime(out["period_month"]))
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
    headers = [(file_ids[p.raw.rel], *h) for p in parsed for h in p.headers]
    if headers:
        frame = pd.DataFrame(headers, columns=["file_id", "sheet", "column_name", "header"], dtype=object)
        dest.bulk_insert(conn, "source_header", frame.astype({"file_id": "int64"}))
    # All files' rows at once: placement and the bulk insert then run once per table, not per file.
    summaries = [(p.summary, file_ids[p.raw.rel]) for p in parsed if p.summary is not None and not p.summary.empty]
    rosters = [
        (p.roster, p.personal, file_ids[p.raw.rel])
        for p in parsed
        if p.roster is not None and not p.roster.empty and p.personal is not None
    ]
    placed = []
    summary = tagged([f for f, _ in summaries], file_id=[i for _, i in summaries]) if summaries else pd.DataFrame()
    if not summary.empty:
        rows = _placed(summary.assign(is_current=False), history, versions, "fact_unit_month")
        rows["reported_on"] = pd.to_datetime(rows["reported_on"]).dt.date
        dest.bulk_insert(conn, "fact_unit_month", rows.assign(superseded_by_file_id=None)[_REPORT_COLUMNS])
        placed.append(rows)
    if rosters:
        ids = [i for *_, i in rosters]
        roster = tagged([r for r, _, _ in rosters], file_id=ids)
        rows = _placed(roster.assign(is_current=False), history, versions, "fact_admission")
        rows["admitted_on"] = pd.to_datetime(rows["admitted_on"]).dt.date
        dest.bulk_insert(conn, "fact_admission", rows[_ADMISSION_COLUMNS])
        personal = tagged([p for _, p, _ in rosters], file_id=ids)
        personal["birth_date"] = pd.to_datetime(personal["birth_date"]).dt.date
        dest.bulk_insert(
            conn, "restricted_person", personal[["person_key", "file_id", "source_row", "full_name", "birth_date"]]
        )
        placed.append(rows)
    return [f.reindex(columns=[*_PLACED, *_PLACED_INFO]) for f in placed]


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
        query = EARLIER_SQL.read_text(encoding="utf-8").format(t=table, sheet=sheet, month=month, person=person)
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


_STAGE_TYPES = {
    "file_id": "bigint",
    "unit_code": "varchar",
    "period_month": "date",
    "person_key": "varchar",
    "year": "integer",
    "source": "varchar",
    "unit_key": "integer",
}
