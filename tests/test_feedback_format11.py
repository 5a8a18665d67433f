"""Feedback for format 1.1 submissions: an .xlsx copy of an .xls/.ods, id columns as text."""

from __future__ import annotations

import shutil
from pathlib import Path

from openpyxl import load_workbook

from pdv.feedback import write_feedback
from pdv.feedback_ids import id_columns
from pdv.ingest import classify, process_file
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.spreadsheet import read_xlsx

REPORTS = Path(__file__).resolve().parent / "data" / "reports"
REGISTRY = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
SETTINGS = Settings()
RED = "FFC7CE"


def process(name: str):  # type: ignore[no-untyped-def]
    raw = classify(REPORTS / name, REPORTS.parent)
    assert raw is not None
    return process_file(raw, REGISTRY, SETTINGS, [2024, 2025])


def test_xls_submission_gets_an_xlsx_copy_with_the_failing_cell_marked(tmp_path: Path) -> None:
    parsed = process("f11_furniture.xls")
    out = write_feedback(
        tmp_path / "f11_furniture.xls.xlsx",
        parsed.findings,
        sheets=read_xlsx(REPORTS / "f11_furniture.xls", SETTINGS),
        header_cols=parsed.header_cols,
    )
    wb = load_workbook(out)
    ws = wb["TongHop"]
    assert ws["C11"].value == "Sở Y tê tỉnh Bình Định"  # the unit's content, as sent
    assert ws["C11"].fill.fgColor.rgb.endswith(RED)
    assert ws["C6"].value == "Sở Y tế tỉnh Bình Định" and not ws["C6"].fill.fgColor.rgb.endswith(RED)


def test_feedback_formats_the_id_column_as_text(tmp_path: Path) -> None:
    source = tmp_path / "f11_ids.xlsx"
    shutil.copyfile(REPORTS / "f11_ids.xlsx", source)
    parsed = process("f11_ids.xlsx")
    assert id_columns(parsed) == [("DanhSach", 8)]
    out = write_feedback(
        tmp_path / "fb.xlsx",
        parsed.findings,
        workbook=source,
        header_cols=parsed.header_cols,
        id_columns=id_columns(parsed),
    )
    ws = load_workbook(out)["DanhSach"]
    assert ws["H2"].value == "052095000701"  # the lost zero written back, as text
    assert ws["H3"].value == "5209500070"  # unrecoverable: left as typed, but now text
    assert ws["H5"].value == "052095000704"
    assert all(ws.cell(row=r, column=8).number_format == "@" for r in (2, 3, 50, 200))
    assert ws["H2"].fill.fgColor.rgb.endswith("FFEB9C")  # the warning is still marked
