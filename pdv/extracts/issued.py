"""Issued versions of a period's extract: snapshot, render, regenerate, revisions.

An approval stores the extract's rows, monthly series and metadata in the warehouse
(``fact_issued_progress``, ``fact_issued_month``, ``period_approval``) and renders the issued files
from that stored state, never from the live figures: regenerating a version later goes through the
same reads, so its CSV and manifest come out byte for byte the same.
"""

from __future__ import annotations

import hashlib
import json
from dataclasses import asdict
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.extracts.render import ExtractMeta, prepare, write_csv, write_html, write_xlsx
from pdv.extracts.revisions import MEASURES_VI, Revisions
from pdv.settings import Settings
from pdv.warehouse.base import Destination, query_frame

ISSUED_COLUMNS = [
    "is_total",
    "stt",
    "unit_code",
    "unit_type",
    "unit_name",
    "parent_name",
    "target_total",
    "target_youth",
    "target_union",
    "admitted_total",
    "admitted_youth",
    "admitted_union",
    "ytd_admitted_total",
    "ytd_admitted_youth",
    "ytd_admitted_union",
    "achievement_pct",
    "youth_share_pct",
    "recognized_full",
    "trained",
    "sympathizers_end",
    "reports_expected",
    "reports_received",
    "reports_on_time",
    "open_errors",
    "behind_schedule",
    "predecessors",
]
_INTS = [c for c in ISSUED_COLUMNS if c.startswith(("target_", "admitted_", "ytd_", "reports_"))] + [
    "stt",
    "recognized_full",
    "trained",
    "sympathizers_end",
    "open_errors",
]
MONTH_COLUMNS = ["month", "admitted_total", "cumulative", "target_cumulative"]


def folder(settings: Settings, period: str, version: int) -> Path:
    """Where an issued version is kept for good: ``extracts/<year>/<period>/issued/v<N>/``."""
    return settings.extracts_dir / period[:4] / period / "issued" / f"v{version}"


def meta_of(period: str, view: str, ctx: dict[str, Any]) -> ExtractMeta:
    """The extract's metadata from the period context ``pdv.extracts.build._frames`` returns."""
    return ExtractMeta(
        period=period,
        period_type=str(ctx["period_type"]),
        year=int(ctx["year"]),
        title_vi="Kết quả phát triển đảng viên " + str(ctx["label_vi"])[:1].lower() + str(ctx["label_vi"])[1:],
        data_cutoff=str(ctx["data_cutoff"]),
        plan_no=str(ctx["plan_no"] or ""),
        yearly_target=int(ctx["yearly_target"] or 0),
        min_youth_share_pct=float(ctx["min_youth_share_pct"] or 0),
        view=view,
    )


def store(
    conn: Connection,
    dest: Destination,
    period: str,
    version: int,
    rows: pd.DataFrame,
    monthly: pd.DataFrame,
    record: dict[str, Any],
) -> None:
    """Write one version's figures and its ``period_approval`` row (inside the caller's transaction)."""
    frame = rows.reset_index(drop=True).reindex(columns=ISSUED_COLUMNS)
    for c in _INTS:
        frame[c] = pd.to_numeric(frame[c]).astype("Int64")
    frame = frame.astype(object).where(frame.notna(), None)
    frame.insert(0, "row_no", range(len(frame)))
    frame.insert(0, "version", version)
    frame.insert(0, "period", period)
    frame["is_total"] = frame["is_total"].astype(bool)
    frame["behind_schedule"] = frame["behind_schedule"].fillna(False).astype(bool)
    dest.bulk_insert(conn, "fact_issued_progress", frame)
    months = monthly.reindex(columns=MONTH_COLUMNS).assign(period=period, version=version)
    dest.bulk_insert(conn, "fact_issued_month", months)
    dest.bulk_insert(conn, "period_approval", pd.DataFrame([record]))


def read_version(conn: Connection, period: str, version: int) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    """A stored version: its rows and monthly series as the renderers take them, and its record."""
    record = query_frame(conn, "select * from period_approval where period = :p and version = :v", p=period, v=version)
    if record.empty:
        raise LookupError(
            f"kỳ {period} không có phiên bản đã ban hành {version} / no issued version {version} of {period}"
        )
    rows = query_frame(
        conn,
        "select * from fact_issued_progress where period = :p and version = :v order by row_no",
        p=period,
        v=version,
    )[ISSUED_COLUMNS]
    for c in _INTS:  # the same dtypes whatever the driver returned
        rows[c] = pd.to_numeric(rows[c]).astype("float64")
    for c in ("achievement_pct", "youth_share_pct"):
        rows[c] = pd.to_numeric(rows[c]).astype("float64")
    for c in ("is_total", "behind_schedule"):
        rows[c] = rows[c].astype(bool)
    monthly = query_frame(
        conn, "select * from fact_issued_month where period = :p and version = :v order by month", p=period, v=version
    )[MONTH_COLUMNS]
    monthly = monthly.astype({"admitted_total": "int64", "cumulative": "int64", "target_cumulative": "float64"})
    return rows, monthly, {str(k): v for k, v in record.iloc[0].to_dict().items()}


def changes(conn: Connection, period: str, version: int) -> list[dict[str, Any]]:
    """Every reported figure of a unit that differs from the previous issued version (unit, measure, old, new)."""
    if version <= 1:
        return []
    cols = ", ".join(["unit_code", "unit_name", *MEASURES_VI])
    frames = [
        query_frame(
            conn,
            f"select {cols} from fact_issued_progress where period = :p and version = :v and not is_total",
            p=period,
            v=v,
        ).set_index("unit_code")
        for v in (version - 1, version)
    ]
    old, new = frames
    out = []
    for code in sorted(set(old.index) | set(new.index)):
        name = str(new["unit_name"].get(code, old["unit_name"].get(code, "")))
        for measure in MEASURES_VI:
            a, b = (_int_or_none(f[measure].get(code)) for f in (old, new))
            if a != b:
                out.append({"period": period, "version": version, "unit_code": code, "unit_name": name,
                            "measure": measure, "old": a, "new": b})  # fmt: skip
    return out


def _int_or_none(value: object) -> int | None:
    return None if value is None or pd.isna(value) else int(value)  # type: ignore[call-overload, arg-type]


def earlier_changes(conn: Connection, period: str, as_of: datetime | None = None) -> list[dict[str, Any]]:
    """Revisions issued (up to ``as_of``) to the periods of the same year that end before ``period`` begins."""
    spans = query_frame(conn, "select period, year, first_month, last_month from dim_period")
    spans = spans.set_index("period")
    if period not in spans.index:
        return []
    this = spans.loc[period]
    earlier = spans[
        (spans["year"] == this["year"]) & (pd.to_datetime(spans["last_month"]) < pd.to_datetime(this["first_month"]))
    ]
    if earlier.empty:
        return []
    stmt = sa.text("select period, version, approved_at from period_approval where version > 1 and period in :ps")
    found = conn.execute(stmt.bindparams(sa.bindparam("ps", expanding=True)), {"ps": list(earlier.index)}).fetchall()
    out: list[dict[str, Any]] = []
    for p, v, at in sorted(found, key=lambda r: (str(r[0]), int(r[1]))):
        if as_of is None or pd.Timestamp(at) <= pd.Timestamp(as_of):
            out += changes(conn, str(p), int(v))
    return out


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


def names(period: str) -> dict[str, str]:
    stem = f"tien-do-{period}"
    return {"csv": f"{stem}.csv", "xlsx": f"{stem}.xlsx", "html": f"{stem}.html"}


def render(conn: Connection, period: str, version: int, out_dir: Path) -> dict[str, Any]:
    """Write a stored version's CSV, XLSX, HTML and manifest into ``out_dir``; return the manifest."""
    rows, monthly, record = read_version(conn, period, version)
    context = json.loads(str(record["context"]))
    meta = ExtractMeta(**context["meta"])
    approved_at = pd.Timestamp(record["approved_at"]).to_pydatetime()
    revisions = Revisions(
        changed=changes(conn, period, version),
        previous_version=version - 1 if version > 1 else None,
        earlier=earlier_changes(conn, period, approved_at),
    )
    files = names(period)
    table = prepare(rows)
    out_dir.mkdir(parents=True, exist_ok=True)
    write_csv(out_dir / files["csv"], table, meta)
    write_xlsx(out_dir / files["xlsx"], table, meta, revisions)
    write_html(out_dir / files["html"], table, monthly, meta, revisions)
    manifest: dict[str, Any] = {
        "period": period,
        "period_type": meta.period_type,
        "view": meta.view,
        "version": version,
        "previous_version": revisions.previous_version,
        "approved_at": approved_at.isoformat(timespec="seconds"),
        "approved_by": str(record["approved_by"]),
        "data_cutoff": meta.data_cutoff,
        "plan_no": meta.plan_no,
        "load_run": context["load_run"],
        "source_files": context["source_files"],
        "rows": {"units": int((~rows["is_total"]).sum()), "total_rows": 1},
        "files": {kind: {"name": name, "sha256": _sha256(out_dir / name)} for kind, name in files.items()},
        "revisions": revisions.changed,
        "revisions_earlier_periods": revisions.earlier,
    }
    (out_dir / "manifest.json").write_text(
        json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
    )
    return manifest


def context_json(meta: ExtractMeta, sources: list[dict[str, str]], run_id: str | None) -> str:
    """What a version's manifest needs beyond its figures, as stored in ``period_approval.context``."""
    return json.dumps(
        {"meta": asdict(meta), "source_files": sources, "load_run": run_id}, ensure_ascii=False, sort_keys=True
    )


def compare(kept: Path, fresh: Path) -> list[str]:
    """Files of ``kept`` (the manifest and every file it lists) that differ from ``fresh`` or are missing."""
    listed = ["manifest.json", *names_in(fresh / "manifest.json")]
    return [n for n in listed if not (kept / n).exists() or (kept / n).read_bytes() != (fresh / n).read_bytes()]


def names_in(manifest: Path) -> list[str]:
    data = json.loads(manifest.read_text(encoding="utf-8"))
    return [str(f["name"]) for f in data.get("files", {}).values()]
