"""Renderers of the Board's extracts: one reporting period as CSV, XLSX (laid out like the plan's annex) and HTML.

The caller computes the numbers; this module only lays them out. Headers are data (``headers.csv``), so the
Board can reword them without touching code. Every output is deterministic: identical input, identical bytes.
"""

from __future__ import annotations

import csv
import html
import io
import math
import re
import unicodedata
from collections.abc import Iterable, Sequence
from copy import copy
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Literal

import numpy as np
import pandas as pd
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from pdv.extracts.revisions import Revisions
from pdv.extracts.revisions import add_sheet as add_revision_sheet
from pdv.extracts.revisions import html_section as revision_section
from pdv.xlsxio import workbook_bytes, write_atomic

if TYPE_CHECKING:
    from pdv.extracts.outlook_section import OutlookSection

Value = int | float | str | None

BOARD_PARENT = "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH"
BOARD_NAME = "BAN TỔ CHỨC"
PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
AUTHOR = "Ban Tổ chức Đảng ủy Khối"
VIEW_VI = {
    "as_is": "theo tổ chức hiện hành (số liệu của đơn vị đã sáp nhập tính cho đơn vị kế thừa)",
    "as_was": "theo tổ chức tại thời điểm báo cáo",
}
BEHIND_LEGEND = "Đơn vị chậm tiến độ thực hiện chỉ tiêu"
MET, NOT_MET, NO_DATA = "Đạt", "Chưa đạt", "Chưa có số liệu"

INT_COLUMNS = frozenset(
    {
        "stt",
        "target_total",
        "target_youth",
        "target_union",
        "admitted_total",
        "admitted_youth",
        "admitted_union",
        "ytd_admitted_total",
        "ytd_admitted_youth",
        "ytd_admitted_union",
        "recognized_full",
        "trained",
        "sympathizers_end",
        "reports_expected",
        "reports_received",
        "reports_on_time",
        "open_errors",
    }
)
PCT_COLUMNS = frozenset({"achievement_pct", "youth_share_pct"})
TEXT_COLUMNS = frozenset({"unit_type", "unit_name", "unit_code", "parent_name", "predecessors"})
FLAG_COLUMNS = ("behind_schedule", "is_total")
MONTHLY_COLUMNS = ("month", "admitted_total", "cumulative", "target_cumulative")

# Fixed stamps: the file's bytes must not depend on when it was written.

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection); tab and CR too (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (so XLSX and HTML) cannot carry.
_ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]))?$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class ExtractMeta:
    """What the extract is about: the period, its wording and the plan it is measured against."""

    period: str  # '2024-Q1', '2024-H1' or '2024'
    period_type: str  # 'quarter', 'half' or 'year' (checked on construction)
    year: int
    title_vi: str  # e.g. "Kết quả phát triển đảng viên quý I năm 2024"
    data_cutoff: str  # last month with data, e.g. '2024-03'
    plan_no: str  # '104-KH/ĐUK'
    yearly_target: int  # the bloc's target for the year (240)
    min_youth_share_pct: float  # minimum share of youth-union members among new members (70.0)
    view: str  # 'as_is': units as organised now; 'as_was': units as they were in the period

    def __post_init__(self) -> None:
        m = _PERIOD.match(self.period)
        if m is None or int(m.group(1)) != self.year:
            raise ValueError(
                f"period {self.period!r} is not a period of {self.year} (e.g. '2024-Q1', '2024-H1', '2024')"
            )
        kind = {None: "year", "Q": "quarter", "H": "half"}[m.group(2)[0] if m.group(2) else None]
        if kind != self.period_type:
            raise ValueError(f"period {self.period!r} is a {kind}, not a {self.period_type!r}")
        if self.view not in VIEW_VI:
            raise ValueError(f"view must be 'as_is' or 'as_was', not {self.view!r}")


@dataclass(frozen=True)
class Column:
    """One output column: its canonical name, Vietnamese group (may be empty) and header."""

    key: str
    group_vi: str
    header_vi: str

    @property
    def kind(self) -> Literal["int", "pct", "text"]:
        return "int" if self.key in INT_COLUMNS else "pct" if self.key in PCT_COLUMNS else "text"

    def group(self, year: int) -> str:
        # str.replace, not str.format: the wording is data and may hold other braces.
        return self.group_vi.replace("{year}", str(year))

    def flat_header(self, year: int) -> str:
        group = self.group(year)
        return f"{group} - {self.header_vi}" if group else self.header_vi


@cache
def columns() -> tuple[Column, ...]:
    """The output columns in order, read from ``headers.csv``."""
    text = resources.files("pdv.extracts").joinpath("headers.csv").read_text(encoding="utf-8-sig")
    cols = tuple(
        Column(r["column"].strip(), (r["group_vi"] or "").strip(), r["header_vi"].strip())
        for r in csv.DictReader(io.StringIO(text))
    )
    known = INT_COLUMNS | PCT_COLUMNS | TEXT_COLUMNS
    keys = [c.key for c in cols]
    if sorted(keys) != sorted(known):
        raise ValueError(f"headers.csv must list each of {sorted(known)} once; it lists {keys}")
    return cols


# --- preparing the rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The rows as plain Python values in output order: units first, the bloc total last.

    Held by column (``values``), the form the XLSX and CSV writers stream; ``records`` (one dict per
    row) is built on first use for the writers that go row by row.
    """

    values: dict[str, list[Value]]
    behind: list[bool]

    @cached_property
    def records(self) -> list[dict[str, Value]]:
        keys = list(self.values)
        return [dict(zip(keys, row, strict=True)) for row in zip(*self.values.values(), strict=True)]

    @property
    def units(self) -> list[dict[str, Value]]:
        return self.records[:-1]

    @property
    def total(self) -> dict[str, Value]:
        return {k: v[-1] for k, v in self.values.items()}

    def __len__(self) -> int:
        return len(self.behind)


def _clean_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    # NFC so names look and truncate the same whatever normal form the source used.
    return _ILLEGAL_CHARS.sub("", unicodedata.normalize("NFC", str(value)))


def _texts(series: pd.Series) -> list[Value]:
    """``_clean_text`` of a whole column at once (tens of thousands of names at national scale)."""
    text = series.astype("string").fillna("").str.normalize("NFC").str.replace(_ILLEGAL_CHARS, "", regex=True)
    return list(text.tolist())


def _numbers(series: pd.Series, name: str, whole: bool) -> list[Value]:
    """Numbers as Python ints (``whole``) or floats, None where missing; a fraction or infinity is an error."""
    num = pd.to_numeric(series, errors="raise").astype("float64").to_numpy(na_value=np.nan)
    missing = np.isnan(num)
    bad = np.isinf(num)
    if whole:
        bad |= ~missing & ~bad & (num != np.floor(num))
    if bad.any():
        v = series.iloc[int(np.flatnonzero(bad)[0])]
        raise ValueError(f"column {name!r}: {v!r} is not {'a whole number' if whole else 'a percentage'}")
    out: list[Value] = list(np.where(missing, 0, num).astype("int64").tolist() if whole else num.tolist())
    for i in np.flatnonzero(missing).tolist():
        out[i] = None
    return out


def _ints(series: pd.Series, name: str) -> list[Value]:
    return _numbers(series, name, whole=True)


def _floats(series: pd.Series, name: str) -> list[Value]:
    return _numbers(series, name, whole=False)


def _flags(series: pd.Series) -> list[bool]:
    return [bool(v) for v in series.fillna(False).astype(bool).tolist()]


def prepare(rows: pd.DataFrame | Table) -> Table:
    """The rows checked and converted once, for the writers (which also take the DataFrame itself)."""
    if isinstance(rows, Table):
        return rows
    cols = columns()
    missing = [c for c in [*(c.key for c in cols), *FLAG_COLUMNS] if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack the columns {missing}")
    is_total = _flags(rows["is_total"])
    if sum(is_total) != 1:
        raise ValueError(f"rows must hold exactly one bloc total row (is_total), found {sum(is_total)}")
    frame = rows.reset_index(drop=True)
    # The total goes last whatever the caller's order; units keep theirs (annex order).
    order = [i for i, t in enumerate(is_total) if not t] + [is_total.index(True)]
    frame = frame.iloc[order].reset_index(drop=True)
    values: dict[str, list[Value]] = {}
    for c in cols:
        if c.kind == "int":
            values[c.key] = _ints(frame[c.key], c.key)
        elif c.kind == "pct":
            values[c.key] = _floats(frame[c.key], c.key)
        else:
            values[c.key] = _texts(frame[c.key])
    return Table(values=values, behind=_flags(frame["behind_schedule"]))


def neutralise(text: str) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula ("=...", "+...", "-...", "@...")."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _pct_text(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


# --- wording --------------------------------------------------------------------------------------


def period_label(meta: ExtractMeta) -> str:
    """The period in Vietnamese with its months, e.g. "Quý I năm 2024 (tháng 01/2024 - 03/2024)"."""
    first, last = _period_months(meta)
    suffix = f"(tháng {first:02d}/{meta.year} - {last:02d}/{meta.year})"
    if meta.period_type == "quarter":
        return f"Quý {_ROMAN[last // 3]} năm {meta.year} {suffix}"
    if meta.period_type == "half":
        return f"6 tháng {'đầu' if last == 6 else 'cuối'} năm {meta.year} {suffix}"
    return f"Năm {meta.year} {suffix}"


def _period_months(meta: ExtractMeta) -> tuple[int, int]:
    part = meta.period[5:]
    if meta.period_type == "quarter":
        q = int(part[1])
        return 3 * q - 2, 3 * q
    if meta.period_type == "half":
        return (1, 6) if part == "H1" else (7, 12)
    return 1, 12


def _cutoff_month(meta: ExtractMeta) -> int:
    """The last month with data (from ``data_cutoff``), bounded by the period's last month."""
    m = _MONTH.match(meta.data_cutoff)
    last = _period_months(meta)[1]
    return min(int(m.group(2)), last) if m and int(m.group(1)) == meta.year else last


def _vi_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Vietnamese groups thousands with dots


def _vi_num(value: float | int | None, decimals: int = 1) -> str:
    """A number as Vietnamese readers write it (decimal comma, dots for thousands); "-" when missing.

    Whole numbers, ints or floats like 60.0, print without decimals; other floats with ``decimals``.
    """
    if value is None:
        return "-"
    f = float(value)
    if isinstance(value, int) or f.is_integer():
        return _vi_int(int(f))
    text = f"{f:,.{decimals}f}"
    if float(f"{f:.{decimals}f}") == 0:
        text = text.lstrip("-")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _vi_pct(value: float | None) -> str:
    """A percentage with one decimal, always (24,0 not 24)."""
    if value is None:
        return "-"
    text = f"{value:,.1f}".lstrip("-") if abs(value) < 0.05 else f"{value:,.1f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@dataclass(frozen=True)
class _Targets:
    """The bloc against the plan: yearly target and minimum youth share, and whether they are met."""

    ytd: int | None
    yearly_target: int
    achievement_pct: float | None
    target_met: str
    youth_share_pct: float | None
    min_youth_share_pct: float
    youth_met: str
    elapsed: int  # months of the year covered by the data
    due: float  # where an even pace would be by the cut-off: yearly target × elapsed / 12
    pace_met: str


def _targets(table: Table, meta: ExtractMeta) -> _Targets:
    ytd = table.total["ytd_admitted_total"]
    ytd_i = ytd if isinstance(ytd, int) else None
    pct = ytd_i / meta.yearly_target * 100 if ytd_i is not None and meta.yearly_target > 0 else None
    target_met = NO_DATA if ytd_i is None else MET if ytd_i >= meta.yearly_target else NOT_MET
    youth = table.total["youth_share_pct"]
    youth_f = float(youth) if isinstance(youth, int | float) else None
    # Compared at the shown precision, so 69.96 shown as 70.0 is not called short of 70.
    youth_met = NO_DATA if youth_f is None else MET if round(youth_f, 1) >= meta.min_youth_share_pct else NOT_MET
    elapsed = _cutoff_month(meta)
    due = meta.yearly_target * elapsed / 12
    pace_met = NO_DATA if ytd_i is None else MET if ytd_i >= due else NOT_MET
    return _Targets(
        ytd_i, meta.yearly_target, pct, target_met, youth_f, meta.min_youth_share_pct, youth_met, elapsed, due, pace_met
    )


# --- CSV ------------------------------------------------------------------------------------------


def write_csv(path: Path, rows: pd.DataFrame | Table, meta: ExtractMeta) -> None:
    """UTF-8 with BOM (Excel needs it for Vietnamese), CRLF, one header row, the bloc total last."""
    table = prepare(rows)
    cols = columns()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.flat_header(meta.year) for c in cols])
    writer.writerows(zip(*(_csv_column(table.values[c.key], c) for c in cols), strict=True))
    write_atomic(path, buf.getvalue().encode("utf-8-sig"))


def _csv_column(values: list[Value], col: Column) -> list[str]:
    if col.kind == "int":
        return ["" if v is None else str(v) for v in values]
    if col.kind == "pct":
        return ["" if v is None else _pct_text(float(v)) for v in values]
    return [neutralise(str(v)) if v is not None else "" for v in values]


# --- XLSX -----------------------------------------------------------------------------------------

_FONT = "Times New Roman"
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill("solid", fgColor="DDEBF7")
_TOTAL_FILL = PatternFill("solid", fgColor="E7E6E6")
BEHIND_FILL_RGB = "FCE4D6"  # Excel's light orange ("Orange, Accent 2, Lighter 80%")
_BEHIND_FILL = PatternFill("solid", fgColor=BEHIND_FILL_RGB)
_CENTER = Alignment(horizontal="center", vertical="center", wrap_text=True)
_LEFT = Alignment(horizontal="left", vertical="center", wrap_text=True)
_RIGHT = Alignment(horizontal="right", vertical="center")
_WIDTHS = {"stt": 5, "unit_type": 10, "unit_name": 52, "unit_code": 11, "parent_name": 30, "predecessors": 40}
_PCT_WIDTH, _INT_WIDTH = 10, 10
INT_FORMAT, PCT_FORMAT = "0", "0.0"

# Row layout: title rows, then the two header rows, then the units and the total.
HEADER_ROW = 10
FIRST_DATA_ROW = HEADER_ROW + 2


def write_xlsx(
    path: Path,
    rows: pd.DataFrame | Table,
    meta: ExtractMeta,
    revisions: Revisions | None = None,
    outlook: OutlookSection | None = None,
) -> None:
    """The extract as a workbook laid out like the plan's annex, ready to print on A4 landscape.

    ``revisions`` (a re-issued period, or revisions to earlier periods) add the sheet "Điều chỉnh số liệu";
    with ``outlook`` (quarters and halves) a sheet holds the early warning.
    """
    table = prepare(rows)
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = f"Kết quả {meta.period}"
    _xlsx_title(ws, meta)
    _xlsx_header(ws, meta)
    last_row, body = _xlsx_body(wb, table)
    _xlsx_footer(ws, table, meta, last_row + 2)
    _xlsx_page(ws, meta)
    if revisions:
        add_revision_sheet(wb, revisions, meta.period)
    if outlook is not None:
        from pdv.extracts.outlook_section import add_sheet

        add_sheet(wb, outlook, meta)
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.title = _clean_text(meta.title_vi)
    write_atomic(path, workbook_bytes(wb, rows=(FIRST_DATA_ROW, last_row, body)))


def _cell(ws: Worksheet, row: int, col: int) -> Cell:
    cell = ws.cell(row=row, column=col)
    if not isinstance(cell, Cell):
        raise TypeError(f"{cell.coordinate} is inside a merged range")
    return cell


def _text_cell(ws: Worksheet, row: int, col: int, text: str, font: Font | None = None) -> Cell:
    cell = _cell(ws, row, col)
    cell.value = neutralise(_clean_text(text))
    cell.data_type = "s"  # openpyxl would otherwise make "=..." a formula
    if font is not None:
        cell.font = font
    return cell


def _merged_text(
    ws: Worksheet, row: int, first: int, last: int, text: str, font: Font, align: Alignment = _CENTER
) -> None:
    cell = _text_cell(ws, row, first, text, font)
    cell.alignment = align
    if last > first:
        ws.merge_cells(start_row=row, start_column=first, end_row=row, end_column=last)


def _xlsx_title(ws: Worksheet, meta: ExtractMeta) -> None:
    ncol = len(columns())
    name_col = _col_index("unit_name")
    _merged_text(ws, 1, 1, name_col, BOARD_PARENT, Font(name=_FONT, size=12))
    _merged_text(ws, 2, 1, name_col, BOARD_NAME, Font(name=_FONT, size=12, bold=True))
    _merged_text(ws, 3, 1, name_col, "*", Font(name=_FONT, size=12))
    _merged_text(ws, 1, ncol - 6, ncol, PARTY_NAME, Font(name=_FONT, size=12, bold=True, underline="single"))
    _merged_text(ws, 4, 1, ncol, meta.title_vi.upper(), Font(name=_FONT, size=14, bold=True))
    ws.row_dimensions[4].height = 24
    italic = Font(name=_FONT, size=12, italic=True)
    _merged_text(ws, 5, 1, ncol, f"Kỳ báo cáo: {period_label(meta)}", italic)
    _merged_text(ws, 6, 1, ncol, f"Số liệu đến tháng {meta.data_cutoff}", italic)
    _merged_text(ws, 7, 1, ncol, f"Theo kế hoạch số {meta.plan_no}", italic)
    _merged_text(ws, 8, 1, ncol, f"Cơ cấu đơn vị: {VIEW_VI[meta.view]}", italic)


def _col_index(key: str) -> int:
    return [c.key for c in columns()].index(key) + 1


def _groups(cols: Sequence[Column], year: int) -> list[tuple[str, int, int]]:
    """Runs of adjacent columns under the same group: (group, first index, last index), 0-based."""
    runs: list[tuple[str, int, int]] = []
    for i, c in enumerate(cols):
        g = c.group(year)
        if runs and g and runs[-1][0] == g and runs[-1][2] == i - 1:
            runs[-1] = (g, runs[-1][1], i)
        else:
            runs.append((g, i, i))
    return runs


def _xlsx_header(ws: Worksheet, meta: ExtractMeta) -> None:
    cols = columns()
    font = Font(name=_FONT, size=11, bold=True)
    top, sub = HEADER_ROW, HEADER_ROW + 1
    for i in range(len(cols)):
        for r in (top, sub):
            cell = _cell(ws, r, i + 1)
            cell.border = _BORDER
            cell.fill = _HEADER_FILL
            cell.alignment = _CENTER
            cell.font = font
    for group, first, last in _groups(cols, meta.year):
        if group:
            _text_cell(ws, top, first + 1, group, font)
            if last > first:
                ws.merge_cells(start_row=top, start_column=first + 1, end_row=top, end_column=last + 1)
            for i in range(first, last + 1):
                _text_cell(ws, sub, i + 1, cols[i].header_vi, font)
        else:  # a column without a group spans both header rows, as in the annex
            _text_cell(ws, top, first + 1, cols[first].header_vi, font)
            ws.merge_cells(start_row=top, start_column=first + 1, end_row=sub, end_column=first + 1)
    ws.row_dimensions[top].height = 33
    ws.row_dimensions[sub].height = 48
    for i, c in enumerate(cols, start=1):
        width = _WIDTHS.get(c.key, _PCT_WIDTH if c.kind == "pct" else _INT_WIDTH)
        ws.column_dimensions[get_column_letter(i)].width = width
    # Frozen below the header and right of the unit name: both stay in view while scrolling.
    # A coordinate, not ws.cell(): a cell there would make openpyxl write a row where the body goes.
    ws.freeze_panes = f"{get_column_letter(_col_index('unit_name') + 1)}{FIRST_DATA_ROW}"


def _body_styles(wb: Workbook) -> list[tuple[int, int, int]]:
    """Style ids of each column's cells in a plain, a behind-schedule and the total row.

    The styles are made on cells of a scratch sheet: the ids live in the workbook, and the body's
    rows are written as XML (``_xlsx_body``), not as openpyxl cells.
    """
    scratch = wb.create_sheet()
    plain = Font(name=_FONT, size=11)
    bold = Font(name=_FONT, size=11, bold=True)
    ids: list[tuple[int, int, int]] = []
    for i, c in enumerate(columns(), start=1):
        kinds: list[int] = []
        for row, (font, fill) in enumerate(((plain, None), (plain, _BEHIND_FILL), (bold, _TOTAL_FILL)), start=1):
            cell = _cell(scratch, row, i)
            if c.kind == "text":
                cell.alignment = _CENTER if c.key in ("unit_type", "unit_code") else _LEFT
            else:
                cell.number_format = PCT_FORMAT if c.kind == "pct" else INT_FORMAT
                cell.alignment = _CENTER if c.key == "stt" else _RIGHT
            cell.font = font
            cell.border = _BORDER
            if fill is not None:
                cell.fill = fill
            kinds.append(wb._cell_styles.add(copy(cell._style)))  # type: ignore[attr-defined]
        ids.append((kinds[0], kinds[1], kinds[2]))
    wb.remove(scratch)
    return ids


def _xlsx_body(wb: Workbook, table: Table) -> tuple[int, bytes]:
    """The units and the total as ``<row>`` XML, and the last row's number.

    Written as text rather than openpyxl cells: at national scale (tens of thousands of units, a
    million cells) openpyxl's per-cell objects made the extract take half a minute.
    """
    cols = columns()
    styles = _body_styles(wb)
    n = len(table)
    numbers = range(FIRST_DATA_ROW, FIRST_DATA_ROW + n)
    kinds = [1 if b else 0 for b in table.behind[:-1]] + [2]
    cells: list[list[str]] = []
    for i, c in enumerate(cols):
        letter, ids, values = get_column_letter(i + 1), styles[i], table.values[c.key]
        if c.kind == "text":
            # Inline strings: "t=s" would need a shared-string table; neutralise() as Excel may still run "=...".
            cells.append(
                [
                    f'<c r="{letter}{r}" s="{ids[k]}" t="inlineStr"><is><t xml:space="preserve">'
                    f"{_e(neutralise(str(v)))}</t></is></c>"
                    if v
                    else f'<c r="{letter}{r}" s="{ids[k]}" t="inlineStr"/>'
                    for r, k, v in zip(numbers, kinds, values, strict=True)
                ]
            )
        else:
            cells.append(
                [
                    f'<c r="{letter}{r}" s="{ids[k]}" t="n"><v>{v:.16g}</v></c>'  # as openpyxl writes numbers
                    if v is not None
                    else f'<c r="{letter}{r}" s="{ids[k]}" t="n"/>'
                    for r, k, v in zip(numbers, kinds, values, strict=True)
                ]
            )
    # Spreadsheets do not fit row heights: give wrapped long names the lines they need.
    name_width = _WIDTHS["unit_name"]
    lines = (
        max(1, math.ceil(max(len(str(name or "")), len(str(pred or "")) * name_width // 40) / (name_width * 1.05)))
        for name, pred in zip(table.values["unit_name"], table.values["predecessors"], strict=True)
    )
    heights = [f' ht="{15 * h + 2}" customHeight="1"' if h > 1 else "" for h in lines]
    rows = (
        f'<row r="{r}"{h}>{"".join(row)}</row>'
        for r, h, row in zip(numbers, heights, zip(*cells, strict=True), strict=True)
    )
    return FIRST_DATA_ROW + n - 1, "".join(rows).encode("utf-8")


def _xlsx_footer(ws: Worksheet, table: Table, meta: ExtractMeta, row: int) -> None:
    plain = Font(name=_FONT, size=11)
    bold = Font(name=_FONT, size=11, bold=True)
    italic = Font(name=_FONT, size=11, italic=True)
    name_col = _col_index("unit_name")
    # Legend for the highlight.
    swatch = ws.cell(row=row, column=name_col - 1)
    swatch.fill = _BEHIND_FILL
    swatch.border = _BORDER
    _text_cell(ws, row, name_col, f"{BEHIND_LEGEND} (tô nền màu cam)", italic)
    # The bloc against the plan: requirement, result so far, verdict.
    t = _targets(table, meta)
    top = row + 2
    headers = [f"Chỉ tiêu của Khối theo Kế hoạch số {meta.plan_no}", "Yêu cầu", "Thực hiện", "Đánh giá"]
    for j, text in enumerate(headers):
        cell = _text_cell(ws, top, name_col + j, text, bold)
        cell.alignment = _CENTER
        cell.fill = _HEADER_FILL
    _verdict_span(ws, top, name_col + 3)
    lines: list[tuple[str, Value, Value, str, str]] = [
        (
            f"Số đảng viên kết nạp trong năm {meta.year} (lũy kế đến tháng {meta.data_cutoff})",
            t.yearly_target,
            t.ytd,
            f"{t.target_met} ({_vi_pct(t.achievement_pct)}%)" if t.achievement_pct is not None else t.target_met,
            INT_FORMAT,
        ),
        (
            "Tỷ lệ đoàn viên thanh niên trong số đảng viên mới kết nạp (%, tối thiểu)",
            t.min_youth_share_pct,
            t.youth_share_pct,
            t.youth_met,
            PCT_FORMAT,
        ),
    ]
    if t.elapsed < 12:  # before December the year's target cannot be met yet: say whether the pace is right
        lines.insert(
            1,
            (
                f"Tiến độ cần đạt đến tháng {meta.data_cutoff} (chỉ tiêu năm × {t.elapsed}/12)",
                int(t.due) if float(t.due).is_integer() else round(t.due, 1),
                t.ytd,
                {MET: "Đúng tiến độ", NOT_MET: "Chậm tiến độ"}.get(t.pace_met, t.pace_met),
                INT_FORMAT if float(t.due).is_integer() else PCT_FORMAT,
            ),
        )
    for k, (label, required, actual, verdict, fmt) in enumerate(lines, start=1):
        r = top + k
        _text_cell(ws, r, name_col, label, plain).alignment = _LEFT
        for j, value in ((1, required), (2, actual)):
            cell = _cell(ws, r, name_col + j)
            cell.value = value
            cell.number_format = fmt
            cell.font = plain
            cell.alignment = _RIGHT
        _text_cell(ws, r, name_col + 3, verdict, bold).alignment = _CENTER
        _verdict_span(ws, r, name_col + 3)
        ws.row_dimensions[r].height = 32
    note = "Đánh giá theo số lũy kế từ đầu năm đến hết kỳ báo cáo; chỉ tiêu năm được đánh giá đầy đủ khi kết thúc năm."
    _text_cell(ws, top + len(lines) + 1, name_col, note, italic)


def _verdict_span(ws: Worksheet, row: int, verdict_col: int) -> None:
    """Borders on the block's row and the verdict over two columns (a verdict with its % needs the width)."""
    for col in range(verdict_col - 3, verdict_col + 2):
        _cell(ws, row, col).border = _BORDER
    ws.merge_cells(start_row=row, start_column=verdict_col, end_row=row, end_column=verdict_col + 1)


def _xlsx_page(ws: Worksheet, meta: ExtractMeta) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    ws.sheet_properties.pageSetUpPr = PageSetupProperties(fitToPage=True)
    ws.print_title_rows = f"{HEADER_ROW}:{HEADER_ROW + 1}"
    ws.page_margins.left = ws.page_margins.right = 0.4
    ws.page_margins.top = ws.page_margins.bottom = 0.5
    ws.print_options.horizontalCentered = True
    footer = ws.oddFooter
    if footer is not None:
        footer.center.text = "Trang &P / &N"
        footer.right.text = _clean_text(meta.period)


# --- HTML -----------------------------------------------------------------------------------------

_ACHIEVED = "#1f5fa8"
_BEHIND = "#e0701b"
_TARGET = "#d3dce8"
_TARGET_LINE = "#b3261e"
_MONTH_BAR = "#a9c8e8"
_GRID = "#e3e7ee"
_AXIS = "#8a96a3"
_INK = "#1d2733"
_MUTED = "#5b6776"
_LABEL_CHARS = 60  # unit names longer than this are shortened in the chart (full name in the tooltip)


def _e(value: object) -> str:
    return html.escape(str(value), quote=True)


def write_html(
    path: Path,
    rows: pd.DataFrame | Table,
    monthly: pd.DataFrame,
    meta: ExtractMeta,
    revisions: Revisions | None = None,
    outlook: OutlookSection | None = None,
) -> None:
    """One self-contained, offline page: key figures, two inline SVG charts and the table of units.

    With ``outlook`` (quarters and halves) a fourth section gives the early warning.
    """
    table = prepare(rows)
    months = _prepare_monthly(monthly)
    t = _targets(table, meta)
    behind_count = sum(table.behind[:-1])
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(meta.title_vi)} - {_e(meta.period)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        _html_header(meta),
        _html_figures(table, meta, t, behind_count),
        '<section class="chart chart-units">',
        f"<h2>1. Chỉ tiêu năm {meta.year} và kết quả kết nạp lũy kế theo đơn vị</h2>",
        _svg_units(table, meta),
        "</section>",
        '<section class="chart chart-months">',
        f"<h2>2. Kết nạp đảng viên lũy kế của Khối theo tháng so với chỉ tiêu {_e(_vi_int(meta.yearly_target))}"
        " đảng viên/năm</h2>",
        _svg_months(months, meta),
        "</section>",
        '<section class="units">',
        "<h2>3. Kết quả theo đơn vị</h2>",
        _html_table(table, meta),
        f'<p class="legend"><span class="swatch behind"></span>{_e(BEHIND_LEGEND)} ({behind_count} đơn vị).</p>',
        '<p class="note">% đạt chỉ tiêu = số kết nạp lũy kế từ đầu năm / chỉ tiêu năm × 100 (để trống khi đơn vị'
        " không được giao chỉ tiêu). Tỷ lệ ĐVTN = số đoàn viên thanh niên / tổng số kết nạp lũy kế × 100.</p>",
        "</section>",
        *([revision_section(revisions, meta.period)] if revisions else []),
        "</body>",
        "</html>",
        "",
    ]
    if outlook is not None:
        from pdv.extracts.outlook_section import CSS, html_section

        parts[parts.index("</body>") : parts.index("</body>")] = [html_section(outlook, meta)]
        parts[parts.index(f"<style>{_CSS}</style>")] = f"<style>{_CSS}{CSS}</style>"
    write_atomic(path, "\n".join(parts).encode("utf-8"))


@dataclass(frozen=True)
class _Month:
    month: int
    admitted: int
    cumulative: int
    target: float


def _prepare_monthly(monthly: pd.DataFrame) -> list[_Month]:
    missing = [c for c in MONTHLY_COLUMNS if c not in monthly.columns]
    if missing:
        raise ValueError(f"monthly lacks the columns {missing}")
    frame = monthly.sort_values("month", kind="stable").reset_index(drop=True)
    admitted = _ints(frame["admitted_total"], "admitted_total")
    cumulative = _ints(frame["cumulative"], "cumulative")
    target = _floats(frame["target_cumulative"], "target_cumulative")
    out: list[_Month] = []
    for i, m in enumerate(frame["month"].tolist()):
        match = _MONTH.match(str(m))
        if match is None:
            raise ValueError(f"monthly: month {m!r} is not 'YYYY-MM'")
        a, c, tg = admitted[i], cumulative[i], target[i]
        out.append(
            _Month(
                int(match.group(2)),
                a if isinstance(a, int) else 0,
                c if isinstance(c, int) else 0,
                float(tg) if isinstance(tg, int | float) else 0.0,
            )
        )
    return out


def _html_header(meta: ExtractMeta) -> str:
    return (
        "<header>"
        '<div class="org">'
        f'<div><span class="parent">{_e(BOARD_PARENT)}</span><br><strong>{_e(BOARD_NAME)}</strong></div>'
        f'<div class="party">{_e(PARTY_NAME)}</div>'
        "</div>"
        f"<h1>{_e(meta.title_vi)}</h1>"
        '<dl class="meta">'
        f"<div><dt>Kỳ báo cáo</dt><dd>{_e(period_label(meta))}</dd></div>"
        f"<div><dt>Số liệu đến tháng</dt><dd>{_e(meta.data_cutoff)}</dd></div>"
        f"<div><dt>Theo kế hoạch số</dt><dd>{_e(meta.plan_no)}</dd></div>"
        f"<div><dt>Cơ cấu đơn vị</dt><dd>{_e(VIEW_VI[meta.view])}</dd></div>"
        "</dl>"
        "</header>"
    )


def _status(verdict: str, wording: dict[str, str] | None = None) -> str:
    cls = {MET: "ok", NOT_MET: "warn"}.get(verdict, "na")
    return f'<span class="status {cls}">{_e((wording or {}).get(verdict, verdict))}</span>'


def _html_figures(table: Table, meta: ExtractMeta, t: _Targets, behind: int) -> str:
    total = table.total

    def n(key: str) -> int | None:
        v = total[key]
        return v if isinstance(v, int) else None

    expected, received, on_time, errors = (
        n("reports_expected"),
        n("reports_received"),
        n("reports_on_time"),
        n("open_errors"),
    )
    allocated = n("target_total")
    alloc_pct = total["achievement_pct"]
    cards = [
        (
            "Kết nạp lũy kế từ đầu năm",
            f"{_vi_num(t.ytd)} <small>/ {_vi_int(t.yearly_target)}</small>",
            f"Chỉ tiêu năm của Khối: {_vi_int(t.yearly_target)} đảng viên"
            + (f"; tiến độ cần đạt đến tháng {meta.data_cutoff}: {_vi_num(round(t.due, 1))}" if t.elapsed < 12 else ""),
            _status(t.target_met)
            if t.elapsed == 12
            else _status(t.target_met, {MET: "Đạt chỉ tiêu năm", NOT_MET: "Chưa đạt chỉ tiêu năm"})
            + _status(t.pace_met, {MET: "Đúng tiến độ", NOT_MET: "Chậm tiến độ"}),
        ),
        (
            "Tỷ lệ đạt chỉ tiêu năm",
            f"{_vi_pct(t.achievement_pct)}%",
            f"So với tổng chỉ tiêu giao các đơn vị ({_vi_num(allocated)}): "
            f"{_vi_pct(alloc_pct if isinstance(alloc_pct, float) else None)}%",
            "",
        ),
        (
            "Tỷ lệ đoàn viên thanh niên",
            f"{_vi_pct(t.youth_share_pct)}%",
            f"Yêu cầu tối thiểu {_vi_pct(t.min_youth_share_pct)}%",
            _status(t.youth_met),
        ),
        (
            "Báo cáo tháng đã nhận",
            f"{_vi_num(received)} <small>/ {_vi_num(expected)}</small>",
            f"Đã nhận {_vi_pct(_share(received, expected))}% số báo cáo phải nộp",
            "",
        ),
        (
            "Báo cáo đúng hạn",
            f"{_vi_num(on_time)}",
            f"{_vi_pct(_share(on_time, received))}% số báo cáo đã nhận",
            "",
        ),
        (
            "Lỗi dữ liệu chưa xử lý",
            f"{_vi_num(errors)}",
            f"Đơn vị chậm tiến độ: {behind}/{len(table.units)}",
            "",
        ),
    ]
    items = "".join(
        f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{value}</div>'
        f'<div class="sub">{_e(sub)}</div>{status}</div>'
        for label, value, sub, status in cards
    )
    return f'<section class="figures">{items}</section>'


def _share(part: int | None, whole: int | None) -> float | None:
    return part / whole * 100 if part is not None and whole else None


def _nice_ticks(vmax: float, count: int = 6) -> list[int]:
    """Round tick values from 0 covering ``vmax`` (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    vmax = max(vmax, 1.0)
    raw = vmax / count
    mag = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    steps = (1, 2, 2.5, 5, 10) if mag >= 10 else (1, 2, 5, 10)  # 2.5 only where it stays a whole number
    step = next(m * mag for m in steps if m * mag >= raw)
    top = math.ceil(vmax / step) * step
    return list(range(0, int(top) + 1, int(step)))


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    # Prefer a word boundary when one is near, so a name is not cut mid-word.
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip(" -,") + "…"


def _svg_attrs(**attrs: object) -> str:
    return "".join(f' {k.replace("_", "-")}="{_e(v)}"' for k, v in attrs.items())


def _svg_text(x: float, y: float, text: str, **attrs: object) -> str:
    return _svg_at(x, y, text, _svg_attrs(**attrs))


def _svg_at(x: float, y: float, text: str, attrs: str) -> str:
    """``_svg_text`` with its attributes already written (``_svg_attrs``): for a row per unit."""
    return f'<text x="{x:.1f}" y="{y:.1f}"{attrs}>{_e(text)}</text>'


def _legend(x: float, y: float, items: Iterable[tuple[str, str]]) -> list[str]:
    """Legend swatches in one row; item = (svg shape for a 16x10 box at the origin, label)."""
    out: list[str] = []
    for shape, label in items:
        out.append(f'<g transform="translate({x:.1f},{y - 9:.1f})">{shape}</g>')
        out.append(_svg_text(x + 22, y, label, font_size=12, fill=_INK))
        x += 22 + 7.2 * len(label) + 26
    return out


def _svg_units(table: Table, meta: ExtractMeta) -> str:
    """Horizontal bars per unit: the year's target behind, the year-to-date admissions in front."""
    units = table.units
    width, label_right, x0 = 1200, 470, 480
    x1 = width - 110  # room for the value labels right of the longest bar
    top, row_h = 64, 22
    plot_h = row_h * len(units)
    height = top + plot_h + 44

    def num(rec: dict[str, Value], key: str) -> int:
        v = rec[key]
        return v if isinstance(v, int) else 0

    vmax = max([max(num(u, "target_total"), num(u, "ytd_admitted_total")) for u in units] + [1])
    ticks = _nice_ticks(vmax, 8)
    scale = (x1 - x0) / ticks[-1]

    def sx(v: float) -> float:
        return x0 + v * scale

    out = [
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="c1t" '
        'preserveAspectRatio="xMidYMin meet">',
        f'<title id="c1t">Chỉ tiêu năm {meta.year} và số kết nạp lũy kế của {len(units)} đơn vị</title>',
    ]
    # Where a unit should be by the cut-off at an even pace; drawn only before December, where it is the target.
    elapsed = _cutoff_month(meta)
    legend = [
        (f'<rect width="16" height="12" y="-1" fill="{_TARGET}"/>', f"Chỉ tiêu năm {meta.year}"),
        (f'<rect width="16" height="8" y="1" fill="{_ACHIEVED}"/>', "Kết nạp lũy kế (đúng tiến độ)"),
        (f'<rect width="16" height="8" y="1" fill="{_BEHIND}"/>', "Kết nạp lũy kế (chậm tiến độ)"),
    ]
    if elapsed < 12:
        legend.append(
            (
                f'<rect x="7" y="-3" width="2" height="16" fill="{_INK}"/>',
                f"Mức cần đạt đến tháng {elapsed}/{meta.year}",
            )
        )
    out += _legend(20, 20, legend)
    for i in range(0, len(units), 2):  # zebra stripes guide the eye from a label to its bar
        out.append(f'<rect x="0" y="{top + i * row_h}" width="{width}" height="{row_h}" fill="#f4f6f9"/>')
    for tick in ticks:
        x = sx(tick)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{_GRID}"/>')
        for y in (top - 8, top + plot_h + 16):
            out.append(_svg_text(x, y, str(tick), font_size=11, fill=_MUTED, text_anchor="middle"))
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{top + plot_h}" stroke="{_AXIS}"/>')
    label_attrs = _svg_attrs(font_size=12, fill=_INK, text_anchor="end")
    value_attrs = {
        True: _svg_attrs(font_size=11, fill=_BEHIND, font_weight="bold"),
        False: _svg_attrs(font_size=11, fill=_MUTED, font_weight="normal"),
    }
    for i, (u, behind) in enumerate(zip(units, table.behind, strict=False)):
        y = top + i * row_h
        target, ytd = num(u, "target_total"), num(u, "ytd_admitted_total")
        name = str(u["unit_name"] or "")
        stt = u["stt"]
        label = f"{stt}. {name}" if stt is not None else name
        pct = u["achievement_pct"]
        pct_text = f" ({_vi_num(float(pct), 0)}%)" if isinstance(pct, float) else ""
        tip = f"{label}: kết nạp lũy kế {ytd}/chỉ tiêu {target}{pct_text}" + (" - chậm tiến độ" if behind else "")
        colour = _BEHIND if behind else _ACHIEVED
        out.append(f'<g class="{"behind" if behind else "unit"}"><title>{_e(tip)}</title>')
        out.append(_svg_at(label_right, y + 15, _shorten(label, _LABEL_CHARS), label_attrs))
        if target:
            out.append(f'<rect x="{x0}" y="{y + 4}" width="{target * scale:.1f}" height="14" fill="{_TARGET}"/>')
        if ytd:
            out.append(f'<rect x="{x0}" y="{y + 7}" width="{ytd * scale:.1f}" height="8" fill="{colour}"/>')
        if target and elapsed < 12:
            due = sx(target * elapsed / 12)
            out.append(f'<rect x="{due - 1:.1f}" y="{y + 2}" width="2" height="18" fill="{_INK}"/>')
        value = f"{ytd}/{target}{pct_text}"
        out.append(_svg_at(sx(max(target, ytd)) + 6, y + 15, value, value_attrs[behind]))
        out.append("</g>")
    out.append(
        _svg_text(
            (x0 + x1) / 2,
            top + plot_h + 36,
            "Số đảng viên (kết nạp lũy kế / chỉ tiêu năm)",
            font_size=12,
            fill=_MUTED,
            text_anchor="middle",
        )
    )
    out.append("</svg>")
    return "\n".join(out)


def _svg_months(months: list[_Month], meta: ExtractMeta) -> str:
    """The bloc's cumulative admissions per month (line) against the cumulative target (dashed line).

    Under the axis two rows give every month's figures, so a point label that would collide with the target
    line or the axis can be left out without losing a number.
    """
    width, height = 1200, 480
    x0, x1, top, bottom = 120, width - 170, 56, height - 104
    out = [
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="c2t" '
        'preserveAspectRatio="xMidYMin meet">',
        f'<title id="c2t">Kết nạp lũy kế của Khối theo tháng năm {meta.year} so với chỉ tiêu lũy kế</title>',
    ]
    out += _legend(
        x0,
        22,
        [
            (
                f'<line x1="0" y1="5" x2="16" y2="5" stroke="{_ACHIEVED}" stroke-width="3"/>'
                f'<circle cx="8" cy="5" r="3.5" fill="{_ACHIEVED}"/>',
                "Kết nạp lũy kế",
            ),
            (
                f'<line x1="0" y1="5" x2="16" y2="5" stroke="{_TARGET_LINE}" stroke-width="2" stroke-dasharray="5 3"/>',
                f"Chỉ tiêu lũy kế ({_vi_int(meta.yearly_target)} × số tháng / 12)",
            ),
            (f'<rect width="16" height="10" fill="{_MONTH_BAR}"/>', "Kết nạp trong tháng"),
        ],
    )
    if not months:
        out.append(_svg_text(width / 2, height / 2, NO_DATA, font_size=14, fill=_MUTED, text_anchor="middle"))
        out.append("</svg>")
        return "\n".join(out)
    vmax = max(max(m.cumulative, m.target, m.admitted) for m in months)
    ticks = _nice_ticks(vmax * 1.08, 6)  # headroom for the label above the highest point
    plot_h = bottom - top
    band = (x1 - x0) / len(months)

    def sy(v: float) -> float:
        return bottom - plot_h * v / ticks[-1]

    def sx(i: int) -> float:
        return x0 + band * (i + 0.5)

    for tick in ticks:
        y = sy(tick)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="{_GRID}"/>')
        out.append(f'<line x1="{x0 - 5}" y1="{y:.1f}" x2="{x0}" y2="{y:.1f}" stroke="{_AXIS}"/>')
        out.append(_svg_text(x0 - 9, y + 4, _vi_int(tick), font_size=12, fill=_MUTED, text_anchor="end"))
    # Row titles of the figures under the axis, in the y-axis margin.
    rows_y = (bottom + 20, bottom + 40, bottom + 58)
    out.append(_svg_text(x0 - 9, rows_y[1], "Trong tháng", font_size=11, fill=_MUTED, text_anchor="end"))
    out.append(_svg_text(x0 - 9, rows_y[2], "Lũy kế", font_size=11, fill=_ACHIEVED, text_anchor="end"))
    bar_w = min(band * 0.5, 46)
    for i, m in enumerate(months):
        x = sx(i)
        if m.admitted:
            tip = f"Tháng {m.month}/{meta.year}: kết nạp {m.admitted}"
            out.append(
                f'<rect x="{x - bar_w / 2:.1f}" y="{sy(m.admitted):.1f}" width="{bar_w:.1f}" '
                f'height="{bottom - sy(m.admitted):.1f}" fill="{_MONTH_BAR}"><title>{_e(tip)}</title></rect>'
            )
        out.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}" stroke="{_AXIS}"/>')
        out.append(_svg_text(x, rows_y[0], f"T{m.month}", font_size=12, fill=_INK, text_anchor="middle"))
        out.append(_svg_text(x, rows_y[1], f"+{m.admitted}", font_size=11, fill=_MUTED, text_anchor="middle"))
        out.append(
            _svg_text(
                x, rows_y[2], str(m.cumulative), font_size=11, font_weight="bold", fill=_ACHIEVED, text_anchor="middle"
            )
        )
    out.append(f'<line x1="{x0}" y1="{bottom}" x2="{x1}" y2="{bottom}" stroke="{_AXIS}"/>')
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="{_AXIS}"/>')
    target_pts = " ".join(f"{sx(i):.1f},{sy(m.target):.1f}" for i, m in enumerate(months))
    actual_pts = " ".join(f"{sx(i):.1f},{sy(m.cumulative):.1f}" for i, m in enumerate(months))
    out.append(
        f'<polyline points="{target_pts}" fill="none" stroke="{_TARGET_LINE}" stroke-width="2" stroke-dasharray="7 4"/>'
    )
    out.append(f'<polyline points="{actual_pts}" fill="none" stroke="{_ACHIEVED}" stroke-width="3"/>')
    for i, m in enumerate(months):
        x, y, y_target = sx(i), sy(m.cumulative), sy(m.target)
        tip = f"Tháng {m.month}/{meta.year}: lũy kế {m.cumulative}, chỉ tiêu lũy kế {_vi_num(m.target)}"
        out.append(f'<circle cx="{x:.1f}" cy="{y_target:.1f}" r="3" fill="{_TARGET_LINE}"/>')
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{_ACHIEVED}" stroke="#fff"><title>{_e(tip)}</title></circle>'
        )
        baseline = _point_label_y(y, y_target, top, bottom)
        if baseline is not None and i < len(months) - 1:  # the last point has its end label
            out.append(
                _svg_text(
                    x,
                    baseline,
                    str(m.cumulative),
                    font_size=12,
                    font_weight="bold",
                    fill=_ACHIEVED,
                    text_anchor="middle",
                    stroke="#fff",
                    stroke_width=3,
                    paint_order="stroke",
                )
            )
    # End labels right of the last point, pushed apart when the two lines end close together.
    last = months[-1]
    y_act, y_tgt = sy(last.cumulative) + 4, sy(last.target) + 4
    if abs(y_act - y_tgt) < 16:
        mid = (y_act + y_tgt) / 2
        y_act, y_tgt = (mid - 8, mid + 8) if last.cumulative >= last.target else (mid + 8, mid - 8)
    end_x = sx(len(months) - 1) + 12
    out.append(
        _svg_text(end_x, y_act, f"Thực hiện: {last.cumulative}", font_size=12, font_weight="bold", fill=_ACHIEVED)
    )
    out.append(_svg_text(end_x, y_tgt, f"Chỉ tiêu: {_vi_num(last.target)}", font_size=12, fill=_TARGET_LINE))
    out.append(
        _svg_text(
            (x0 + x1) / 2, height - 10, f"Tháng (năm {meta.year})", font_size=12, fill=_MUTED, text_anchor="middle"
        )
    )
    out.append(
        f'<text transform="translate(24,{(top + bottom) / 2:.1f}) rotate(-90)" font-size="12" fill="{_MUTED}" '
        'text-anchor="middle">Số đảng viên</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


def _point_label_y(y: float, y_target: float, top: float, bottom: float) -> float | None:
    """Baseline for a point's value label, above or else below it, clear of the target line and the axis; or None.

    The label is about 12 px tall; the target line may slope by a few pixels across its width, hence the margin.
    """
    above = (y - 22, y - 8)  # (top, bottom) of the label's box
    below = (y + 8, y + 22)
    margin = 6
    for box in (above, below):
        clear_of_target = box[1] + margin < y_target or box[0] - margin > y_target
        if clear_of_target and box[0] > top and box[1] < bottom - 4:
            return box[1] - 2
    return None


def _html_table(table: Table, meta: ExtractMeta) -> str:
    cols = columns()
    head_top: list[str] = []
    head_sub: list[str] = []
    for group, first, last in _groups(cols, meta.year):
        if group:
            head_top.append(f'<th colspan="{last - first + 1}" scope="colgroup">{_e(group)}</th>')
            head_sub += [f'<th scope="col">{_e(cols[i].header_vi)}</th>' for i in range(first, last + 1)]
        else:
            head_top.append(f'<th rowspan="2" scope="col" class="c-{cols[first].key}">{_e(cols[first].header_vi)}</th>')
    # Built column by column: tens of thousands of rows at national scale.
    columns_html: list[list[str]] = []
    for c in cols:
        values = table.values[c.key]
        if c.kind == "text":
            cells = [html.escape(str(v or "")) for v in values]
        elif c.kind == "pct":
            cells = ["" if v is None else _vi_pct(float(v)) for v in values]
        else:
            cells = ["" if v is None else str(v) for v in values]
        td = f'<td class="{"t" if c.kind == "text" else "n"} c-{c.key}">'
        columns_html.append([f"{td}{v}</td>" for v in cells])
    kinds = [' class="behind"' if b else "" for b in table.behind[:-1]] + [' class="total"']
    body = [f"<tr{k}>{''.join(row)}</tr>" for k, row in zip(kinds, zip(*columns_html, strict=True), strict=True)]
    return (
        '<table id="units">'
        f"<thead><tr>{''.join(head_top)}</tr><tr>{''.join(head_sub)}</tr></thead>"
        f"<tbody>\n{chr(10).join(body)}\n</tbody>"
        "</table>"
    )


_CSS = """
:root { --ink: #1d2733; --muted: #5b6776; --line: #d5dbe3; --accent: #b3261e; --behind: #fde6d4; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1360px; padding: 24px 28px 40px; color: var(--ink); background: #fff;
  font: 14px/1.45 "Segoe UI", Arial, "Liberation Sans", "DejaVu Sans", "Noto Sans", sans-serif; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 18px; }
.org { display: flex; justify-content: space-between; font-size: 13px; text-transform: uppercase; }
.org div:first-child { text-align: center; }
.org .party { font-weight: bold; text-decoration: underline; }
h1 { font-size: 24px; margin: 14px 0 8px; text-align: center; color: var(--accent); }
h2 { font-size: 17px; margin: 26px 0 10px; padding-left: 10px; border-left: 4px solid var(--accent); }
dl.meta { display: flex; flex-wrap: wrap; justify-content: center; gap: 6px 28px; margin: 0; font-size: 13px; }
dl.meta div { display: flex; gap: 6px; }
dl.meta dt { color: var(--muted); }
dl.meta dt::after { content: ":"; }
dl.meta dd { margin: 0; font-weight: 600; }
.figures { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: #f8fafc;
  break-inside: avoid; }
.card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .02em; }
.card .value { font-size: 28px; font-weight: 700; margin: 2px 0; }
.card .value small { font-size: 16px; color: var(--muted); font-weight: 600; }
.card .sub { font-size: 12px; color: var(--muted); }
.status { display: inline-block; margin: 6px 6px 0 0; padding: 1px 10px; border-radius: 10px; font-size: 12px;
  font-weight: 700; }
.status.ok { background: #dcefdc; color: #1b5e20; }
.status.warn { background: #fde2cc; color: #8a3b00; }
.status.na { background: #eceff3; color: var(--muted); }
.chart svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 11.5px; }
th, td { border: 1px solid var(--line); padding: 3px 4px; }
thead th { background: #e6eef7; font-weight: 600; vertical-align: middle; text-align: center; }
thead { display: table-header-group; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.c-stt, td.c-unit_type, td.c-unit_code { text-align: center; white-space: nowrap; }
td.c-unit_name { min-width: 210px; }
td.c-predecessors { font-size: 11px; color: var(--muted); min-width: 120px; }
tbody tr:nth-child(even) { background: #f7f9fb; }
tbody tr.behind { background: var(--behind); }
tbody tr.total { background: #e7e6e6; font-weight: 700; }
tr { break-inside: avoid; }
.legend { font-size: 12px; margin: 8px 0 2px; }
.swatch { display: inline-block; width: 22px; height: 12px; margin-right: 6px; vertical-align: -1px;
  border: 1px solid #e0a77a; }
.swatch.behind { background: var(--behind); }
.note { font-size: 12px; color: var(--muted); margin: 2px 0; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .figures { grid-template-columns: repeat(6, 1fr); gap: 6px; }
  .card .value { font-size: 20px; }
  .chart-months, .figures { break-inside: avoid; }
  .chart-months, .units { break-before: page; }
  table { font-size: 7.5pt; }
  th, td { padding: 2px 3px; }
  thead th { font-size: 7pt; }
  td.c-unit_name { min-width: 150px; }
  td.c-predecessors { min-width: 90px; font-size: 7pt; }
  h2 { margin-top: 8px; }
}
"""
