"""Workbook bytes: rows written by the caller land in order, and never twice."""

from __future__ import annotations

import io

import pytest
from openpyxl import Workbook, load_workbook

from pdv.xlsxio import workbook_bytes


def _book() -> Workbook:
    wb = Workbook()
    ws = wb.active
    assert ws is not None
    ws["A1"] = "đầu"
    ws["A5"] = "cuối"
    return wb


def test_rows_from_the_caller_go_between_openpyxl_rows() -> None:
    xml = b'<row r="2"><c r="A2" t="n"><v>7</v></c></row><row r="3"><c r="B3" t="inlineStr"><is><t>x</t></is></c></row>'
    data = workbook_bytes(_book(), sheet_rows={1: (2, 3, xml)})
    ws = load_workbook(io.BytesIO(data)).active
    assert ws is not None
    assert [[c.value for c in row] for row in ws.iter_rows(min_row=1, max_row=5, max_col=2)] == [
        ["đầu", None],
        [7, None],
        [None, "x"],
        [None, None],
        ["cuối", None],
    ]


def test_equal_content_gives_equal_bytes() -> None:
    xml = b'<row r="2"><c r="A2" t="n"><v>1</v></c></row>'
    assert workbook_bytes(_book(), sheet_rows={1: (2, 2, xml)}) == workbook_bytes(_book(), sheet_rows={1: (2, 2, xml)})


def test_a_row_written_by_both_is_refused() -> None:
    with pytest.raises(ValueError, match="row 5 was written twice"):
        workbook_bytes(_book(), sheet_rows={1: (4, 6, b'<row r="4"></row>')})
