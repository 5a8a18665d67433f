"""The "Điều chỉnh số liệu" sheet and section: escaped, never formulas, absent without revisions."""

from __future__ import annotations

import io

from openpyxl import Workbook, load_workbook

from pdv.extracts.revisions import SHEET_TITLE, Revisions, add_sheet, html_section

HOSTILE = {
    "period": "2024-Q1",
    "version": 2,
    "unit_code": "X",
    "unit_name": '=HYPERLINK("http://x")<script>',
    "measure": "trained",
    "old": 3,
    "new": 5,
}


def test_no_revisions_no_sheet_no_section() -> None:
    wb = Workbook()
    add_sheet(wb, Revisions(), "2024-Q1")
    assert wb.sheetnames == ["Sheet"]
    assert html_section(Revisions(), "2024-Q1") == ""


def test_revisions_are_text_and_escaped() -> None:
    rev = Revisions(changed=[HOSTILE], previous_version=1, earlier=[{**HOSTILE, "period": "2023-Q4"}])
    wb = Workbook()
    add_sheet(wb, rev, "2024-Q1")
    buf = io.BytesIO()
    wb.save(buf)
    ws = load_workbook(io.BytesIO(buf.getvalue()))[SHEET_TITLE]
    names = [c for c in ws.iter_rows(values_only=True) if c[2] == "X"]
    assert [r[3] for r in names] == [HOSTILE["unit_name"]] * 2  # kept as text, not turned into a formula
    assert [r[4] for r in names] == ["Bồi dưỡng nhận thức về Đảng"] * 2
    assert [(r[5], r[6]) for r in names] == [("3", "5")] * 2
    page = html_section(rev, "2024-Q1")
    assert "<script>" not in page and "&lt;script&gt;" in page
    assert "phiên bản 1" in page and "2023-Q4" in page
