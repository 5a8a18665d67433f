"""Monthly unit reports (.xlsx workbooks, .csv pairs) into raw summary and roster tables.

Layouts vary (see the format document): sheet-name spellings, title rows, one- or two-level
headers, header aliases, a trailing total row, blank rows. This module only finds the tables and
maps headers to canonical columns; typing and rules live in ``schemas/report.py``.
"""

from __future__ import annotations

import re
import zipfile
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
from defusedxml import ElementTree

from pdv.column_maps import column_map
from pdv.findings import Finding
from pdv.settings import Settings
from pdv.sources.csvfile import read_csv
from pdv.sources.furniture import FIGURES, drop_furniture, fill_merged
from pdv.sources.legacy import Converted, convert_rows
from pdv.sources.spreadsheet import FileRejected, Sheet, read_xlsx
from pdv.textnorm import ascii_key, clean_text, map_cells

KINDS = ("summary", "roster")
SHEET_KIND = {"tonghop": "summary", "danhsach": "roster"}
# A table must show these columns (any one of each group) to be recognised.
REQUIRED: dict[str, list[tuple[str, ...]]] = {
    "summary": [("unit_code", "unit_name"), ("period",), ("admitted_total",)],
    "roster": [("full_name",), ("national_id",), ("admitted_on",)],
}
TOTAL_LABELS = {"tong cong", "cong", "tong so", "tong"}
_HEADER_SCAN_ROWS = 30
WORKBOOK_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods")


@dataclass
class ReportTable:
    """One summary or roster table found in a file; cells still as the unit wrote them."""

    kind: str
    sheet: str | None
    frame: pd.DataFrame  # canonical columns (raw values) + source_row
    headers: dict[str, str]  # canonical column -> header as written
    header_cols: dict[str, int]  # header as written -> 1-based column index
    total_row: tuple[int, dict[str, Any]] | None = None
    dropped: int = 0  # rows read but not validated (a formula without a cached value)


@dataclass
class ReportFile:
    tables: list[ReportTable] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    sheets: list[Sheet] = field(default_factory=list)


def _is_blank(value: Any) -> bool:
    return (
        value is None or (isinstance(value, str) and not value.strip()) or (isinstance(value, float) and value != value)
    )


def _mapping(cells: Sequence[Any], below: Sequence[Any] | None, cmap: dict[str, str]) -> dict[int, str]:
    """Column index -> canonical column for a header row (and the row below, for two levels)."""
    out: dict[int, str] = {}
    group = ""
    width = max(len(cells), len(below or []))
    for i in range(width):
        top = clean_text(cells[i]) if i < len(cells) else ""
        low = clean_text(below[i]) if below is not None and i < len(below) else ""
        if top:
            group = top
        elif not low:
            group = ""
        candidates = [f"{group} {low}", low] if low else [top]
        for text in candidates:
            column = cmap.get(ascii_key(text))
            if column and column not in out.values():
                out[i] = column
                break
    return out


def _header_text(cells: Sequence[Any], below: Sequence[Any] | None, i: int) -> str:
    top = clean_text(cells[i]) if i < len(cells) else ""
    low = clean_text(below[i]) if below is not None and i < len(below) else ""
    return low or top


def _satisfies(kind: str, columns: set[str]) -> bool:
    return all(any(c in columns for c in group) for group in REQUIRED[kind])


def find_table(sheet: Sheet, kinds: Sequence[str]) -> ReportTable | None:
    """The first header row (one or two levels) matching a kind's known headers, and its rows."""
    rows = sheet.rows
    for pos, (_, cells) in enumerate(rows[:_HEADER_SCAN_ROWS]):
        below = rows[pos + 1][1] if pos + 1 < len(rows) else None
        for kind in kinds:
            cmap = column_map(kind)
            single = _mapping(cells, None, cmap)
            double = _mapping(cells, below, cmap) if below is not None else {}
            best, levels = (double, 2) if len(double) > len(single) else (single, 1)
            if _satisfies(kind, set(best.values())):
                return _table(sheet, kind, pos, levels, best)
    return None


def _table(sheet: Sheet, kind: str, pos: int, levels: int, mapping: dict[int, str]) -> ReportTable:
    rows = sheet.rows
    cells = rows[pos][1]
    below = rows[pos + 1][1] if levels == 2 else None
    headers = {col: _header_text(cells, below, i) for i, col in mapping.items()}
    header_cols = {headers[col]: i + 1 for i, col in mapping.items()}
    body = fill_merged(sheet, pos + levels, [i for i, c in mapping.items() if c in ("unit_code", "unit_name")])
    width = max([len(cells), *(len(v) for _, v in body), *(i + 1 for i in mapping)], default=0)
    # NumPy until the one frame at the end: a one-unit report has a few rows, and each pandas step on
    # them cost more than its cells (5,000 such files in a batch).
    grid = np.array([v + [None] * (width - len(v)) for _, v in body], dtype=object).reshape(len(body), width)
    source_row = np.array([n for n, _ in body], dtype=np.int64)
    # Blank cells (None, NaN, spaces) are one thing; a row of them is skipped.
    text = map_cells(grid.ravel(), clean_text, "").reshape(grid.shape)
    keep = (text != "").any(axis=1) & ~_repeated_header(text, kind, mapping, headers)
    grid, text, source_row = grid[keep], text[keep], source_row[keep]
    keep = drop_furniture(kind, text, mapping)  # section, note, date and signature rows; rows with no figures
    grid, text, source_row = grid[keep], text[keep], source_row[keep]
    label_cols = sorted({0, *(i for i, c in mapping.items() if c in ("unit_name", "unit_code", "full_name"))})
    labels = np.full(len(text), "", dtype=object)
    for col in reversed(label_cols):  # the first non-blank of the label columns
        if col < width:
            labels = np.where(text[:, col] != "", text[:, col], labels)
    is_total = np.array([key in TOTAL_LABELS for key in map_cells(labels, ascii_key, "")], dtype=bool)
    total: tuple[int, dict[str, Any]] | None = None
    if is_total.any():  # the last total row is checked, not loaded
        last = int(np.flatnonzero(is_total)[-1])
        total = (int(source_row[last]), {c: grid[last, i] for i, c in mapping.items()})
    rest = ~is_total
    frame = pd.DataFrame(grid[rest][:, list(mapping)], columns=list(mapping.values()), dtype=object)
    frame["source_row"] = source_row[rest]
    return ReportTable(kind, sheet.name, frame, headers, header_cols, total)


def _repeated_header(text: np.ndarray, kind: str, mapping: dict[int, str], headers: dict[str, str]) -> np.ndarray:
    """Rows that repeat the header (files pasted together, a page break): furniture, not data."""
    repeat = np.full(len(text), bool(mapping))
    # Figure columns first: few distinct values, and no figure spells a header, so most tables are
    # settled by the first column without keying every unit name.
    for i, column in sorted(mapping.items(), key=lambda item: item[1] not in FIGURES[kind]):
        if not repeat.any():
            break
        cells = map_cells(text[:, i], ascii_key, "")
        repeat &= cells == ascii_key(headers[column])
    return repeat


_CELL = re.compile(rb"<c\b([^>]*?)(?:/>|>(.*?)</c>)", re.S)
_VALUE = re.compile(rb"<v>[^<]+</v>")
_REF = re.compile(rb'\br="([A-Z]+)(\d+)"')


def formulas_without_value(path: Path) -> dict[str, list[tuple[str, int]]]:
    """Cells holding a formula but no cached value, per sheet name: ``(column letter, row)``."""
    ns = {
        "m": "http://schemas.openxmlformats.org/spreadsheetml/2006/main",
        "r": "http://schemas.openxmlformats.org/officeDocument/2006/relationships",
        "p": "http://schemas.openxmlformats.org/package/2006/relationships",
    }
    out: dict[str, list[tuple[str, int]]] = {}
    with zipfile.ZipFile(path) as zf:
        names = set(zf.namelist())
        sheets = [n for n in names if n.startswith("xl/worksheets/") and n.endswith(".xml")]
        if not any(b"<f" in zf.read(n) for n in sheets):
            return out
        book = ElementTree.fromstring(zf.read("xl/workbook.xml"))
        rels = ElementTree.fromstring(zf.read("xl/_rels/workbook.xml.rels"))
        target = {r.get("Id"): r.get("Target", "") for r in rels.findall("p:Relationship", ns)}
        for sheet in book.findall("m:sheets/m:sheet", ns):
            rid = sheet.get(f"{{{ns['r']}}}id")
            part = target.get(rid, "").lstrip("/")
            part = part if part.startswith("xl/") else f"xl/{part}"
            if part not in names:
                continue
            for attrs, body in _CELL.findall(zf.read(part)):
                if b"<f" in body and not _VALUE.search(body) and (ref := _REF.search(attrs)):
                    out.setdefault(sheet.get("name", ""), []).append((ref.group(1).decode(), int(ref.group(2))))
    return out


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


def read_report(path: Path, rel: str, settings: Settings) -> ReportFile:
    """Find the summary and roster tables of one report file (``FileRejected`` for whole-file errors)."""
    suffix = path.suffix.lower()
    if suffix == ".csv":
        sheet = read_csv(path, settings)
        converted = convert_rows([(sheet.name, sheet.rows)])
        table = find_table(sheet, KINDS)
        if table is None:
            raise FileRejected("file.no_header", f"{path.name}: tiêu đề cột / column headers")
        table.sheet = None
        return ReportFile([table], _legacy_finding(converted, rel, [table], csv=True), [sheet])
    if suffix not in WORKBOOK_SUFFIXES:
        raise FileRejected("file.unsupported_format", suffix or "không có phần mở rộng / no extension")
    # Hidden sheets (lists of values, old copies) are never the report.
    sheets = [s for s in read_xlsx(path, settings) if s.visible]
    result = ReportFile(sheets=sheets)
    named: dict[str, Sheet] = {}
    for s in sheets:
        kind = SHEET_KIND.get(ascii_key(s.name).replace(" ", ""))
        if kind is not None:
            named.setdefault(kind, s)
    # Before any matching, and the summary sheet first: the example cell named is not personal data.
    ordered = sorted(sheets, key=lambda s: s is named.get("roster"))
    converted = convert_rows([(s.name, s.rows) for s in ordered])
    for kind in KINDS:
        candidates = [named[kind]] if kind in named else [s for s in sheets if s not in named.values()]
        for sheet in candidates:
            table = find_table(sheet, [kind])
            if table is not None:
                result.tables.append(table)
                break
    if not any(t.kind == "summary" for t in result.tables):
        raise FileRejected("file.no_header", "trang TongHop / sheet TongHop")
    result.findings += _legacy_finding(converted, rel, result.tables, csv=False)
    try:
        missing = formulas_without_value(path) if zipfile.is_zipfile(path) else {}
    except (KeyError, zipfile.BadZipFile, ElementTree.ParseError):
        missing = {}
    for table in result.tables:
        bad_rows = {row for _, row in missing.get(table.sheet or "", [])}
        if bad_rows:  # the row is not loaded: its figure is unknown
            keep = ~table.frame["source_row"].isin(bad_rows)
            table.dropped = int((~keep).sum())
            table.frame = table.frame[keep]
        for letter, row in missing.get(table.sheet or "", []):
            header = next((h for h, i in table.header_cols.items() if _column_letter(i) == letter), None)
            result.findings.append(
                Finding(
                    "file.formula_no_value",
                    rel,
                    table.sheet,
                    row,
                    header,
                    f"{letter}{row}",
                    params={"cell": f"{letter}{row}"},
                )
            )
    return result


def _legacy_finding(converted: Converted | None, rel: str, tables: list[ReportTable], csv: bool) -> list[Finding]:
    """One warning per file converted from TCVN3/VNI; a roster cell as example shows initials only."""
    if converted is None:
        return []
    written, unicode = converted.written, converted.unicode
    roster_rows = {
        int(r)
        for t in tables
        if t.kind == "roster" and (csv or t.sheet == converted.sheet)
        for r in t.frame["source_row"]
    }
    if converted.row in roster_rows:  # personal data never goes into an issue record
        written, unicode = (" ".join(w[:1] + "." for w in x.split()) for x in (written, unicode))
    return [
        Finding(
            "text.legacy_encoding",
            rel,
            None if csv else converted.sheet,
            converted.row,
            None,
            written,
            params={"encoding": converted.encoding, "cell": converted.cell, "converted": unicode},
        )
    ]
