"""Board extracts per period: query the BI views, render CSV/XLSX/HTML, write a manifest.

An extract is a pure function of the warehouse state for its period, so the same state gives the
same CSV and manifest bytes; a period whose figures did not change is not rewritten, and when they
did, the manifest says what changed.
"""

from __future__ import annotations

import hashlib
import json
import logging
import multiprocessing
import os
import shutil
import tempfile
from collections.abc import Iterable
from concurrent.futures import FIRST_COMPLETED, Future, ProcessPoolExecutor, wait
from concurrent.futures.process import BrokenProcessPool
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd

from pdv.faults import checkpoint
from pdv.history import KINDS_VI
from pdv.settings import Settings
from pdv.warehouse import Destination
from pdv.warehouse.calendar import periods_of

log = logging.getLogger(__name__)
VIEWS = ("as_is", "as_was")
_MEASURES = ["admitted_total", "admitted_youth", "admitted_union"]


@dataclass
class ExtractResult:
    period: str
    directory: Path
    written: bool  # False when the period's figures were unchanged and nothing was rewritten
    manifest: dict[str, Any]


def periods_with_data(dest: Destination) -> list[str]:
    """Every Board period with at least one month of current reports."""
    frame = dest.read_sql(
        "select p.period from dim_period as p"
        " where p.first_month <= (select max(period_month) from fact_unit_month where is_current)"
        " order by p.year, case p.period_type when 'quarter' then 1 when 'half' then 2 else 3 end, p.ordinal"
    )
    return [str(p) for p in frame["period"]]


def _frames(dest: Destination, period: str, view: str) -> tuple[pd.DataFrame, pd.DataFrame, dict[str, Any]]:
    info = dest.read_sql("select * from dim_period where period = :p", p=period)
    if info.empty:
        raise ValueError(f"không có kỳ {period} trong kho dữ liệu / unknown period {period}")
    p = info.iloc[0].to_dict()
    progress = dest.read_sql("select * from mart_unit_progress where period = :p and view = :v", p=period, v=view)
    alone = progress[progress["scope"] == "period"].set_index("unit_code")
    ytd = progress[progress["scope"] == "ytd"].set_index("unit_code")
    rows = alone.drop(columns=["achievement_pct", "youth_share_pct", "scope", "view", "parent_code"])
    for m in _MEASURES:
        rows[f"ytd_{m}"] = ytd[m]
    rows["achievement_pct"] = ytd["achievement_pct"]
    rows["youth_share_pct"] = ytd["youth_share_pct"]
    cutoff = dest.read_sql("select max(period_month) as m from fact_unit_month where is_current").iloc[0]["m"]
    last = min(pd.Timestamp(cutoff), pd.Timestamp(p["last_month"]))
    elapsed = int(last.month)
    expected_pct = 100.0 * elapsed / 12
    rows["behind_schedule"] = (rows["target_total"] > 0) & (rows["achievement_pct"].fillna(0) < expected_pct)
    rows = rows.reset_index().sort_values(["stt", "unit_code"], na_position="last").reset_index(drop=True)
    rows["is_total"] = False
    rows["predecessors"] = _predecessors(dest, view, p["last_month"]).reindex(rows["unit_code"]).fillna("").to_numpy()
    plan = dest.read_sql(
        "select plan_no, yearly_target, min_youth_share_pct from dim_plan where :y between year_from and year_to",
        y=int(p["year"]),
    )
    plan_row: dict[str, Any] = {"plan_no": "", "yearly_target": 0, "min_youth_share_pct": 0.0}
    if not plan.empty:
        plan_row = {str(k): v for k, v in plan.iloc[0].to_dict().items()}
    total = _total_row(rows)
    rows = pd.concat([rows, pd.DataFrame([total])], ignore_index=True)
    monthly = dest.read_sql(
        "select b.month_label as month, cast(coalesce(sum(f.admitted_total), 0) as integer) as admitted_total"
        " from bridge_period_month as b"
        " left join fact_unit_month as f on f.period_month = b.month_start and f.is_current"
        " where b.period = :p and b.scope = 'ytd' and b.month_start <= :last"
        " group by b.month_label order by b.month_label",
        p=period,
        last=last.date(),
    )
    monthly["cumulative"] = monthly["admitted_total"].cumsum()
    months = monthly["month"].str[5:].astype(int)
    monthly["target_cumulative"] = (float(str(plan_row["yearly_target"] or 0)) * months / 12).round(1)
    context: dict[str, Any] = {str(k): v for k, v in p.items()}
    context.update(plan_row, data_cutoff=last.strftime("%Y-%m"), months_elapsed=elapsed)
    return rows, monthly, context


def _predecessors(dest: Destination, view: str, last_month: Any) -> pd.Series:
    """Per unit, the units it took over (as it is: all of them; as it was: by the period's end)."""
    edges = dest.read_sql(
        "select e.predecessor_code, e.successor_code, e.kind, e.effective_date from bridge_unit_succession as e"
    )
    if view == "as_is":
        mapped = dest.read_sql(
            "select distinct unit_code as predecessor_code, current_unit_code as successor_code from dim_unit"
            " where unit_code <> current_unit_code"
        )
        edges = edges.merge(mapped, on=["predecessor_code", "successor_code"], how="outer")
    else:
        end = pd.Timestamp(last_month) + pd.offsets.MonthEnd(0)
        edges = edges[pd.to_datetime(edges["effective_date"]) <= end]
    if edges.empty:
        return pd.Series(dtype=object)
    names = dest.read_sql(
        "select unit_code, unit_name from dim_unit as v where not exists (select 1 from dim_unit as w"
        " where w.unit_code = v.unit_code and coalesce(w.valid_from, date '0001-01-01') > coalesce(v.valid_from, date '0001-01-01'))"
    ).set_index("unit_code")["unit_name"]
    edges = edges.drop_duplicates(["predecessor_code", "successor_code"]).sort_values(
        ["successor_code", "predecessor_code"]
    )

    def label(r: pd.Series) -> str:
        name = str(names.get(r["predecessor_code"], r["predecessor_code"]))
        if pd.isna(r["effective_date"]):
            return name
        kind = KINDS_VI.get(str(r["kind"]), str(r["kind"]))
        return f"{name} ({kind} {pd.Timestamp(r['effective_date']):%d/%m/%Y})"

    edges["label"] = edges.apply(label, axis=1)
    return edges.groupby("successor_code")["label"].agg("; ".join)


def _total_row(rows: pd.DataFrame) -> dict[str, Any]:
    sums = {
        c: int(rows[c].sum())
        for c in [
            "target_total",
            "target_youth",
            "target_union",
            *_MEASURES,
            *(f"ytd_{m}" for m in _MEASURES),
            "recognized_full",
            "trained",
            "reports_expected",
            "reports_received",
            "reports_on_time",
            "open_errors",
        ]
    }
    stock = rows["sympathizers_end"].dropna()
    return {
        **sums,
        "stt": None,
        "unit_code": "",
        "unit_type": "",
        "unit_name": "Tổng cộng",
        "parent_name": "",
        "sympathizers_end": int(stock.sum()) if len(stock) else None,
        "achievement_pct": round(100.0 * sums["ytd_admitted_total"] / sums["target_total"], 1)
        if sums["target_total"]
        else None,
        "youth_share_pct": round(100.0 * sums["ytd_admitted_youth"] / sums["ytd_admitted_total"], 1)
        if sums["ytd_admitted_total"]
        else None,
        "behind_schedule": False,
        "is_total": True,
        "predecessors": "",
    }


def _sources(dest: Destination, period: str, last_month: str) -> tuple[list[dict[str, str]], str | None]:
    files = dest.read_sql(
        "select distinct s.path, s.sha256, s.run_id from source_file as s"
        " where s.file_id in ("
        "   select f.file_id from fact_unit_month as f join bridge_period_month as b"
        "     on b.month_start = f.period_month and b.period = :p and b.scope = 'ytd'"
        "   where f.is_current and b.month_label <= :last"
        "   union select a.file_id from fact_admission as a join bridge_period_month as b"
        "     on b.month_start = a.period_month and b.period = :p and b.scope = 'ytd'"
        "   where a.is_current and b.month_label <= :last"
        "   union select t.file_id from fact_target as t where t.is_current)"
        " order by s.path",
        p=period,
        last=last_month,
    )
    runs = dest.read_sql("select run_id from load_run where status = 'succeeded' order by started_at")
    used = set(files["run_id"])
    latest = next((r for r in reversed(runs["run_id"].tolist()) if r in used), None)
    listed = [{"path": str(path), "sha256": str(sha)} for path, sha in zip(files["path"], files["sha256"], strict=True)]
    return listed, latest


def _sha256(path: Path) -> str:
    return hashlib.sha256(path.read_bytes()).hexdigest()


@dataclass
class _Pending:
    """A period's extract read from the warehouse, to be rendered (in this process or a worker's)."""

    period: str
    view: str
    target: Path
    rows: pd.DataFrame
    monthly: pd.DataFrame
    meta: Any  # ExtractMeta
    sources: list[dict[str, str]]
    run_id: str | None
    earlier: list[dict[str, Any]]
    outlook: Any  # OutlookSection | None
    inputs: str
    previous: dict[str, Any] | None

    @property
    def units(self) -> int:
        return int((~self.rows["is_total"]).sum())


def extract_period(
    dest: Destination, settings: Settings, period: str, out_dir: Path | None = None, view: str = "as_is"
) -> ExtractResult:
    """Write one period's extract (CSV, XLSX, HTML, manifest) unless its figures are unchanged."""
    pending = _gather(dest, settings, period, out_dir, view)
    return pending if isinstance(pending, ExtractResult) else _render(pending)


def _gather(
    dest: Destination, settings: Settings, period: str, out_dir: Path | None, view: str
) -> ExtractResult | _Pending:
    """The period's figures from the warehouse, or its result when they are the ones already written."""
    from pdv.extracts.render import ExtractMeta

    if view not in VIEWS:
        raise ValueError(f"view must be one of {VIEWS}")
    rows, monthly, ctx = _frames(dest, period, view)
    year = int(ctx["year"])
    target = out_dir or _folder(settings, period)
    meta = ExtractMeta(
        period=period,
        period_type=str(ctx["period_type"]),
        year=year,
        title_vi="Kết quả phát triển đảng viên " + str(ctx["label_vi"])[:1].lower() + str(ctx["label_vi"])[1:],
        data_cutoff=ctx["data_cutoff"],
        plan_no=str(ctx["plan_no"] or ""),
        yearly_target=int(ctx["yearly_target"] or 0),
        min_youth_share_pct=float(ctx["min_youth_share_pct"] or 0),
        view=view,
    )
    sources, run_id = _sources(dest, period, ctx["data_cutoff"])
    outlook = _outlook(dest, meta)
    digest = hashlib.sha256()
    for frame in (rows, monthly):  # hashed by column: rendering tens of thousands of rows as text took seconds
        digest.update(repr([(c, str(t)) for c, t in frame.dtypes.items()]).encode())
        digest.update(pd.util.hash_pandas_object(frame, index=False).to_numpy().tobytes())
    digest.update("\n".join([repr(meta), json.dumps(sources), str(run_id)]).encode())
    earlier = _earlier_revisions(dest, period)  # re-issued earlier periods of the year: noted, so the YTD adds up
    if earlier:
        digest.update(json.dumps(earlier, sort_keys=True).encode())
    if outlook is not None:
        digest.update(outlook.fingerprint())
    inputs = digest.hexdigest()
    previous = _read_manifest(target / "manifest.json")
    if previous is not None and previous.get("inputs_sha256") == inputs and _intact(target, previous):
        return ExtractResult(period, target, False, previous)  # same figures: nothing to render
    return _Pending(period, view, target, rows, monthly, meta, sources, run_id, earlier, outlook, inputs, previous)


def _render(job: _Pending) -> ExtractResult:
    """Write the files of a gathered period, each atomically, the manifest last."""
    from pdv.extracts.render import prepare, write_csv, write_html, write_xlsx
    from pdv.extracts.revisions import Revisions

    period, meta, target, previous = job.period, job.meta, job.target, job.previous
    stem = f"tien-do-{period}"
    names = {"csv": f"{stem}.csv", "xlsx": f"{stem}.xlsx", "html": f"{stem}.html"}
    target.parent.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(dir=target.parent) as tmp:
        work = Path(tmp)
        table = prepare(job.rows)  # once for the three formats
        revisions = Revisions(earlier=job.earlier)
        write_csv(work / names["csv"], table, meta)
        write_xlsx(work / names["xlsx"], table, meta, revisions, outlook=job.outlook)
        write_html(work / names["html"], table, job.monthly, meta, revisions, outlook=job.outlook)
        manifest: dict[str, Any] = {
            "period": period,
            "period_type": meta.period_type,
            "view": job.view,
            "data_cutoff": meta.data_cutoff,
            "plan_no": meta.plan_no,
            "load_run": job.run_id,
            "source_files": job.sources,
            "rows": {"units": job.units, "total_rows": 1},
            "files": {kind: {"name": name, "sha256": _sha256(work / name)} for kind, name in names.items()},
            "inputs_sha256": job.inputs,
        }
        if job.earlier:
            manifest["revisions_earlier_periods"] = job.earlier
        core = {k: v for k, v in manifest.items() if k != "changes"}
        if previous is not None and {k: v for k, v in previous.items() if k != "changes"} == core:
            return ExtractResult(period, target, False, previous)
        if previous is not None:
            manifest["changes"] = _changes(previous, manifest)
        (work / "manifest.json").write_text(
            json.dumps(manifest, ensure_ascii=False, indent=2, sort_keys=True) + "\n", encoding="utf-8"
        )
        target.mkdir(parents=True, exist_ok=True)
        for name in [*names.values(), "manifest.json"]:
            os.replace(work / name, target / name)  # each file atomically; the manifest last
            checkpoint("extract")
    return ExtractResult(period, target, True, manifest)


def _earlier_revisions(dest: Destination, period: str) -> list[dict[str, Any]]:
    """Revisions issued to earlier periods of the same year (see ``pdv.extracts.issued``)."""
    import sqlalchemy as sa

    from pdv.extracts.issued import earlier_changes

    with dest.engine.connect() as conn:
        if not sa.inspect(conn).has_table("period_approval"):
            return []
        return earlier_changes(conn, period)


def _outlook(dest: Destination, meta: Any) -> Any:
    """The early-warning section of a quarter's or half year's extract (None for the year's)."""
    if meta.period_type not in ("quarter", "half"):
        return None
    from pdv.extracts.outlook_section import load_section

    month = int(meta.data_cutoff[5:7])
    return load_section(dest, meta.year, month, meta.yearly_target, meta.min_youth_share_pct)


def _intact(folder: Path, manifest: dict[str, Any]) -> bool:
    """Every file the manifest lists is there with its checksum (a killed run may have left others)."""
    files = manifest.get("files", {}).values()
    return all((folder / f["name"]).exists() and _sha256(folder / f["name"]) == f["sha256"] for f in files)


def _read_manifest(path: Path) -> dict[str, Any] | None:
    try:
        data = json.loads(path.read_text(encoding="utf-8"))
        return data if isinstance(data, dict) else None
    except (OSError, ValueError):
        return None


def _changes(previous: dict[str, Any], current: dict[str, Any]) -> dict[str, Any]:
    """What differs from the previous extract of the same period."""
    before = {f["path"]: f["sha256"] for f in previous.get("source_files", [])}
    after = {f["path"]: f["sha256"] for f in current["source_files"]}
    return {
        "previous_load_run": previous.get("load_run"),
        "source_files_added": sorted(set(after) - set(before)),
        "source_files_removed": sorted(set(before) - set(after)),
        "source_files_changed": sorted(p for p in set(after) & set(before) if after[p] != before[p]),
        "outputs_changed": sorted(
            k for k, f in current["files"].items() if previous.get("files", {}).get(k, {}).get("sha256") != f["sha256"]
        ),
    }


def extract_all(
    dest: Destination, settings: Settings, view: str = "as_is", changed_months: list[date] | None = None
) -> list[ExtractResult]:
    """Extracts of the periods a run may have changed (``pdv run`` calls this after each load).

    With ``changed_months`` only the periods whose months or year-to-date include one of them are
    recomputed (so the cost follows the new data, not the history), plus any period whose folder is
    missing; None recomputes every period with data.
    """
    from pdv.approval import approved_periods

    frozen = approved_periods(dest)  # an approved period's extract stays as issued until it is reopened
    periods = [p for p in periods_with_data(dest) if p not in frozen]
    if changed_months is not None:
        with dest.engine.connect() as conn:
            hit = set(periods_of(conn, changed_months))
        periods = [p for p in periods if p in hit or not (_folder(settings, p) / "manifest.json").exists()]
    jobs = (_gather(dest, settings, p, None, view) for p in periods)
    return _render_all(jobs, settings.extract_processes)


def _render_all(
    jobs: Iterable[ExtractResult | _Pending], processes: int, min_units: int | None = None
) -> list[ExtractResult]:
    """Render the gathered periods, in order. National ones (more than ``min_units``, LARGE_UNITS by
    default) go to ``processes`` worker processes while this one reads the next from the warehouse:
    each takes seconds to render. At most ``processes`` of them wait for a worker, so memory holds that
    many periods, not the year's. A bloc's periods render here: a worker's start costs more than they do.
    A worker that dies (killed, or a caller's unguarded main module) costs its period nothing: it is
    rendered here.
    """
    from pdv.extracts.render.table import LARGE_UNITS

    least = LARGE_UNITS if min_units is None else min_units
    results: list[ExtractResult | tuple[_Pending, Future[ExtractResult]]] = []
    pool: ProcessPoolExecutor | None = None

    def settle(item: ExtractResult | tuple[_Pending, Future[ExtractResult]]) -> ExtractResult:
        if isinstance(item, ExtractResult):
            return item
        job, future = item
        try:
            return future.result()
        except BrokenProcessPool:
            return _render_here(job)

    try:
        for job in jobs:
            if isinstance(job, ExtractResult) or processes < 2 or job.units <= least:
                results.append(job if isinstance(job, ExtractResult) else _render(job))
                continue
            # spawn, not fork: this process runs Prefect's and DuckDB's threads.
            pool = pool or ProcessPoolExecutor(processes, mp_context=multiprocessing.get_context("spawn"))
            busy = [r[1] for r in results if isinstance(r, tuple) and not r[1].done()]
            if len(busy) >= processes:
                wait(busy, return_when=FIRST_COMPLETED)
            results = [settle(r) if isinstance(r, tuple) and r[1].done() else r for r in results]  # frees their jobs
            try:
                results.append((job, pool.submit(_render, job)))
            except BrokenProcessPool:
                results.append(_render_here(job))
        return [settle(r) for r in results]
    finally:
        if pool is not None:
            pool.shutdown(cancel_futures=True)


def _render_here(job: _Pending) -> ExtractResult:
    log.warning("an extract worker process ended abruptly; rendering %s in this process", job.period)
    return _render(job)


def _folder(settings: Settings, period: str) -> Path:
    return settings.extracts_dir / period[:4] / period


def remove_stale(settings: Settings, dest: Destination) -> None:
    """Drop extract folders of periods that no longer have data."""
    root = settings.extracts_dir
    wanted = {_folder(settings, p).resolve() for p in periods_with_data(dest)}
    for manifest in root.glob("*/*/manifest.json") if root.exists() else []:
        if manifest.parent.resolve() not in wanted and not (manifest.parent / "issued").exists():
            shutil.rmtree(manifest.parent)  # never an issued version: those are kept for good
