"""Annotated feedback workbooks: marked cells, the issue list, CSV renders, fallbacks, safety."""

from __future__ import annotations

import re
import zipfile
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest
from openpyxl import Workbook, load_workbook
from openpyxl.comments import Comment
from openpyxl.styles import Font
from openpyxl.workbook.workbook import Workbook as WorkbookType

from pdv.feedback import AUTHOR, LIST_HEADERS, LIST_SHEET, write_feedback
from pdv.findings import ISSUE_COLUMNS
from pdv.sources.spreadsheet import Sheet

RED, YELLOW = "FFC7CE", "FFEB9C"
HEADER_COLS: dict[tuple[str | None, str], int] = {
    ("TongHop", "Tổng số"): 4,
    ("TongHop", "Đoàn viên thanh niên"): 5,
    ("TongHop", "Ngày báo cáo"): 10,
    ("TongHop", "Tên đơn vị"): 2,
}


def issue(severity: str, sheet: str | None, row: int | None, column: str | None, message: str, **extra: Any) -> dict:
    return {
        "issue_id": f"id-{message}",
        "severity": severity,
        "rule": extra.pop("rule", f"test.{severity}"),
        "file": extra.pop("file", "reports/2024-03/dv.xlsx"),
        "sheet": sheet,
        "row": row,
        "column": column,
        "value": extra.pop("value", None),
        "unit": "CTHUE",
        "period": "2024-03",
        "message_vi": message,
        "message_en": f"en: {message}",
    }


def frame(*records: dict) -> pd.DataFrame:
    out = pd.DataFrame(list(records), columns=ISSUE_COLUMNS)
    out["row"] = out["row"].astype("Int64")
    return out


def unit_workbook(path: Path) -> Path:
    """A unit's submission: title rows, a two-level header, two data rows, a formula, a roster."""
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "TongHop"
    ws["A1"] = "BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN"
    ws["A1"].font = Font(bold=True, size=14)
    ws.merge_cells("A1:J1")
    headers = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Kỳ báo cáo",
        "Kết nạp",
        None,
        None,
        "Công nhận đảng viên chính thức",
        "Học lớp bồi dưỡng nhận thức về Đảng",
        "Quần chúng cảm tình Đảng (cuối kỳ)",
        "Ngày báo cáo",
    ]
    for col, text in enumerate(headers, start=1):
        ws.cell(row=4, column=col, value=text)
    for col, text in zip((4, 5, 6), ("Tổng số", "Đoàn viên thanh niên", "Đoàn viên công đoàn"), strict=True):
        ws.cell(row=5, column=col, value=text)
    ws.merge_cells("D4:F4")
    ws.append(["CTHUE", "Cục Thuế tỉnh Bình Định", "03/2024", 3, 1, 1, 0, 4, 9, "02/04/2024"])
    ws.append(["BVDK", "Bệnh viện Đa khoa", "03/2024", -1, 0, 0, 0, 0, 0, "02/04/2024"])
    ws["D8"] = "=SUM(D6:D7)"
    ws["B9"] = "ô gộp"
    ws.merge_cells("B9:C9")
    ws.column_dimensions["B"].width = 33
    roster = wb.create_sheet("DanhSach")
    roster.append(["Mã đơn vị", "Họ và tên", "Ngày sinh", "Số định danh cá nhân"])
    roster.append(["CTHUE", "Nguyễn Văn A", "31/02/1990", "01234567890"])
    wb.create_sheet("Ghi chú")
    wb.save(path)
    return path


def rgb(cell: Any) -> str:
    return str(cell.fill.fgColor.rgb)[-6:] if cell.fill is not None and cell.fill.fill_type == "solid" else ""


def listed(wb: WorkbookType) -> list[tuple[Any, ...]]:
    return list(wb[LIST_SHEET].iter_rows(min_row=2, values_only=True))


def formula_cells(path: Path) -> list[str]:
    """Cells the file stores as formulas (what Excel or LibreOffice would evaluate)."""
    with zipfile.ZipFile(path) as zf:
        return [
            m
            for name in zf.namelist()
            if name.startswith("xl/worksheets/sheet")
            for m in re.findall(r'<c r="([A-Z]+\d+)"[^>]*>(?:(?!</c>).)*<f>', zf.read(name).decode())
        ]


def test_xlsx_marks_the_right_cells_and_lists_every_issue(tmp_path: Path) -> None:
    original = unit_workbook(tmp_path / "dv.xlsx")
    issues = frame(
        issue("error", "TongHop", 7, "Tổng số", "Số liệu không được âm", value="-1"),
        issue("warning", "TongHop", 6, "Ngày báo cáo", "Báo cáo trễ hạn"),
        issue("error", "TongHop", 6, "Đoàn viên thanh niên", "Tổng số khác cộng thành phần"),
        issue("warning", "TongHop", 6, "Đoàn viên thanh niên", "Kiểm tra lại số đoàn viên"),
        issue("error", "TongHop", 7, None, "Đơn vị không có trong danh mục"),
        issue("warning", "TongHop", 9, "Tên đơn vị", "Ô gộp có ghi chú"),
        issue("error", "DanhSach", 2, "Ngày sinh", "Ngày sinh không đúng dạng"),  # located by its header
        issue("error", None, None, None, "Ô D8 chứa công thức", rule="file.formula_no_value"),
    )
    out = write_feedback(tmp_path / "out" / "dv.feedback.xlsx", issues, workbook=original, header_cols=HEADER_COLS)

    assert out == tmp_path / "out" / "dv.feedback.xlsx"
    wb = load_workbook(out)
    assert wb.sheetnames == [LIST_SHEET, "TongHop", "DanhSach", "Ghi chú"]
    assert wb.active is not None and wb.active.title == LIST_SHEET
    ws = wb["TongHop"]
    assert rgb(ws["D7"]) == RED and ws["D7"].comment.text == "[Lỗi] Số liệu không được âm"
    assert ws["D7"].comment.author == AUTHOR
    assert rgb(ws["J6"]) == YELLOW and "Báo cáo trễ hạn" in ws["J6"].comment.text
    # Two findings on one cell: one comment, one line each; the error colour wins.
    assert rgb(ws["E6"]) == RED
    assert ws["E6"].comment.text.splitlines() == [
        "[Lỗi] Tổng số khác cộng thành phần",
        "[Cảnh báo] Kiểm tra lại số đoàn viên",
    ]
    assert rgb(ws["A7"]) == RED and "Đơn vị không có" in ws["A7"].comment.text  # no column: first cell
    assert rgb(ws["B9"]) == YELLOW  # column C resolved to the merged range's top-left cell
    assert rgb(wb["DanhSach"]["C2"]) == RED
    for clean in ("A6", "D6", "F6", "J7", "A1", "D4"):
        assert rgb(ws[clean]) == "" and ws[clean].comment is None, clean
    # The unit's own workbook is otherwise untouched: formatting, merges, formulas as written.
    assert ws["A1"].font.bold and ws["A1"].font.size == 14
    assert {str(r) for r in ws.merged_cells.ranges} == {"A1:J1", "D4:F4", "B9:C9"}
    assert ws["D8"].value == "=SUM(D6:D7)" and ws.column_dimensions["B"].width == 33

    rows = listed(wb)
    assert len(rows) == len(issues)
    assert [c.value for c in wb[LIST_SHEET][1]] == LIST_HEADERS
    assert rows[0] == ("Lỗi", None, None, None, None, "Ô D8 chứa công thức")  # file-level first
    assert ("Lỗi", "TongHop", 7, "Tổng số", "-1", "Số liệu không được âm") in rows
    assert rows[-1] == ("Lỗi", "DanhSach", 2, "Ngày sinh", None, "Ngày sinh không đúng dạng")
    assert {r[0] for r in rows} == {"Lỗi", "Cảnh báo"}
    sheet = wb[LIST_SHEET]
    assert sheet.freeze_panes == "A2" and all(c.font.bold for c in sheet[1])
    assert sheet["F2"].alignment.wrap_text and sheet.column_dimensions["F"].width >= 60
    link = next(
        sheet.cell(row=r, column=3)
        for r in range(2, sheet.max_row + 1)
        if sheet.cell(row=r, column=3).value == 7 and sheet.cell(row=r, column=4).value == "Tổng số"
    )
    assert link.hyperlink is not None and link.hyperlink.location == "'TongHop'!D7"


def test_comment_boxes_are_sized_for_their_text(tmp_path: Path) -> None:
    original = unit_workbook(tmp_path / "dv.xlsx")
    long = "Dòng này có nội dung rất dài để kiểm tra kích thước hộp ghi chú. " * 4
    issues = frame(issue("error", "TongHop", 6, "Tổng số", long), issue("error", "TongHop", 7, "Tổng số", "Ngắn"))
    out = write_feedback(tmp_path / "fb.xlsx", issues, workbook=original, header_cols=HEADER_COLS)
    with zipfile.ZipFile(out) as zf:
        vml = "".join(zf.read(n).decode() for n in zf.namelist() if n.endswith(".vml"))
    heights = sorted(int(h) for h in re.findall(r"height:(\d+)px", vml))
    widths = {int(w) for w in re.findall(r"width:(\d+)px", vml)}
    assert len(heights) == 2 and heights[1] >= 3 * heights[0] // 2 and widths == {360}


def test_existing_comment_of_the_unit_is_kept(tmp_path: Path) -> None:
    path = unit_workbook(tmp_path / "dv.xlsx")
    wb = load_workbook(path)
    wb["TongHop"]["D7"].comment = Comment("số tạm tính", "Văn thư")
    wb.save(path)
    out = write_feedback(
        tmp_path / "fb.xlsx",
        frame(issue("error", "TongHop", 7, "Tổng số", "Âm")),
        workbook=path,
        header_cols=HEADER_COLS,
    )
    text = load_workbook(out)["TongHop"]["D7"].comment.text
    assert text.startswith("[Lỗi] Âm") and "số tạm tính" in text


def test_csv_grids_become_sheets_with_marked_cells(tmp_path: Path) -> None:
    summary_name = "[BC] tong hop: thang 03/2024 cua dang bo co quan*.csv"
    summary = Sheet(
        summary_name,
        [
            (1, ["Mã đơn vị", "Tên đơn vị", "Kỳ báo cáo", "Kết nạp: Tổng số"]),
            (2, ["CTHUE", '=HYPERLINK("http://x","bấm")', "03/2024", "05"]),
            (4, ["BVDK", "Bệnh viện", "03/2024", "-2"]),  # a quoted newline made line 3 part of line 2
        ],
    )
    roster = Sheet("danhsach.csv", [(1, ["Họ và tên", "Số CCCD", "Ghi chú"]), (2, ["Nguyễn Văn A", "1234", ""])])
    issues = frame(
        issue("error", summary_name, 4, "Kết nạp: Tổng số", "Số âm", value="-2", file="r/tonghop.csv"),
        issue("warning", summary_name, 2, None, "Tên lạ", file="r/tonghop.csv"),
        issue("error", None, 2, "Số CCCD", "CCCD phải có 12 chữ số", file="reports/2024-03/danhsach.csv"),
        issue("warning", None, 2, "Ghi chú", "Xem lại", file="reports/2024-03/danhsach.csv"),
        issue("error", None, None, None, "Cả tệp", file="reports/2024-03/danhsach.csv"),
    )
    # Keyed by the CSV's name, or by None as the reader does for a CSV's single table.
    cols: dict[tuple[str | None, str], int] = {
        (summary_name, "Kết nạp: Tổng số"): 4,
        ("danhsach.csv", "Số CCCD"): 2,
        (None, "Ghi chú"): 3,
    }
    out = write_feedback(tmp_path / "fb.xlsx", issues, sheets=[summary, roster], header_cols=cols)

    wb = load_workbook(out)
    assert wb.sheetnames[0] == LIST_SHEET and wb.sheetnames[2] == "danhsach.csv"
    title = wb.sheetnames[1]
    assert len(title) <= 31 and not set(title) & set("[]:*?/\\") and title.startswith("BC")
    ws = wb[title]
    assert [c.value for c in ws[1]] == ["Mã đơn vị", "Tên đơn vị", "Kỳ báo cáo", "Kết nạp: Tổng số"]
    assert ws["D2"].value == "05" and ws["D2"].data_type == "s"  # cells as given, text stays text
    assert ws["A4"].value == "BVDK" and ws["A3"].value is None  # rows at their source line numbers
    assert rgb(ws["D4"]) == RED and ws["D4"].comment.text == "[Lỗi] Số âm"
    assert rgb(ws["A2"]) == YELLOW
    assert rgb(wb["danhsach.csv"]["B2"]) == RED and rgb(wb["danhsach.csv"]["C2"]) == YELLOW
    rows = listed(wb)
    # In sheet order, then by row; a finding about a whole CSV file heads its sheet's findings.
    assert rows == [
        ("Cảnh báo", title, 2, None, None, "Tên lạ"),
        ("Lỗi", title, 4, "Kết nạp: Tổng số", "-2", "Số âm"),
        ("Lỗi", "danhsach.csv", None, None, None, "Cả tệp"),
        ("Lỗi", "danhsach.csv", 2, "Số CCCD", None, "CCCD phải có 12 chữ số"),
        ("Cảnh báo", "danhsach.csv", 2, "Ghi chú", None, "Xem lại"),
    ]


def test_corrupt_original_falls_back_to_the_issue_list(tmp_path: Path) -> None:
    issues = frame(issue("error", "TongHop", 6, "Tổng số", "Thiếu số liệu"), issue("warning", None, None, None, "Tệp"))
    garbage = tmp_path / "garbage.xlsx"
    garbage.write_bytes(b"PK\x03\x04 this is not really a zip")
    broken = tmp_path / "broken.xlsx"
    with zipfile.ZipFile(broken, "w") as zf:
        zf.writestr("[Content_Types].xml", "<Types/>")
        zf.writestr("xl/workbook.xml", "<workbook><sheets><sheet name='TongHop'")  # truncated XML
    for i, original in enumerate((garbage, broken, tmp_path / "missing.xlsx")):
        out = write_feedback(tmp_path / f"fb{i}.xlsx", issues, workbook=original, header_cols=HEADER_COLS)
        wb = load_workbook(out)
        assert wb.sheetnames == [LIST_SHEET]
        assert [r[5] for r in listed(wb)] == ["Tệp", "Thiếu số liệu"]


def test_rejected_file_is_not_reopened(tmp_path: Path) -> None:
    original = unit_workbook(tmp_path / "dv.xlsx")
    issues = frame(issue("error", None, None, None, "Tệp quá lớn", rule="file.too_large"))
    wb = load_workbook(write_feedback(tmp_path / "fb.xlsx", issues, workbook=original))
    assert wb.sheetnames == [LIST_SHEET] and len(listed(wb)) == 1


@pytest.mark.parametrize("text", ["=1+1", '=HYPERLINK("http://evil.example","x")', "+7", "-2", "@SUM(A1)", "#N/A"])
def test_unit_text_is_stored_as_text_not_formula(tmp_path: Path, text: str) -> None:
    issues = frame(issue("error", "s.csv", 1, "Giá trị", text, value=text))
    out = write_feedback(tmp_path / "fb.xlsx", issues, sheets=[Sheet("s.csv", [(1, [text, 5])])])
    assert formula_cells(out) == []
    wb = load_workbook(out)
    cells = [wb[LIST_SHEET]["E2"], wb[LIST_SHEET]["F2"], wb["s.csv"]["A1"]]
    for cell in cells:
        assert cell.value == text and cell.data_type == "s"
        assert cell.quotePrefix == text.startswith(("=", "+", "-", "@"))
    assert wb["s.csv"]["B1"].value == 5 and wb["s.csv"]["B1"].data_type == "n"


def test_csv_cells_of_other_types(tmp_path: Path) -> None:
    when = datetime(2024, 3, 5, 8, 30, tzinfo=UTC)
    grid = Sheet("s.csv", [(1, [np.int64(7), 2.5, date(2024, 3, 5), when, None, float("nan"), True])])
    ws = load_workbook(write_feedback(tmp_path / "fb.xlsx", frame(), sheets=[grid]))["s.csv"]
    assert [c.value for c in ws[1]][:4] == [7, 2.5, datetime(2024, 3, 5), datetime(2024, 3, 5, 8, 30)]
    assert ws["C1"].number_format == "dd/mm/yyyy" and ws["E1"].value is None and ws["F1"].value is None
    assert ws["G1"].value is True


def test_control_characters_and_huge_rows_do_not_break_the_copy(tmp_path: Path) -> None:
    issues = frame(
        issue("error", "s.csv", 1, None, "bad\x00\x07text", value="x\x1by"),
        issue("error", "s.csv", 5_000_000, None, "row far away"),
    )
    out = write_feedback(tmp_path / "fb.xlsx", issues, sheets=[Sheet("s.csv", [(1, ["a\x01b"])])])
    wb = load_workbook(out)
    assert wb["s.csv"]["A1"].value == "ab"
    assert [r[5] for r in listed(wb)] == ["badtext", "row far away"]


def test_written_atomically(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    target = tmp_path / "deep" / "er" / "fb.xlsx"
    issues = frame(issue("error", "s.csv", 1, None, "một"))
    write_feedback(target, issues, sheets=[Sheet("s.csv", [(1, ["a"])])])
    assert [p.name for p in target.parent.iterdir()] == ["fb.xlsx"]
    assert target.stat().st_mode & 0o777 == 0o600  # may hold roster personal data
    before = target.read_bytes()

    def fail(self: Workbook, target: object) -> None:
        if isinstance(target, str | Path):
            Path(target).write_bytes(b"half a file")
        else:
            target.write(b"half a file")  # type: ignore[attr-defined]
        raise OSError("disk full")

    monkeypatch.setattr(Workbook, "save", fail)
    with pytest.raises(OSError, match="disk full"):
        write_feedback(target, issues, sheets=[Sheet("s.csv", [(1, ["b"])])])
    assert [p.name for p in target.parent.iterdir()] == ["fb.xlsx"]
    assert target.read_bytes() == before
