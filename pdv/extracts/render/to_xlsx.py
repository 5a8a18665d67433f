"""The extract as XLSX, laid out like the plan's annex."""

from __future__ import annotations

from copy import copy
from pathlib import Path
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.compute as pc
from openpyxl import Workbook
from openpyxl.cell.cell import Cell
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from pdv.extracts.render import cells
from pdv.extracts.revisions import Revisions
from pdv.extracts.revisions import add_sheet as add_revision_sheet
from pdv.xlsxio import workbook_bytes, write_atomic

if TYPE_CHECKING:
    from pdv.extracts.outlook_section import OutlookSection

from pdv.extracts.render.table import (
    AUTHOR,
    BEHIND_LEGEND,
    BOARD_NAME,
    BOARD_PARENT,
    MET,
    NOT_MET,
    PARTY_NAME,
    VIEW_VI,
    ExtractMeta,
    Table,
    Value,
    _clean_text,
    _groups,
    _targets,
    _vi_pct,
    columns,
    is_large,
    neutralise,
    period_label,
    prepare,
)

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
    wb.remove(wb.worksheets[0])
    # More than LARGE_UNITS units (a national extract): the first sheet sums them by parent committee,
    # in the same layout, and the units follow on their own sheet.
    if is_large(table):
        sheets = [(f"Tổng hợp {meta.period}", table.parents), (f"Chi tiết đơn vị {meta.period}", table)]
    else:
        sheets = [(f"Kết quả {meta.period}", table)]
    inserts = {}
    for n, (title, rows_of) in enumerate(sheets, start=1):
        sheet = wb.create_sheet(title)
        _xlsx_title(sheet, meta)
        _xlsx_header(sheet, meta)
        last_row, body = _xlsx_body(wb, rows_of)
        _xlsx_footer(sheet, rows_of, meta, last_row + 2)
        _xlsx_page(sheet, meta)
        inserts[n] = (FIRST_DATA_ROW, last_row, body)
    if revisions:
        add_revision_sheet(wb, revisions, meta.period)
    if outlook is not None:
        from pdv.extracts.outlook_section import add_sheet

        outlook_rows = add_sheet(wb, outlook, meta)
        if outlook_rows is not None:
            inserts[len(wb.worksheets)] = outlook_rows
    wb.properties.creator = AUTHOR
    wb.properties.lastModifiedBy = AUTHOR
    wb.properties.title = _clean_text(meta.title_vi)
    write_atomic(path, workbook_bytes(wb, sheet_rows=inserts))


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

    Written as text a column at a time (``cells``) rather than as openpyxl cells: at national scale
    (tens of thousands of units, a million cells) openpyxl's per-cell objects took half a minute.
    """
    cols = columns()
    styles = _body_styles(wb)
    n = len(table)
    refs = cells.numbers(list(range(FIRST_DATA_ROW, FIRST_DATA_ROW + n)))
    kinds = [1 if b else 0 for b in table.behind[:-1]] + [2]
    row_cells: list[cells.Strings] = []
    for i, c in enumerate(cols):
        styles_of = cells.choose(kinds, [str(s) for s in styles[i]])
        row_cells.append(
            cells.xlsx_cells(get_column_letter(i + 1), refs, styles_of, table.values[c.key], c.kind == "text")
        )
    # Spreadsheets do not fit row heights: give wrapped long names the lines they need.
    width = _WIDTHS["unit_name"]
    name = pc.utf8_length(cells.texts(table.values["unit_name"])).to_numpy()
    pred = pc.utf8_length(cells.texts(table.values["predecessors"])).to_numpy()
    lines = np.maximum(1, np.ceil(np.maximum(name, pred * width // 40) / (width * 1.05))).astype("int64")
    heights = cells.pick(
        pa.array(lines > 1), cells.join(' ht="', cells.numbers((15 * lines + 2).tolist()), '" customHeight="1"'), ""
    )
    rows = cells.join('<row r="', refs, '"', heights, ">", *row_cells, "</row>")
    return FIRST_DATA_ROW + n - 1, cells.concat(rows)


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
