"""What data stewards get after a run: the warehouse checkpoint and annotated feedback workbooks."""

from __future__ import annotations

import hashlib
import logging
from pathlib import Path

from sqlalchemy.engine import Connection

from pdv.findings import ISSUE_SQL_NAMES, Finding
from pdv.ingest import ParsedFile
from pdv.settings import Settings
from pdv.sources.spreadsheet import FileRejected, Sheet
from pdv.warehouse import Destination
from pdv.warehouse.base import query_frame
from pdv.warehouse.stages.state import QualityCheck
from pdv.warehouse.staging import TOUCHED

log = logging.getLogger(__name__)

_FRAMES = {
    "dim_unit": "select * from dim_unit",
    "fact_unit_month": "select * from fact_unit_month where is_current",
    "fact_admission": "select * from fact_admission where is_current",
    "fact_target": "select * from fact_target where is_current",
    "unit_month_check": """
        select s.unit_key, s.period_month, s.admitted_total, s.admitted_youth,
               count(*) as roster_total, sum(case when a.source = 'youth' then 1 else 0 end) as roster_youth
        from fact_unit_month as s
        join fact_admission as a on a.unit_key = s.unit_key and a.period_month = s.period_month and a.is_current
        where s.is_current
        group by s.unit_key, s.period_month, s.admitted_total, s.admitted_youth""",
}
# What a run changed: the current rows of the unit-months it touched (``stage_touched``), and what they
# are checked against: every current admission sharing a person key with them (admitted once), and
# the whole unit dimension (known units). Targets and units change only with the plan or the reference
# data, and such a run checks everything.
_CHANGED = {
    "fact_unit_month": f"select * from fact_unit_month as f where f.is_current and {TOUCHED.format(t='f')}",
    "fact_admission": f"""
        select * from fact_admission as a
        where a.is_current and ({TOUCHED.format(t="a")} or a.person_key in (
            select b.person_key from fact_admission as b where b.is_current and {TOUCHED.format(t="b")}))""",
    "unit_month_check": _FRAMES["unit_month_check"].replace(
        "where s.is_current", f"where s.is_current and {TOUCHED.format(t='s')}"
    ),
}


def warehouse_checkpoint(settings: Settings) -> QualityCheck:
    """The Great Expectations checkpoint run inside each load, before it commits: on every current row
    (``full``), or on what the run changed and the keys those rows are checked against."""

    def check(conn: Connection, full: bool) -> list[Finding]:
        from pdv.check_worker import check_remote
        from pdv.quality import check_warehouse

        years = conn.exec_driver_sql("select min(year_from), max(year_to) from dim_plan").fetchall()[0]
        if years[0] is None:
            return []
        frames = {name: query_frame(conn, sql) for name, sql in (_FRAMES if full else _CHANGED).items()}
        units = frames["dim_unit"] if full else query_frame(conn, _FRAMES["dim_unit"])
        mode, plan = ("full" if full else "changed"), (int(years[0]), int(years[1]))
        found = check_remote(frames, plan, settings.gx_dir, mode, units) if settings.check_worker else None
        return found if found is not None else check_warehouse(frames, plan, settings.gx_dir, mode=mode, units=units)

    return check


_MAX_NAME_BYTES = 150  # a component of a feedback path; file systems allow 255 and the temp name adds more


def _bounded(name: str) -> str:
    """``name`` if short enough, else its start plus a hash of the whole (distinct names stay distinct)."""
    if len(name.encode("utf-8", "backslashreplace")) <= _MAX_NAME_BYTES:
        return name
    digest = hashlib.sha256(name.encode("utf-8", "backslashreplace")).hexdigest()[:12]
    head = name.encode("utf-8", "backslashreplace")[: _MAX_NAME_BYTES - 40].decode("utf-8", "ignore")
    return f"{head}~{digest}"


def feedback_path(settings: Settings, rel: str) -> Path:
    """Where a file's feedback goes: its path under ``feedback/``, each component bounded in length."""
    parts = [_bounded(p) for p in rel.split("/") if p not in ("", ".", "..")]
    name = parts[-1] if parts else "file"
    parts[-1:] = [name if name.endswith(".xlsx") else _bounded(name + ".xlsx")[:-5] + ".xlsx"]
    return settings.feedback_dir.joinpath(*parts)


def refresh_feedback(settings: Settings, dest: Destination, run_id: str, parsed: list[ParsedFile]) -> list[Path]:
    """Write an annotated copy of every file whose issues changed in this run; drop those now clean."""
    from pdv.feedback import write_feedback
    from pdv.feedback_ids import id_columns
    from pdv.ingest import classify, process_file
    from pdv.reference import UnitRegistry

    issues = dest.read_sql(
        "select * from dq_issue where file is not null and file in ("
        " select file from dq_issue where (last_run_id = :run or resolved_run_id = :run)"
        " and file like 'reports/%')",
        run=run_id,
    ).rename(columns={v: k for k, v in ISSUE_SQL_NAMES.items()})
    by_rel = {p.raw.rel: p for p in parsed}
    written = []
    registry: UnitRegistry | None = None
    for rel, group in issues.groupby("file"):
        out = feedback_path(settings, str(rel))
        still_open = group[group["status"] == "open"]
        if still_open.empty:
            out.unlink(missing_ok=True)
            continue
        item = by_rel.get(str(rel))
        raw = item.raw if item is not None else classify(settings.raw_dir / str(rel), settings.raw_dir)
        # Only a regular file inside the raw directory is opened (the walk's verdict, see pdv.rawwalk).
        source = raw.path if raw is not None and raw.problem is None else None
        if item is None and raw is not None and source is not None:
            registry = registry or UnitRegistry.load(settings.reference_dir)
            item = process_file(raw, registry, settings)
        suffix = source.suffix.lower() if source is not None else ""
        try:
            # A CSV's cells are read again here rather than kept from reading: at national scale
            # the raw cells of every file held through the load cost more than a gigabyte. An .xls or
            # .ods submission gets an .xlsx copy of its content.
            grids: list[Sheet] = []
            if source is not None and suffix == ".csv":
                grids = _csv_cells(source, settings)
            elif source is not None and suffix in (".xls", ".ods"):
                grids = _workbook_cells(source, settings)
            write_feedback(
                out,
                still_open,
                workbook=source if suffix in (".xlsx", ".xlsm") else None,
                sheets=grids,
                header_cols=item.header_cols if item is not None else None,
                id_columns=id_columns(item) if item is not None else None,
            )
            written.append(out)
        except Exception as exc:  # feedback is a convenience: it must never fail the run
            log.error("could not write feedback for %s: %s: %s", rel, type(exc).__name__, exc)
    return written


def _workbook_cells(source: Path, settings: Settings) -> list[Sheet]:
    """An .xls or .ods submission's sheets, for its .xlsx feedback copy; none when it was rejected."""
    from pdv.sources.spreadsheet import read_xlsx

    try:
        return list(read_xlsx(source, settings))
    except FileRejected:
        return []


def _csv_cells(source: Path, settings: Settings) -> list[Sheet]:
    """The CSV's grid for the feedback copy; none when it was rejected (the list says why)."""
    from pdv.sources.csvfile import read_csv

    try:
        return [read_csv(source, settings)]
    except FileRejected:
        return []
