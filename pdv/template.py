"""A blank monthly report workbook for one unit, laid out as the reader expects it.

Sheets: "TongHop" (title rows, two-level header, one prefilled row), "DanhSach" (roster header and
blank rows with validations) and "Hướng dẫn" (instructions). The roster rows are left fully blank:
a row holding only a unit code would read as an incomplete person, so the unit code is given in
the title rows and the reader defaults the roster's unit to the summary's.
"""

from __future__ import annotations

import calendar
import re
from dataclasses import dataclass
from datetime import date
from pathlib import Path
from typing import Literal

from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, PatternFill, Side
from openpyxl.utils import get_column_letter
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.properties import PageSetupProperties
from openpyxl.worksheet.worksheet import Worksheet

from pdv.column_maps import display_headers
from pdv.feedback import AUTHOR, save_workbook_atomic, set_text

SUMMARY_SHEET = "TongHop"
ROSTER_SHEET = "DanhSach"
HELP_SHEET = "Hướng dẫn"
TITLE = "BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN"
ROSTER_TITLE = "DANH SÁCH ĐẢNG VIÊN ĐƯỢC KẾT NẠP"
ROSTER_ROWS = 50

# The form's own headers are the first spellings in the column maps: the reader and the template agree.
_SUMMARY = display_headers("summary")
COUNT_HEADERS = [_SUMMARY[c] for c in ("recognized_full", "trained", "sympathizers")]
ADMITTED = "Kết nạp"
ADMITTED_SUB = [
    _SUMMARY[c].removeprefix(f"{ADMITTED}: ") for c in ("admitted_total", "admitted_youth", "admitted_union")
]
SUMMARY_HEADERS = [_SUMMARY[c] for c in ("unit_code", "unit_name", "period")] + [
    *ADMITTED_SUB,
    *COUNT_HEADERS,
    _SUMMARY["reported_on"],
]
ROSTER_HEADERS = [h for c, h in display_headers("roster").items() if c != "unit_name"]
GENDERS = ["Nam", "Nữ"]
SOURCES = ["Đoàn TN", "Công đoàn"]

# Row layout of TongHop: three title rows, the two header rows, then the data row.
HEADER_ROW = 4
DATA_ROW = 6
ROSTER_HEADER_ROW = 2
DATE_FORMAT = "dd/mm/yyyy"

_SUMMARY_WIDTHS = [12, 38, 12, 11, 14, 14, 16, 18, 18, 14]
_ROSTER_WIDTHS = [12, 28, 13, 10, 12, 12, 20, 18, 13, 16]
_PERIOD = re.compile(r"^(\d{4})-(\d{2})$")
_THIN = Side(style="thin", color="808080")
_BORDER = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_HEADER_FILL = PatternFill(fill_type="solid", start_color="DDEBF7", end_color="DDEBF7")
_HEADER_ALIGN = Alignment(horizontal="center", vertical="center", wrap_text=True)
_EARLIEST_BIRTH = date(1900, 1, 1)


@dataclass(frozen=True)
class _Period:
    first: date
    last: date

    @property
    def label(self) -> str:
        """``MM/YYYY``, one of the spellings the reader accepts."""
        return f"{self.first.month:02d}/{self.first.year}"

    @property
    def title(self) -> str:
        return f"Tháng {self.first.month}/{self.first.year}"


def _period(text: str) -> _Period:
    match = _PERIOD.match(text.strip())
    if not match or not 1 <= int(match.group(2)) <= 12:
        raise ValueError(f"period must be YYYY-MM, got {text!r}")
    year, month = int(match.group(1)), int(match.group(2))
    return _Period(date(year, month, 1), date(year, month, calendar.monthrange(year, month)[1]))


def _serial(day: date) -> str:
    """An Excel date serial for a validation formula (locale-proof, unlike a DATE() text)."""
    return str(int(to_excel(day)))


def _years_before(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def write_template(out_path: Path, unit_code: str, unit_name: str, period: str) -> Path:
    """Write a blank monthly report workbook for one unit and one period (``YYYY-MM``)."""
    month = _period(period)
    wb = Workbook()
    wb.properties.creator = AUTHOR
    wb.properties.title = f"{TITLE} - {month.title} - {unit_name}"
    summary = wb.worksheets[0]
    summary.title = SUMMARY_SHEET
    _summary_sheet(summary, unit_code, unit_name, month)
    _roster_sheet(wb.create_sheet(ROSTER_SHEET), unit_code, unit_name, month)
    _help_sheet(wb.create_sheet(HELP_SHEET), unit_code, month)
    wb.active = summary
    return save_workbook_atomic(wb, Path(out_path), mode=0o644)  # no personal data in a blank template


def _title_row(ws: Worksheet, row: int, text: str, width: int, *, bold: bool = False, size: int = 12) -> None:
    cell = ws.cell(row=row, column=1)
    set_text(cell, text)
    cell.font = Font(bold=bold, size=size)
    cell.alignment = Alignment(horizontal="center", vertical="center")
    ws.merge_cells(start_row=row, start_column=1, end_row=row, end_column=width)


def _header_cell(ws: Worksheet, row: int, col: int, text: str | None) -> None:
    cell = ws.cell(row=row, column=col)
    if text is not None:
        set_text(cell, text)
    cell.font = Font(bold=True)
    cell.fill = _HEADER_FILL
    cell.alignment = _HEADER_ALIGN
    cell.border = _BORDER


_Kind = Literal["whole", "date", "list", "textLength"]
_Operator = Literal["equal", "between", "greaterThanOrEqual"]


def _validation(
    kind: _Kind, operator: _Operator | None, formula1: str, formula2: str | None, error: str, prompt: str, cells: str
) -> DataValidation:
    dv = DataValidation(
        type=kind,
        operator=operator,
        formula1=formula1,
        formula2=formula2,
        allow_blank=True,
        showErrorMessage=True,
        errorStyle="stop",
        errorTitle="Giá trị không hợp lệ",
        error=error,
        showInputMessage=True,
        promptTitle="Hướng dẫn nhập",
        prompt=prompt,
    )
    dv.add(cells)
    return dv


def _summary_sheet(ws: Worksheet, unit_code: str, unit_name: str, month: _Period) -> None:
    width = len(SUMMARY_HEADERS)
    # The unit code sits in a title sentence, never alone in a cell, so no title cell reads as a header.
    _title_row(ws, 1, TITLE, width, bold=True, size=14)
    _title_row(ws, 2, month.title, width, bold=True)
    _title_row(ws, 3, f"Đơn vị: {unit_name} (mã đơn vị {unit_code})", width)
    top, sub = HEADER_ROW, HEADER_ROW + 1
    admitted_first = SUMMARY_HEADERS.index(ADMITTED_SUB[0]) + 1
    for col, header in enumerate(SUMMARY_HEADERS, start=1):
        if header in ADMITTED_SUB:
            _header_cell(ws, top, col, ADMITTED if col == admitted_first else None)
            _header_cell(ws, sub, col, header)
        else:
            _header_cell(ws, top, col, header)
            _header_cell(ws, sub, col, None)
            ws.merge_cells(start_row=top, start_column=col, end_row=sub, end_column=col)
    ws.merge_cells(start_row=top, start_column=admitted_first, end_row=top, end_column=admitted_first + 2)
    ws.row_dimensions[top].height = 30
    ws.row_dimensions[sub].height = 48

    prefilled = {1: unit_code, 2: unit_name, 3: month.label}
    for col in range(1, width + 1):
        cell = ws.cell(row=DATA_ROW, column=col)
        cell.border = _BORDER
        if col in prefilled:
            set_text(cell, prefilled[col])
            cell.number_format = "@"  # code and period stay text ("03/2024" is not a date)
    date_col = width
    ws.cell(row=DATA_ROW, column=date_col).number_format = DATE_FORMAT
    first_count = get_column_letter(admitted_first)
    last_count = get_column_letter(width - 1)
    date_letter = get_column_letter(date_col)
    ws.add_data_validation(
        _validation(
            "whole",
            "greaterThanOrEqual",
            "0",
            None,
            "Chỉ nhập số nguyên không âm (0, 1, 2, ...). Nếu không có, nhập 0.",
            "Số nguyên ≥ 0; không có thì nhập 0.",
            f"{first_count}{DATA_ROW}:{last_count}{DATA_ROW}",
        )
    )
    ws.add_data_validation(
        _validation(
            "date",
            "greaterThanOrEqual",
            _serial(month.first),
            None,
            f"Ngày báo cáo phải là ngày (dd/mm/yyyy) từ {month.first:%d/%m/%Y} trở đi.",
            "Ngày lập báo cáo, dạng dd/mm/yyyy.",
            f"{date_letter}{DATA_ROW}",
        )
    )
    for col, w in enumerate(_SUMMARY_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = f"A{DATA_ROW}"
    _print_setup(ws)


def _roster_sheet(ws: Worksheet, unit_code: str, unit_name: str, month: _Period) -> None:
    width = len(ROSTER_HEADERS)
    _title_row(ws, 1, f"{ROSTER_TITLE} - {month.title} - {unit_name} (mã đơn vị {unit_code})", width, bold=True)
    for col, header in enumerate(ROSTER_HEADERS, start=1):
        _header_cell(ws, ROSTER_HEADER_ROW, col, header)
    ws.row_dimensions[ROSTER_HEADER_ROW].height = 32
    first, last = ROSTER_HEADER_ROW + 1, ROSTER_HEADER_ROW + ROSTER_ROWS
    col_of = {h: i for i, h in enumerate(ROSTER_HEADERS, start=1)}
    formats = {
        col_of["Ngày sinh"]: DATE_FORMAT,
        col_of["Ngày kết nạp"]: DATE_FORMAT,
        col_of["Số định danh cá nhân"]: "@",  # typed ids stay text, leading zeros included
        col_of["Số quyết định"]: "@",
        col_of["Mã đơn vị"]: "@",
    }
    for row in range(first, last + 1):
        for col in range(1, width + 1):
            cell = ws.cell(row=row, column=col)
            cell.border = _BORDER
            if col in formats:
                cell.number_format = formats[col]

    def cells(header: str) -> str:
        letter = get_column_letter(col_of[header])
        return f"{letter}{first}:{letter}{last}"

    latest_birth = _years_before(month.last, 18)
    ws.add_data_validation(
        _validation(
            "list",
            None,
            '"' + ",".join(GENDERS) + '"',
            None,
            "Chọn Nam hoặc Nữ.",
            "Chọn Nam hoặc Nữ.",
            cells("Giới tính"),
        )
    )
    ws.add_data_validation(
        _validation(
            "list",
            None,
            '"' + ",".join(SOURCES) + '"',
            None,
            "Chọn Đoàn TN hoặc Công đoàn.",
            "Đoàn thể giới thiệu: Đoàn TN hoặc Công đoàn.",
            cells("Đoàn thể giới thiệu"),
        )
    )
    ws.add_data_validation(
        _validation(
            "date",
            "between",
            _serial(_EARLIEST_BIRTH),
            _serial(latest_birth),
            f"Ngày sinh dạng dd/mm/yyyy, không sau {latest_birth:%d/%m/%Y} (đủ 18 tuổi khi kết nạp).",
            "Ngày sinh, dạng dd/mm/yyyy.",
            cells("Ngày sinh"),
        )
    )
    ws.add_data_validation(
        _validation(
            "date",
            "between",
            _serial(month.first),
            _serial(month.last),
            f"Ngày kết nạp phải trong {month.title.lower()} ({month.first:%d/%m/%Y} - {month.last:%d/%m/%Y}).",
            "Ngày kết nạp trong tháng báo cáo, dạng dd/mm/yyyy.",
            cells("Ngày kết nạp"),
        )
    )
    ws.add_data_validation(
        _validation(
            "textLength",
            "equal",
            "12",
            None,
            "Số định danh cá nhân gồm đúng 12 chữ số.",
            "12 chữ số (số CCCD), giữ nguyên số 0 ở đầu.",
            cells("Số định danh cá nhân"),
        )
    )
    for col, w in enumerate(_ROSTER_WIDTHS, start=1):
        ws.column_dimensions[get_column_letter(col)].width = w
    ws.freeze_panes = f"A{first}"
    _print_setup(ws)


def _help_sheet(ws: Worksheet, unit_code: str, month: _Period) -> None:
    lines = [
        f"HƯỚNG DẪN ĐIỀN BÁO CÁO - {month.title.upper()}",
        f"1. Trang {SUMMARY_SHEET}: điền số liệu vào dòng {DATA_ROW}. Không sửa mã đơn vị, tên đơn vị và kỳ báo cáo "
        "đã ghi sẵn; không đổi tên trang tính, không xóa hoặc chèn dòng, cột tiêu đề.",
        "2. Các cột số liệu chỉ nhập số nguyên không âm; không có thì nhập 0 (không để trống). "
        "Kết nạp: Tổng số = Đoàn viên thanh niên + Đoàn viên công đoàn.",
        "3. Quần chúng cảm tình Đảng (cuối kỳ) là số có đến cuối tháng, không phải số phát sinh trong tháng.",
        f"4. Ngày báo cáo nhập dạng dd/mm/yyyy, không trước ngày {month.first:%d/%m/%Y}.",
        f"5. Trang {ROSTER_SHEET}: mỗi người được kết nạp trong tháng ghi một dòng; số dòng bằng Kết nạp: Tổng số, "
        "số người có Đoàn thể giới thiệu là Đoàn TN bằng cột Đoàn viên thanh niên. "
        "Không kết nạp ai thì để trống trang này.",
        f"6. Cột Mã đơn vị ở trang {ROSTER_SHEET} có thể để trống: khi trống, người được kết nạp được tính cho "
        f"đơn vị {unit_code} của báo cáo này.",
        "7. Ngày sinh và Ngày kết nạp nhập dạng dd/mm/yyyy; Ngày kết nạp phải trong tháng báo cáo.",
        "8. Số định danh cá nhân (số CCCD) gồm đúng 12 chữ số; ô đã định dạng văn bản để giữ số 0 ở đầu. "
        "Khi dán từ nơi khác, dùng Dán giá trị (Paste Values).",
        "9. Giới tính chọn Nam hoặc Nữ; Đoàn thể giới thiệu chọn Đoàn TN hoặc Công đoàn.",
        "10. Không cần thêm dòng Tổng cộng. Lưu tệp dạng Excel (.xlsx) và gửi về Ban Tổ chức Đảng ủy Khối.",
        f"11. Trang {ROSTER_SHEET} có thông tin cá nhân: chỉ gửi qua kênh được quy định, không chia sẻ rộng.",
    ]
    for row, text in enumerate(lines, start=1):
        cell = ws.cell(row=row, column=1)
        set_text(cell, text)
        cell.alignment = Alignment(wrap_text=True, vertical="top")
        if row == 1:
            cell.font = Font(bold=True, size=13)
    ws.column_dimensions["A"].width = 110


def _print_setup(ws: Worksheet) -> None:
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    if ws.sheet_properties.pageSetUpPr is None:
        ws.sheet_properties.pageSetUpPr = PageSetupProperties()
    ws.sheet_properties.pageSetUpPr.fitToPage = True
