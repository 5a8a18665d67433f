"""The blank monthly report template: layout, validations, and that a filled copy reads back cleanly."""

from __future__ import annotations

from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from openpyxl.cell.cell import Cell
from openpyxl.utils.datetime import to_excel
from openpyxl.worksheet.datavalidation import DataValidation
from openpyxl.worksheet.worksheet import Worksheet

from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.reports import read_report
from pdv.template import (
    HELP_SHEET,
    ROSTER_HEADERS,
    ROSTER_ROWS,
    ROSTER_SHEET,
    SUMMARY_SHEET,
    TITLE,
    write_template,
)
from schemas.report import check_roster, check_summary

UNIT_CODE, UNIT_NAME = "CTHUE", "Cục Thuế tỉnh Bình Định"


@pytest.fixture
def template(tmp_path: Path) -> Path:
    return write_template(tmp_path / "out" / "CTHUE_2024-03.xlsx", UNIT_CODE, UNIT_NAME, "2024-03")


def validations(ws: Worksheet) -> dict[str, DataValidation]:
    return {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}


def serial(day: date) -> str:
    return str(int(to_excel(day)))


def test_layout_and_prefilled_row(template: Path) -> None:
    wb = load_workbook(template)
    assert wb.sheetnames == [SUMMARY_SHEET, ROSTER_SHEET, HELP_SHEET]
    ws = wb[SUMMARY_SHEET]
    assert [ws["A1"].value, ws["A2"].value] == [TITLE, "Tháng 3/2024"]
    assert UNIT_NAME in ws["A3"].value and UNIT_CODE in ws["A3"].value
    merged = {str(r) for r in ws.merged_cells.ranges}
    assert "D4:F4" in merged and ws["D4"].value == "Kết nạp"
    assert [ws.cell(row=5, column=c).value for c in (4, 5, 6)] == [
        "Tổng số",
        "Đoàn viên thanh niên",
        "Đoàn viên công đoàn",
    ]
    single = [
        "Mã đơn vị",
        "Tên đơn vị",
        "Kỳ báo cáo",
        "Công nhận đảng viên chính thức",
        "Học lớp bồi dưỡng nhận thức về Đảng",
        "Quần chúng cảm tình Đảng (cuối kỳ)",
        "Ngày báo cáo",
    ]
    for letter, header in zip("ABCGHIJ", single, strict=True):
        assert ws[f"{letter}4"].value == header and f"{letter}4:{letter}5" in merged
    for cell in ws[4] + ws[5]:
        if isinstance(cell, Cell):  # cells hidden under a merge take the top-left cell's look
            assert cell.font.bold and cell.border.left.style == "thin" and cell.border.top.style == "thin"
    # The prefilled row: text cells, not numbers or dates.
    for coord, value in (("A6", UNIT_CODE), ("B6", UNIT_NAME), ("C6", "03/2024")):
        assert ws[coord].value == value and ws[coord].data_type == "s" and ws[coord].number_format == "@"
    assert all(ws.cell(row=6, column=c).value is None for c in range(4, 11))
    assert ws["J6"].number_format == "dd/mm/yyyy"
    assert ws.freeze_panes == "A6" and ws.column_dimensions["B"].width >= 30

    roster = wb[ROSTER_SHEET]
    assert [c.value for c in roster[2]] == ROSTER_HEADERS
    assert all(c.font.bold and c.border.top.style == "thin" for c in roster[2])
    assert UNIT_CODE in roster["A1"].value
    assert roster.freeze_panes == "A3"
    # Blank rows stay fully blank: a prefilled unit code would read as an incomplete person.
    assert all(c.value is None for row in roster.iter_rows(min_row=3, max_row=2 + ROSTER_ROWS) for c in row)
    assert {roster[f"G{r}"].number_format for r in range(3, 3 + ROSTER_ROWS)} == {"@"}
    assert {roster[f"C{r}"].number_format for r in range(3, 3 + ROSTER_ROWS)} == {"dd/mm/yyyy"}
    assert {roster[f"I{r}"].number_format for r in range(3, 3 + ROSTER_ROWS)} == {"dd/mm/yyyy"}
    help_text = "\n".join(str(c.value) for c in wb[HELP_SHEET]["A"] if c.value)
    assert "Mã đơn vị" in help_text and "để trống" in help_text and UNIT_CODE in help_text


def test_data_validations(template: Path) -> None:
    wb = load_workbook(template)
    summary = validations(wb[SUMMARY_SHEET])
    assert set(summary) == {"D6:I6", "J6"}
    counts = summary["D6:I6"]
    assert (counts.type, counts.operator, counts.formula1) == ("whole", "greaterThanOrEqual", "0")
    assert counts.showErrorMessage and counts.error and "số nguyên" in counts.error
    reported = summary["J6"]
    assert (reported.type, reported.operator, reported.formula1) == (
        "date",
        "greaterThanOrEqual",
        serial(date(2024, 3, 1)),
    )

    roster = validations(wb[ROSTER_SHEET])
    assert set(roster) == {"D3:D52", "H3:H52", "C3:C52", "I3:I52", "G3:G52"}
    assert (roster["D3:D52"].type, roster["D3:D52"].formula1) == ("list", '"Nam,Nữ"')
    assert (roster["H3:H52"].type, roster["H3:H52"].formula1) == ("list", '"Đoàn TN,Công đoàn"')
    admitted = roster["I3:I52"]
    assert (admitted.type, admitted.operator) == ("date", "between")
    assert (admitted.formula1, admitted.formula2) == (serial(date(2024, 3, 1)), serial(date(2024, 3, 31)))
    born = roster["C3:C52"]
    assert (born.type, born.operator, born.formula2) == ("date", "between", serial(date(2006, 3, 31)))
    national_id = roster["G3:G52"]
    assert (national_id.type, national_id.operator, national_id.formula1) == ("textLength", "equal", "12")
    assert all(dv.allow_blank and dv.showErrorMessage for dv in [*summary.values(), *roster.values()])


def test_leap_day_and_bad_periods(tmp_path: Path) -> None:
    wb = load_workbook(write_template(tmp_path / "t.xlsx", "X", "Y", "2024-02"))
    roster = validations(wb[ROSTER_SHEET])
    assert roster["I3:I52"].formula2 == serial(date(2024, 2, 29))
    assert roster["C3:C52"].formula2 == serial(date(2006, 2, 28))
    for bad in ("2024-13", "03/2024", "2024-3", ""):
        with pytest.raises(ValueError, match="YYYY-MM"):
            write_template(tmp_path / "bad.xlsx", "X", "Y", bad)
    assert not (tmp_path / "bad.xlsx").exists()


def test_written_atomically(template: Path) -> None:
    assert [p.name for p in template.parent.iterdir()] == [template.name]
    assert template.stat().st_mode & 0o777 == 0o644
    write_template(template, UNIT_CODE, UNIT_NAME, "2024-04")  # replaces in place
    assert [p.name for p in template.parent.iterdir()] == [template.name]
    assert load_workbook(template)[SUMMARY_SHEET]["C6"].value == "04/2024"


def _fill(template: Path, out: Path) -> Path:
    wb = load_workbook(template)
    ws = wb[SUMMARY_SHEET]
    for letter, value in zip("DEFGHI", (2, 1, 1, 3, 10, 25), strict=True):
        ws[f"{letter}6"] = value
    ws["J6"] = date(2024, 4, 2)
    roster = wb[ROSTER_SHEET]
    people = [
        [
            "Nguyễn Văn An",
            date(1995, 5, 6),
            "Nam",
            "Kinh",
            "Không",
            "012345678901",
            "Đoàn TN",
            date(2024, 3, 15),
            "12-QĐ/ĐUK",
        ],
        [
            "Đinh Thị Hoa",
            date(1990, 1, 2),
            "Nữ",
            "Bana",
            "Không",
            "052345678902",
            "Công đoàn",
            date(2024, 3, 20),
            "13-QĐ/ĐUK",
        ],
    ]
    for r, person in enumerate(people, start=3):
        for c, field in enumerate(person, start=2):
            roster.cell(row=r, column=c, value=field)
    wb.save(out)
    return out


def test_filled_template_reads_back_cleanly(template: Path, tmp_path: Path) -> None:
    filled = _fill(template, tmp_path / "filled.xlsx")
    settings = Settings(raw_dir=PROJECT_ROOT / "data" / "raw", warehouse_dir=tmp_path / "wh")
    registry = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
    report = read_report(filled, "reports/filled.xlsx", settings)
    assert report.findings == []
    tables = {t.kind: t for t in report.tables}
    assert set(tables) == {"summary", "roster"}
    assert tables["summary"].total_row is None and tables["roster"].total_row is None

    summary = check_summary(tables["summary"], "reports/filled.xlsx", registry, [2024], 5)
    assert summary.findings == [] and len(summary.rows) == 1
    row = summary.rows.iloc[0]
    assert (row["unit_code"], row["admitted_total"], row["admitted_youth"], row["sympathizers"]) == (
        UNIT_CODE,
        2,
        1,
        25,
    )
    assert str(row["period_month"].date()) == "2024-03-01" and bool(row["is_on_time"])

    roster = check_roster(tables["roster"], "reports/filled.xlsx", registry, [2024], "test-key", default_unit=UNIT_CODE)
    assert roster.findings == [] and len(roster.rows) == 2
    assert set(roster.rows["unit_code"]) == {UNIT_CODE}
    assert list(roster.rows["national_id_masked"]) == ["012*******01", "052*******02"]


def test_untouched_template_is_not_a_report(template: Path, tmp_path: Path) -> None:
    """Unit and month filled in, every figure empty: not a report (format 1.1), so nothing to load or flag."""
    settings = Settings(raw_dir=PROJECT_ROOT / "data" / "raw", warehouse_dir=tmp_path / "wh")
    registry = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
    report = read_report(template, "reports/blank.xlsx", settings)
    tables = {t.kind: t for t in report.tables}
    assert tables["roster"].frame.empty  # 50 formatted blank rows are no persons
    assert tables["summary"].frame.empty  # the pre-filled unit row has no figure
    summary = check_summary(tables["summary"], "reports/blank.xlsx", registry, [2024], 5)
    assert summary.findings == [] and summary.rows.empty
