"""Annotated copies of unit submissions, to send back with every problem marked.

The copy keeps the unit's workbook as it was (formatting, formulas unevaluated) and adds a fill and
a Vietnamese comment on each cell with a finding, plus a first sheet "Danh sách lỗi" listing every
finding. CSV submissions are rendered as one worksheet per file. Text that came from a unit is
always stored as a string, never as a formula.
"""

from __future__ import annotations

import io
import logging
import math
import numbers
import re
import zipfile
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path, PurePosixPath, PureWindowsPath
from typing import Any

import pandas as pd
from openpyxl import Workbook, load_workbook
from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE, Cell, MergedCell
from openpyxl.comments import Comment
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter, quote_sheetname
from openpyxl.worksheet.hyperlink import Hyperlink
from openpyxl.worksheet.worksheet import Worksheet

from pdv.feedback_ids import format_id_columns
from pdv.sources.spreadsheet import Sheet
from pdv.textnorm import ascii_key
from pdv.xlsxio import write_atomic

log = logging.getLogger(__name__)

LIST_SHEET = "Danh sách lỗi"
AUTHOR = "Ban Tổ chức Đảng ủy Khối"
FILLS = {"error": "FFC7CE", "warning": "FFEB9C"}
SEVERITY_VI = {"error": "Lỗi", "warning": "Cảnh báo"}
LIST_HEADERS = ["Mức độ", "Trang tính", "Dòng", "Cột", "Giá trị", "Nội dung"]
_LIST_WIDTHS = [10, 20, 8, 30, 28, 90]

_MAX_ROW, _MAX_COL = 1_048_576, 16_384
_MAX_TEXT = 32_767  # Excel's limit for one cell
# Path separators become "-" so "03/2024" stays readable; the other forbidden characters go.
_SHEET_DASH = re.compile(r"[\\/]")
_SHEET_FORBIDDEN = re.compile(r"[*?:\[\]\x00-\x1f]")
_SPACES = re.compile(r"\s+")
_FORMULA_START = ("=", "+", "-", "@")
# Whole-file rejections: nothing in the original can be annotated, and opening it may be what failed.
_FILE_REJECTIONS = {"file.unreadable", "file.unsupported_format", "file.too_large", "file.empty"}
# Bounds before openpyxl inflates an untrusted zip (the reader applies the same ratio).
_MAX_UNCOMPRESSED = 512 * 1024 * 1024
_HEADER_SCAN_ROWS = 30
_COMMENT_WIDTH_PX = 360
_COMMENT_CHARS_PER_LINE = 48


@dataclass(frozen=True)
class _Issue:
    severity: str
    rule: str
    file: str | None
    sheet: str | None
    row: int | None
    column: str | None
    value: str | None
    message: str


@dataclass
class _Target:
    """Where an issue lands: the worksheet and the cell (row, column), or only the sheet."""

    ws: Worksheet | None = None
    row: int | None = None
    col: int | None = None


def write_feedback(
    out_path: Path,
    issues: pd.DataFrame,
    *,
    workbook: Path | None = None,
    sheets: list[Sheet] | None = None,
    header_cols: dict[tuple[str | None, str], int] | None = None,
    id_columns: list[tuple[str | None, int]] | None = None,
) -> Path:
    """Write an annotated .xlsx copy of a submission with every issue marked and listed.

    ``workbook`` is the original .xlsx (annotated in a copy); ``sheets`` are CSV grids to render
    instead. When neither can be used, the result holds only the issue list. ``id_columns`` (sheet,
    1-based column) are the national-id columns, formatted as text (``pdv.feedback_ids``).
    """
    out_path = Path(out_path)
    records = _issues(issues)
    cols = header_cols or {}
    if workbook is not None and not any(i.rule in _FILE_REJECTIONS for i in records):
        wb = _open_original(Path(workbook))
        if wb is not None:
            try:
                _annotate(wb, records, cols, csv_names={}, reuse_default=False)
                format_id_columns(wb, id_columns or [])
                return save_workbook_atomic(wb, out_path)
            except Exception as exc:  # openpyxl cannot write back everything it reads; fall back below
                log.warning("cannot annotate %s (%s); sending the issue list only", workbook, type(exc).__name__)
    wb = Workbook()
    names: dict[str, str] = {}
    if sheets:
        wb.remove(wb.worksheets[0])
        names = _render_sheets(wb, sheets)
    _annotate(wb, records, cols, csv_names=names, reuse_default=not sheets)
    format_id_columns(wb, id_columns or [])
    return save_workbook_atomic(wb, out_path)


def save_workbook_atomic(wb: Workbook, out_path: Path, mode: int = 0o600) -> Path:
    """Save atomically; ``mode`` defaults to owner-only: feedback copies can hold roster personal data."""
    buffer = io.BytesIO()
    wb.save(buffer)
    write_atomic(Path(out_path), buffer.getvalue(), mode)
    return Path(out_path)


# --- issues -----------------------------------------------------------------------------------


def _missing(value: Any) -> bool:
    if value is None or value is pd.NA or value is pd.NaT:
        return True
    return isinstance(value, float) and math.isnan(value)


def _opt_str(value: Any) -> str | None:
    return None if _missing(value) else str(value)


def _opt_int(value: Any) -> int | None:
    if _missing(value):
        return None
    try:
        return int(float(value))
    except (TypeError, ValueError, OverflowError):
        return None


def _issues(frame: pd.DataFrame) -> list[_Issue]:
    out = []
    for rec in frame.to_dict("records"):
        out.append(
            _Issue(
                severity="error" if _opt_str(rec.get("severity")) == "error" else "warning",
                rule=_opt_str(rec.get("rule")) or "",
                file=_opt_str(rec.get("file")),
                sheet=_opt_str(rec.get("sheet")),
                row=_opt_int(rec.get("row")),
                column=_opt_str(rec.get("column")),
                value=_opt_str(rec.get("value")),
                message=_opt_str(rec.get("message_vi")) or _opt_str(rec.get("message_en")) or "",
            )
        )
    return out


# --- opening and rendering ---------------------------------------------------------------------


def _zip_within_bounds(path: Path) -> bool:
    from pdv.sources.zipbounds import RATIO_LIMIT, ZipLimits, ZipRejected, check_zip

    try:
        if not zipfile.is_zipfile(path):
            return False
        total = min(_MAX_UNCOMPRESSED, max(1, path.stat().st_size) * RATIO_LIMIT)
        check_zip(path, ZipLimits(total, total))  # real inflated sizes, as the reader checks them
    except (OSError, ZipRejected):
        return False
    return True


def _open_original(path: Path) -> Workbook | None:
    """The unit's workbook as openpyxl reads it (formulas kept as text), or None if it cannot."""
    if not _zip_within_bounds(path):
        return None
    try:
        return load_workbook(path, data_only=False)
    except Exception as exc:  # any kind of damage in an untrusted file means: list only (no traceback)
        log.warning("openpyxl cannot open %s (%s); sending the issue list only", path, type(exc).__name__)
        return None


def safe_sheet_title(name: str, taken: Iterable[str] = ()) -> str:
    """A valid, unused Excel sheet name for ``name`` (31 chars, no forbidden characters)."""
    base = _SPACES.sub(" ", _SHEET_FORBIDDEN.sub("", _SHEET_DASH.sub("-", name))).strip().strip("'").strip()
    base = base or "Sheet"
    used = {t.casefold() for t in taken}
    title, n = base[:31], 1
    while title.casefold() in used or title.casefold() == "history":  # "History" is reserved by Excel
        n += 1
        suffix = f" ({n})"
        title = base[: 31 - len(suffix)] + suffix
    return title


def _cell(ws: Worksheet, row: int, column: int) -> Cell:
    cell = ws.cell(row=row, column=column)
    if not isinstance(cell, Cell):  # sheets this module creates have no merged cells
        raise TypeError(f"{ws.title}!{cell.coordinate} is merged")
    return cell


def _clean(value: str) -> str:
    return ILLEGAL_CHARACTERS_RE.sub("", value)[:_MAX_TEXT]


def set_text(cell: Cell | MergedCell, value: str | None) -> None:
    """Store ``value`` as a plain string: never a formula, error code or anything evaluated."""
    if isinstance(cell, MergedCell):
        raise TypeError(f"{cell.coordinate} is inside a merged range")
    if value is None:
        cell.value = None
        return
    text = _clean(str(value))
    cell.value = text
    cell.data_type = "s"  # openpyxl makes "=..." a formula and "#N/A" an error otherwise
    if text.startswith(_FORMULA_START):
        cell.quotePrefix = True  # so editing the cell in Excel keeps it text


def _set_value(cell: Cell, value: Any) -> None:
    if _missing(value):
        return
    if isinstance(value, numbers.Integral) and not isinstance(value, bool | int):
        value = int(value)  # numpy integers from pandas
    if isinstance(value, bool | int | float | Decimal | datetime | date | time | timedelta):
        if isinstance(value, float) and math.isinf(value):
            set_text(cell, str(value))
            return
        if isinstance(value, datetime | time) and value.tzinfo is not None:
            value = value.replace(tzinfo=None)  # Excel has no time zones; openpyxl refuses them
        cell.value = value
        if isinstance(value, date) and not isinstance(value, datetime):
            cell.number_format = "dd/mm/yyyy"
        return
    set_text(cell, str(value))


def _render_sheets(wb: Workbook, sheets: list[Sheet]) -> dict[str, str]:
    """One worksheet per grid; returns {grid name: worksheet title}."""
    names: dict[str, str] = {}
    taken = [LIST_SHEET]
    for sheet in sheets:
        title = safe_sheet_title(sheet.name, taken)
        taken.append(title)
        names[sheet.name] = title
        ws = wb.create_sheet(title)
        numbers = [n for n, _ in sheet.rows]
        # Keep each row at its source number, so "Dòng" in the list is the row the unit sees.
        in_order = all(b - a >= 1 for a, b in zip([0, *numbers], numbers, strict=False)) and (
            not numbers or numbers[-1] <= _MAX_ROW
        )
        widths: dict[int, int] = {}
        for i, (number, cells) in enumerate(sheet.rows, start=1):
            row = number if in_order else i
            if row > _MAX_ROW:
                break
            for col, value in enumerate(cells[:_MAX_COL], start=1):
                _set_value(_cell(ws, row, col), value)
                if not _missing(value):
                    widths[col] = max(widths.get(col, 0), len(str(value)))
        for col, width in widths.items():
            ws.column_dimensions[get_column_letter(col)].width = min(max(width + 2, 8), 50)
    return names


# --- annotating --------------------------------------------------------------------------------


class _Locator:
    """Finds the worksheet and cell of each issue; header cells are scanned once per sheet."""

    def __init__(self, wb: Workbook, header_cols: dict[tuple[str | None, str], int], csv_names: dict[str, str]) -> None:
        self.titles = {ws.title: ws for ws in wb.worksheets}
        self.header_cols = header_cols
        self.csv_names = csv_names
        self.source_name = {title: name for name, title in csv_names.items()}
        self._headers: dict[str, dict[str, list[tuple[int, int]]]] = {}

    def locate(self, issue: _Issue) -> _Target:
        ws = self.sheet(issue)
        if ws is None or issue.row is None or not 1 <= issue.row <= _MAX_ROW:
            return _Target(ws)
        row, col = _anchor(ws, issue.row, self.column(ws, issue))
        return _Target(ws, row, col)

    def sheet(self, issue: _Issue) -> Worksheet | None:
        candidates = []
        if issue.sheet is not None:
            candidates.append(issue.sheet)
        elif issue.file is not None and self.csv_names:
            # A CSV finding may name only its file; the worksheet is named after the file.
            candidates += [issue.file, PurePosixPath(issue.file).name, PureWindowsPath(issue.file).name]
        for name in candidates:
            title = self.csv_names.get(name, name)
            if title in self.titles:
                return self.titles[title]
        for name in candidates:
            key = ascii_key(name)
            matches = [ws for t, ws in self.titles.items() if ascii_key(t) == key]
            if len(matches) == 1:
                return matches[0]
        if issue.sheet is None and len(self.csv_names) == 1:  # a single CSV: its findings can only be there
            return self.titles.get(next(iter(self.csv_names.values())))
        return None

    def column(self, ws: Worksheet, issue: _Issue) -> int:
        if issue.column is None:
            return 1
        sheets = (issue.sheet, self.source_name.get(ws.title), ws.title, None)
        for key in ((sheet, issue.column) for sheet in dict.fromkeys(sheets)):
            col = self.header_cols.get(key)
            if col is not None and 1 <= int(col) <= _MAX_COL:
                return int(col)
        # Not in the map: a header cell above the row spelled the same way, if only one column has it.
        above = self._header_cells(ws).get(ascii_key(issue.column), [])
        found = {col for row, col in above if row < (issue.row or 1)}
        return found.pop() if len(found) == 1 else 1

    def _header_cells(self, ws: Worksheet) -> dict[str, list[tuple[int, int]]]:
        if ws.title not in self._headers:
            cells: dict[str, list[tuple[int, int]]] = {}
            for row in ws.iter_rows(min_row=1, max_row=min(_HEADER_SCAN_ROWS, ws.max_row)):
                for cell in row:
                    if isinstance(cell.value, str) and (key := ascii_key(cell.value)):
                        cells.setdefault(key, []).append((cell.row, cell.column))
            self._headers[ws.title] = cells
        return self._headers[ws.title]


def _anchor(ws: Worksheet, row: int, col: int) -> tuple[int, int]:
    """The top-left cell of a merged range (only it can hold a fill or comment)."""
    for rng in ws.merged_cells.ranges:
        if rng.min_row <= row <= rng.max_row and rng.min_col <= col <= rng.max_col:
            return rng.min_row, rng.min_col
    return row, col


def _comment_text(lines: list[str], previous: Comment | None) -> str:
    text = "\n".join(dict.fromkeys(lines))
    if previous is not None and previous.text and previous.author != AUTHOR:
        text += f"\n\n(Ghi chú gốc của đơn vị: {previous.text.strip()})"
    return _clean(text)


def _comment(text: str) -> Comment:
    lines = sum(max(1, math.ceil(len(line) / _COMMENT_CHARS_PER_LINE)) for line in text.split("\n"))
    height = min(20 + 16 * lines, 640)
    return Comment(text, AUTHOR, height=height, width=_COMMENT_WIDTH_PX)


def _mark_cells(marks: dict[tuple[Worksheet, int, int], list[_Issue]]) -> None:
    for (ws, row, col), found in marks.items():
        cell = ws.cell(row=row, column=col)
        severity = "error" if any(i.severity == "error" for i in found) else "warning"
        cell.fill = PatternFill(fill_type="solid", start_color=FILLS[severity], end_color=FILLS[severity])
        lines = [f"[{SEVERITY_VI[i.severity]}] {i.message}" for i in found]
        cell.comment = _comment(_comment_text(lines, cell.comment))


def _annotate(
    wb: Workbook,
    issues: list[_Issue],
    header_cols: dict[tuple[str | None, str], int],
    csv_names: dict[str, str],
    reuse_default: bool,
) -> None:
    """Mark every locatable issue's cell and add the issue list as the first sheet."""
    locator = _Locator(wb, header_cols, csv_names)
    targets = [locator.locate(issue) for issue in issues]
    marks: dict[tuple[Worksheet, int, int], list[_Issue]] = {}
    for issue, target in zip(issues, targets, strict=True):
        if target.ws is not None and target.row is not None and target.col is not None:
            marks.setdefault((target.ws, target.row, target.col), []).append(issue)
    _mark_cells(marks)

    order = {ws.title: i for i, ws in enumerate(wb.worksheets)}

    def position(pair: tuple[_Issue, _Target]) -> tuple[int, int, int]:
        issue, target = pair
        sheet = order.get(target.ws.title, -1) if target.ws is not None else -1
        return sheet, target.row or issue.row or 0, target.col or 0

    ranked = sorted(zip(issues, targets, strict=True), key=position)
    _write_list(wb, ranked, reuse_default)


def _write_list(wb: Workbook, ranked: list[tuple[_Issue, _Target]], reuse_default: bool) -> None:
    if reuse_default:  # a new workbook's empty default sheet becomes the list
        ws = wb.worksheets[0]
        ws.title = LIST_SHEET
    else:
        ws = wb.create_sheet(safe_sheet_title(LIST_SHEET, wb.sheetnames), 0)
    for col, (header, width) in enumerate(zip(LIST_HEADERS, _LIST_WIDTHS, strict=True), start=1):
        cell = _cell(ws, 1, col)
        set_text(cell, header)
        cell.font = Font(bold=True)
        cell.fill = PatternFill(fill_type="solid", start_color="D9D9D9", end_color="D9D9D9")
        cell.alignment = Alignment(vertical="center", wrap_text=True)
        ws.column_dimensions[get_column_letter(col)].width = width
    wrap = Alignment(wrap_text=True, vertical="top")
    top = Alignment(vertical="top")
    link_font = Font(color="0563C1", underline="single")
    for r, (issue, target) in enumerate(ranked, start=2):
        sheet_name = target.ws.title if target.ws is not None else issue.sheet
        values = [SEVERITY_VI[issue.severity], sheet_name, None, issue.column, issue.value, issue.message]
        for col, value in enumerate(values, start=1):
            cell = _cell(ws, r, col)
            set_text(cell, value)
            cell.alignment = wrap if col == 6 else top
        row_cell = _cell(ws, r, 3)
        if issue.row is not None:
            row_cell.value = issue.row
        if target.ws is not None and target.row is not None and target.col is not None:
            coord = f"{get_column_letter(target.col)}{target.row}"
            location = f"{quote_sheetname(target.ws.title)}!{coord}"
            row_cell.hyperlink = Hyperlink(ref=row_cell.coordinate, location=location)
            row_cell.font = link_font
        ws.cell(row=r, column=1).fill = PatternFill(
            fill_type="solid", start_color=FILLS[issue.severity], end_color=FILLS[issue.severity]
        )
    ws.freeze_panes = "A2"
    ws.auto_filter.ref = f"A1:{get_column_letter(len(LIST_HEADERS))}{max(1, len(ranked) + 1)}"
    for other in wb.worksheets:
        other.sheet_view.tabSelected = False
    ws.sheet_view.tabSelected = True
    wb.active = ws
