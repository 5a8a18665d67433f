"""Scan the raw directory, read and validate each file: pure functions, no warehouse access.

``pdv validate`` and ``pdv run`` share this code, so a dry run reports exactly what a run would.
"""

from __future__ import annotations

import hashlib
import logging
import os
from collections.abc import Callable, Iterable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path

import pandas as pd

from pdv.faults import checkpoint
from pdv.findings import Finding, to_frame
from pdv.rawwalk import Entry, walk, walk_paths
from pdv.reference import CHANGES_FILE, COMMITTEES_FILE, UnitRegistry, change_names
from pdv.settings import Settings, get_settings
from pdv.sources.plan import PlanDocument, parse_plan_metadata, read_annex_xlsx, read_plan_text
from pdv.sources.reports import ReportTable, read_report
from pdv.sources.spreadsheet import FileRejected

log = logging.getLogger(__name__)

IGNORED_NAMES = {".gitkeep", "README.md", ".DS_Store"}


@dataclass(frozen=True)
class RawFile:
    """One input file: where it is, what it holds, and its content hash."""

    path: Path
    rel: str
    kind: str  # plan_text, plan_docx, annex_xlsx, reference, report
    sha256: str
    size: int
    problem: tuple[str, str] | None = None  # (rule, detail): reported, never opened (see pdv.rawwalk)


@dataclass
class ParsedFile:
    """What reading and validating one file produced."""

    raw: RawFile
    findings: pd.DataFrame
    plan: PlanDocument | None = None
    targets: pd.DataFrame | None = None
    summary: pd.DataFrame | None = None
    roster: pd.DataFrame | None = None
    personal: pd.DataFrame | None = None
    rows_read: int = 0
    header_cols: dict[tuple[str | None, str], int] = field(default_factory=dict)
    duplicate_of: str | None = None
    headers: list[tuple[str | None, str, str]] = field(default_factory=list)  # (sheet, column, header)

    def header_frame(self) -> pd.DataFrame:
        """Headers as written, one row per (sheet, canonical column)."""
        frame = pd.DataFrame(self.headers, columns=["sheet", "column_name", "header"], dtype=object)
        return frame.assign(path=self.raw.rel)

    @property
    def rows_loaded(self) -> int:
        return sum(len(f) for f in (self.summary, self.roster) if f is not None) + (
            int(self.targets["source_row"].nunique()) if self.targets is not None else 0
        )

    @property
    def rows_rejected(self) -> int:
        return self.rows_read - self.rows_loaded

    @property
    def readable(self) -> bool:
        return self.plan is not None or self.summary is not None

    @property
    def status(self) -> str:
        if self.duplicate_of:
            return "duplicate"
        if not self.readable:
            return "quarantined"
        return "partial" if self.rows_rejected else "loaded"


def sha256_file(path: Path) -> str:
    digest = hashlib.sha256()
    with path.open("rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            digest.update(chunk)
    return digest.hexdigest()


def _kind(rel: str) -> str | None:
    name = rel.rsplit("/", 1)[-1]
    if name in IGNORED_NAMES or name.startswith((".", "~$")):
        return None
    top = rel.split("/", 1)[0]
    suffix = Path(name).suffix.lower()
    kind = {
        ("plan", ".txt"): "plan_text",
        ("plan", ".docx"): "plan_docx",
        ("plan", ".xlsx"): "annex_xlsx",
        ("reference", ".csv"): "reference",
    }.get((top, suffix))
    if kind is None and top in ("plan", "reports"):
        kind = "report" if top == "reports" else "plan_unknown"
    return kind


def classify(path: Path, raw_dir: Path) -> RawFile | None:
    """A ``RawFile`` for a path under ``raw_dir``; None for files the pipeline does not read."""
    path.relative_to(raw_dir)  # ValueError outside it, as before
    found = walk_paths([path], raw_dir)
    return _raw_file(found[0]) if len(found) == 1 and found[0].path == Path(os.path.abspath(path)) else None


def _raw_file(entry: Entry, kind: str | None = None) -> RawFile | None:
    """The ``RawFile`` of a walked entry: hashed if it may be read, else carrying its problem."""
    name_kind = _kind(entry.rel)
    if name_kind is None and not (entry.problem and entry.is_dir and entry.rel.split("/", 1)[0] == "reference"):
        return None  # not an input (or ignored): neither read nor reported
    kind = kind or name_kind or "rejected"
    problem = entry.problem
    if problem is None:
        try:
            return RawFile(entry.path, entry.rel, kind, sha256_file(entry.path), entry.path.stat().st_size)
        except PermissionError:
            problem = ("file.no_permission", "không có quyền đọc / no read permission")
        except OSError as exc:
            problem = ("file.unreadable", f"{type(exc).__name__}: {exc.strerror or exc}")
    if kind == "reference":  # the registry is read by name; the problem is still a file-level issue
        kind = "rejected"
    # A stable id for what was seen: the same problem again is no new version.
    digest = hashlib.sha256(f"{entry.rel}\0{problem[0]}\0{problem[1]}".encode()).hexdigest()
    return RawFile(entry.path, entry.rel, kind, digest, 0, problem)


def scan(raw_dir: Path) -> list[RawFile]:
    """Every input file under ``raw_dir`` (and every thing that must not be opened), in path order."""
    files = (_raw_file(e) for e in walk(raw_dir))
    return [f for f in files if f is not None]


def classify_paths(paths: Iterable[Path], raw_dir: Path) -> list[RawFile]:
    """``RawFile``s for explicit paths (``pdv validate``), walked as ``scan`` walks the raw directory.

    Files outside ``raw_dir`` are read by their suffix.
    """
    root = Path(os.path.abspath(raw_dir))
    out = []
    for entry in walk_paths(list(paths), raw_dir):
        inside = entry.path == root or root in entry.path.parents
        kind = None if inside else {".txt": "plan_text", ".docx": "plan_docx", ".xlsx": "annex_xlsx"}.get(entry.path.suffix.lower(), "report")
        found = _raw_file(entry, kind)
        if found is not None:
            out.append(found)
    return out


def reference_version(files: Iterable[RawFile]) -> str:
    """Hash of the reference data reports are read with: a file is re-read when it changed.

    Of the change list only the names count (they resolve reports): its dates and kinds decide where
    figures belong, which the loader re-places without reading files again; committees never
    affect reading.
    """
    parts = []
    for f in files:
        if f.kind != "reference" or f.path.name == COMMITTEES_FILE:
            continue
        if f.path.name == CHANGES_FILE:
            names = change_names(f.path.parent)
            parts.append(f"{f.rel}:{sorted(zip(names['alias'], names['unit_code'], strict=True))};")
        else:
            parts.append(f"{f.rel}:{f.sha256};")
    return hashlib.sha256("".join(parts).encode()).hexdigest()


def content_key(raw: RawFile, ref_version: str) -> str:
    return hashlib.sha256(f"{raw.sha256}:{ref_version}".encode()).hexdigest()


def plan_years(raw_dir: Path) -> list[int]:
    """Years of the plans in the raw directory (reports outside them are errors)."""
    years: set[int] = set()
    for path in sorted((raw_dir / "plan").glob("*.txt")):
        if path.is_symlink() or not path.is_file():
            continue  # reported by the walk, never opened
        try:
            years.update(parse_plan_metadata(path.read_text(encoding="utf-8-sig"), "").years)
        except (OSError, UnicodeDecodeError):
            continue  # the plan file's own problems are reported when it is read
    for path in sorted((raw_dir / "plan").glob("*.docx")):
        from pdv.sources.plan_docx import read_plan_docx

        try:
            years.update(read_plan_docx(path, "", get_settings(raw_dir=raw_dir)).years)
        except Exception:  # the plan file's own problems are reported when it is read
            continue
    return sorted(years)


def _read(raw: RawFile, registry: UnitRegistry, settings: Settings) -> tuple[ParsedFile, list[ReportTable]]:
    """Read one file: a plan is read and validated whole; a report only yields its tables."""
    from schemas.annex import validate_annex

    try:
        if raw.problem is not None:
            raise FileRejected(*raw.problem)
        if raw.kind == "report":
            report = read_report(raw.path, raw.rel, settings)
            parsed = ParsedFile(raw, to_frame(report.findings), summary=_empty_summary())
            for table in report.tables:
                parsed.header_cols.update({(table.sheet, h): i for h, i in table.header_cols.items()})
                parsed.headers += [(table.sheet, column, h) for column, h in table.headers.items()]
            return parsed, report.tables
        if raw.kind in ("plan_text", "plan_docx", "annex_xlsx"):
            from pdv.sources.plan_docx import read_plan_docx

            reader = {"plan_text": read_plan_text, "plan_docx": read_plan_docx}.get(raw.kind, read_annex_xlsx)
            doc = reader(raw.path, raw.rel, settings)
            findings = list(doc.findings)
            parsed = ParsedFile(raw, pd.DataFrame(), plan=doc)
            if doc.annex is not None:
                targets, annex_findings = validate_annex(doc, registry, raw.rel, None)
                findings += doc.annex.findings + annex_findings
                parsed.targets = targets
                parsed.rows_read = int(doc.annex.frame["source_row"].nunique())
            parsed.findings = to_frame(findings)
            return parsed, []
        raise FileRejected("file.unsupported_format", f"{raw.rel}: {raw.path.suffix or 'no extension'}")
    except FileRejected as exc:
        return ParsedFile(raw, to_frame([Finding(exc.rule, raw.rel, params={"detail": exc.detail})])), []
    except Exception as exc:  # one bad file must never stop the others
        # One line for people; the stack only at debug level (no traceback reaches a user).
        log.error("unexpected error reading %s: %s: %s", raw.rel, type(exc).__name__, exc)
        log.debug("unexpected error reading %s", raw.rel, exc_info=True)
        detail = f"lỗi không xác định / unexpected {type(exc).__name__}: {exc}"
        return ParsedFile(raw, to_frame([Finding("file.unreadable", raw.rel, params={"detail": detail})])), []


def _empty_summary() -> pd.DataFrame:
    return _no_summary().copy()


@cache
def _no_summary() -> pd.DataFrame:
    from schemas.report import SUMMARY_COLUMNS

    return pd.DataFrame(columns=SUMMARY_COLUMNS)


def _check_reports(
    parsed: list[ParsedFile],
    tables: list[tuple[int, ReportTable]],
    registry: UnitRegistry,
    settings: Settings,
    years: list[int],
) -> None:
    """Validate every report table of the batch at once (vectorised), then hand rows back per file."""
    from schemas.report import check_rosters, check_summaries

    rels = {i: parsed[i].raw.rel for i, _ in tables}
    by_rel = {p.raw.rel: p for p in parsed}
    summaries = [(rels[i], t) for i, t in tables if t.kind == "summary"]
    rosters = [(rels[i], t) for i, t in tables if t.kind == "roster"]
    found: list[Finding] = []
    checked = check_summaries(summaries, registry, years, settings.report_deadline_day)
    found += checked.findings
    for rel, rows in _per_file(checked.rows):
        by_rel[rel].summary = rows
    per_file = checked.rows.groupby("_file")["unit_code"]
    single = per_file.first()[per_file.nunique() == 1]
    roster = check_rosters(rosters, registry, years, settings.id_hash_key, {str(k): str(v) for k, v in single.items()})
    found += roster.findings
    assert roster.personal is not None
    for rel, rows in _per_file(roster.rows):
        by_rel[rel].roster = rows
    for rel, rows in _per_file(roster.personal):
        by_rel[rel].personal = rows
    for rel, t in [*summaries, *rosters]:
        by_rel[rel].rows_read += len(t.frame) + t.dropped
    for rel, group in _group(found).items():
        p = by_rel[rel]
        p.findings = pd.concat([p.findings, to_frame(group)], ignore_index=True).drop_duplicates("issue_id")


def _per_file(rows: pd.DataFrame) -> Iterator[tuple[str, pd.DataFrame]]:
    """``rows`` split by their ``_file`` column, without it (the column is dropped once, not per file)."""
    files = rows["_file"]
    for rel, part in rows.drop(columns="_file").groupby(files, sort=False):
        yield str(rel), part


def _group(findings: list[Finding]) -> dict[str, list[Finding]]:
    out: dict[str, list[Finding]] = {}
    for f in findings:
        out.setdefault(f.file or "", []).append(f)
    return out


def process_file(
    raw: RawFile, registry: UnitRegistry, settings: Settings, years: list[int] | None = None
) -> ParsedFile:
    """Read and validate one file alone. Never raises: a file that cannot be read becomes a finding."""
    return read_batch([raw], settings, None, registry, years)[0]


def check_batch(parsed: list[ParsedFile], existing_persons: pd.DataFrame) -> None:
    """Rules across files: a person admitted twice anywhere. Drops the rows and adds findings."""
    from schemas.report import duplicate_persons

    with_roster = [p for p in parsed if p.roster is not None and not p.roster.empty]
    if not with_roster:
        return
    rosters = [(p.raw.rel, p.roster) for p in with_roster if p.roster is not None]
    found, keeps = duplicate_persons(rosters, existing_persons)
    for p, keep in zip(with_roster, keeps, strict=True):
        assert p.roster is not None and p.personal is not None
        p.roster, p.personal = p.roster[keep], p.personal[keep]
    grouped = _group(found)
    for p in with_roster:
        if mine := grouped.get(p.raw.rel, []):
            p.findings = pd.concat([p.findings, to_frame(mine)], ignore_index=True).drop_duplicates("issue_id")


def read_batch(
    files: list[RawFile],
    settings: Settings,
    existing_persons: pd.DataFrame | None,
    registry: UnitRegistry | None = None,
    years: list[int] | None = None,
    loaded: dict[str, str] | None = None,
    on_file: Callable[[int], None] | None = None,
) -> list[ParsedFile]:
    """Read and validate files, then the rules across them (``pdv run`` and ``pdv validate``).

    ``existing_persons`` (admissions in force) extends the once-only rule to the warehouse;
    ``loaded`` (sha256 -> path of files already loaded) makes a byte-identical copy a no-op.
    """
    if not files:
        return []
    registry = registry or UnitRegistry.load(settings.reference_dir)
    years = plan_years(settings.raw_dir) if years is None else years
    parsed: list[ParsedFile] = []
    tables: list[tuple[int, ReportTable]] = []
    copies = dict(loaded or {})
    for f in files:
        item, found = _read(f, registry, settings)
        checkpoint("read")
        if on_file is not None:
            on_file(1)
        first = copies.setdefault(f.sha256, f.rel)
        if first != f.rel and any(len(t.frame) for t in found):  # identical empty forms are no copies
            finding = Finding("file.duplicate", f.rel, params={"detail": first})
            parsed.append(ParsedFile(f, to_frame([finding]), duplicate_of=first))
            continue
        tables += [(len(parsed), t) for t in found]
        parsed.append(item)
    try:
        _check_reports(parsed, tables, registry, settings, years)
    except Exception as exc:  # a batch-level failure must not lose the batch: fall back to one file at a time
        log.error("batch validation failed: %s: %s", type(exc).__name__, exc)
        log.debug("batch validation failed", exc_info=True)
        if len(files) > 1:
            return [process_file(f, registry, settings, years) for f in files]
        detail = f"lỗi không xác định / unexpected {type(exc).__name__}: {exc}"
        return [ParsedFile(files[0], to_frame([Finding("file.unreadable", files[0].rel, params={"detail": detail})]))]
    check_batch(parsed, existing_persons if existing_persons is not None else no_persons())
    return parsed


PERSONS_SQL = "select person_key, unit_code, period_month, admitted_on, decision_no from fact_admission where is_current"


def persons_frame(frame: pd.DataFrame) -> pd.DataFrame:
    """Admissions in force as the once-only rule reads them (``PERSONS_SQL``'s rows), dates as dates."""
    if frame.empty:
        return no_persons()
    return frame.assign(
        period_month=pd.to_datetime(frame["period_month"]), admitted_on=pd.to_datetime(frame["admitted_on"])
    )


def no_persons() -> pd.DataFrame:
    """An empty set of admissions in force."""
    return pd.DataFrame(
        {
            "person_key": pd.Series(dtype=object),
            "unit_code": pd.Series(dtype=object),
            "period_month": pd.Series(dtype="datetime64[us]"),
            "admitted_on": pd.Series(dtype="datetime64[us]"),
            "decision_no": pd.Series(dtype=object),
        }
    )
