"""The plan document: metadata from its text, and the annex from the text or a pasted workbook."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path

from pdv.findings import Finding
from pdv.settings import Settings
from pdv.sources.annex import AnnexTable, parse_annex_grid
from pdv.sources.spreadsheet import FileRejected, check_size, read_xlsx
from pdv.textnorm import clean_lines, clean_text

_PLAN_NO = re.compile(r"(?:Số|số)\s*:?\s*(\d+-KH/[\wĐđ/.-]+)")
_PLAN_DATE = re.compile(r"(\d+-KH/[\wĐđ/.-]+),?\s*ngày\s+(\d{1,2})/(\d{1,2})/(\d{4})")
_PLAN_DATE_LONG = re.compile(r"ngày\s+(\d{1,2})\s+tháng\s+(\d{1,2})\s+năm\s+(\d{4})")
_TITLE = re.compile(r"K[ẾẾ] HOẠCH\s*\n+([^\n]+)")
_YEAR = re.compile(r"năm\s+(\d{4})", re.IGNORECASE)
_TARGET = re.compile(r"mỗi năm kết nạp\s+(\d+)\s+đảng viên", re.IGNORECASE)
_YOUTH_SHARE = re.compile(r"đoàn viên thanh niên[^.%]*?(\d+(?:[.,]\d+)?)\s*%\s*trở lên", re.IGNORECASE)


@dataclass
class PlanDocument:
    """What the pipeline reads from one plan file: metadata (text form only) and the annex."""

    plan_no: str | None = None
    plan_date: date | None = None
    years: list[int] = field(default_factory=list)
    yearly_target: int | None = None
    min_youth_share_pct: float | None = None
    annex: AnnexTable | None = None
    findings: list[Finding] = field(default_factory=list)


def read_plan_text(path: Path, rel: str, settings: Settings) -> PlanDocument:
    """Read a plan document as received (UTF-8 text, tab-separated annex)."""
    check_size(path, settings)
    try:
        text = path.read_bytes().decode("utf-8-sig")
    except UnicodeDecodeError as exc:
        raise FileRejected("file.unreadable", f"không phải UTF-8 / not UTF-8 text: {exc}") from exc
    return plan_from_text(clean_newlines(text), rel)


def plan_from_text(text: str, rel: str) -> PlanDocument:
    """The plan from its text, the annex as tab-separated lines (numbered from 1)."""
    doc = parse_plan_metadata(text, rel)
    grid = [(n, line.split("\t")) for n, line in enumerate(text.split("\n"), start=1)]
    doc.annex = parse_annex_grid(grid, rel, None)
    if doc.annex is None:
        doc.findings.append(Finding("plan.annex_missing", rel))
    return doc


def clean_newlines(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n")


def parse_plan_metadata(text: str, rel: str) -> PlanDocument:
    """Plan number, date, years, the bloc's yearly target and minimum youth share."""
    text = clean_text_lines(text)
    doc = PlanDocument()
    if m := _PLAN_NO.search(text):
        doc.plan_no = m.group(1)
    if m := _PLAN_DATE.search(text):
        doc.plan_date = _date(m.group(4), m.group(3), m.group(2))
    elif m := _PLAN_DATE_LONG.search(text):
        doc.plan_date = _date(m.group(3), m.group(2), m.group(1))
    if m := _TITLE.search(text):
        doc.years = sorted({int(y) for y in _YEAR.findall(m.group(1))})
    if m := _TARGET.search(text):
        doc.yearly_target = int(m.group(1))
    if m := _YOUTH_SHARE.search(text):
        doc.min_youth_share_pct = float(m.group(1).replace(",", "."))
    for name, value in [
        ("số kế hoạch / plan number", doc.plan_no),
        ("ngày ban hành / plan date", doc.plan_date),
        ("các năm của kế hoạch / plan years", doc.years or None),
        ("chỉ tiêu kết nạp mỗi năm / yearly target", doc.yearly_target),
        ("tỷ lệ đoàn viên thanh niên tối thiểu / minimum youth share", doc.min_youth_share_pct),
    ]:
        if value is None:
            doc.findings.append(Finding("plan.metadata_missing", rel, params={"detail": name}))
    return doc


def clean_text_lines(text: str) -> str:
    return clean_lines(clean_newlines(text))


def _date(year: str, month: str, day: str) -> date | None:
    try:
        return date(int(year), int(month), int(day))
    except ValueError:
        return None


def read_annex_xlsx(path: Path, rel: str, settings: Settings) -> PlanDocument:
    """Read the annex pasted into a workbook; plan number and date come from its title rows."""
    for sheet in read_xlsx(path, settings):
        grid = [(n, [clean_text(c) for c in cells]) for n, cells in sheet.rows]
        annex = parse_annex_grid(grid, rel, sheet.name)
        if annex is not None:
            title = "\n".join(" ".join(c for c in cells if c) for _, cells in grid[:10])
            doc = PlanDocument(annex=annex)
            if m := _PLAN_NO.search(title):
                doc.plan_no = m.group(1)
            if m := _PLAN_DATE.search(title):
                doc.plan_date = _date(m.group(4), m.group(3), m.group(2))
            return doc
    raise FileRejected("file.no_header", "phụ lục giao chỉ tiêu / the annex table")


PLAN_DOCUMENTS = ("*.txt", "*.docx")


def plan_gaps(raw_dir: Path) -> tuple[str, list[str]]:
    """What stops the plan from being read: ``(where, [missing pieces])``; no pieces when it is complete.

    Reports are checked against the plan's years and targets, so a run holds them back, unread,
    while the plan document is missing or its number, years or bloc target cannot be read.
    """
    folder = raw_dir / "plan"
    docs = sorted(p for pattern in PLAN_DOCUMENTS for p in folder.glob(pattern) if p.is_file() and not p.is_symlink())
    if not docs:
        return "plan", ["văn bản kế hoạch (.txt hoặc .docx) / the plan document (.txt or .docx)"]
    texts = [p for p in docs if p.suffix.lower() == ".txt"]
    if not texts:
        return docs[0].relative_to(raw_dir).as_posix(), []  # read by the .docx reader, which reports its own gaps
    missing: list[str] = []
    for path in texts:
        try:
            doc = parse_plan_metadata(path.read_bytes().decode("utf-8-sig"), "")
        except (OSError, UnicodeDecodeError):
            missing = ["văn bản kế hoạch đọc được (UTF-8) / a readable (UTF-8) plan document"]
            continue
        missing = [
            name
            for name, value in [
                ("số kế hoạch / plan number", doc.plan_no),
                ("các năm của kế hoạch / plan years", doc.years or None),
                ("chỉ tiêu kết nạp mỗi năm của toàn Khối / the bloc's yearly target", doc.yearly_target),
            ]
            if value is None
        ]
        if not missing:
            return path.relative_to(raw_dir).as_posix(), []
    return texts[0].relative_to(raw_dir).as_posix(), missing
