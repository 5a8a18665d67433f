"""The plan document as received (text) and its annex pasted into a workbook give the same rows."""

from __future__ import annotations

import unicodedata
from datetime import date
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdv.settings import Settings
from pdv.sources.plan import parse_plan_metadata, read_annex_xlsx, read_plan_text
from pdv.sources.spreadsheet import FileRejected
from tests.conftest import PLAN_TEXT

SETTINGS = Settings()


def annex_rows() -> list[list[str]]:
    """Data rows of the real annex (STT, type, name, six targets), from the document text."""
    lines = PLAN_TEXT.read_text(encoding="utf-8").splitlines()
    return [line.split("\t") for line in lines if line.split("\t")[0].isdigit()]


def write_pasted_annex(path: Path, nfd: bool = False, page: int = 20) -> Path:
    """The annex as an officer pastes it into Excel: title rows, merged two-level header,
    the header block repeated every ``page`` rows, stray spaces, numbers as numbers."""
    wb = openpyxl.Workbook()
    ws = wb.active
    assert ws is not None
    ws.title = "Phụ lục"
    text = (lambda s: unicodedata.normalize("NFD", s)) if nfd else (lambda s: s)
    ws.append([text("DANH SÁCH")])
    ws.append([text("GIAO CHỈ TIÊU PHÁT TRIỂN ĐẢNG VIÊN NĂM 2024 VÀ NĂM 2025")])
    ws.append([text("(Kèm theo Kế hoạch số 104-KH/ĐUK, ngày 06/3/2024 của Ban Thường vụ Đảng ủy Khối)")])
    ws.append([""])

    def header() -> None:
        top = ws.max_row + 1
        ws.append([text("STT"), text(" Đơn vị "), None, text("Chỉ tiêu phát triển đảng viên")])
        ws.append([None, None, None, text("Năm 2024"), None, None, text("Năm  2025")])
        ws.append(
            [None, None, None] + [text(h) for h in ["Tổng cộng", "Đoàn viên thanh niên", "Đoàn viên công đoàn"] * 2]
        )
        ws.merge_cells(start_row=top, end_row=top + 2, start_column=1, end_column=1)
        ws.merge_cells(start_row=top, end_row=top + 2, start_column=2, end_column=3)
        ws.merge_cells(start_row=top, end_row=top, start_column=4, end_column=9)
        ws.merge_cells(start_row=top + 1, end_row=top + 1, start_column=4, end_column=6)
        ws.merge_cells(start_row=top + 1, end_row=top + 1, start_column=7, end_column=9)

    for i, row in enumerate(annex_rows()):
        if i % page == 0:
            header()
        stt, unit_type, name, *numbers = row
        ws.append([int(stt), text(unit_type) + " ", "  " + text(name), *(int(n) for n in numbers)])
    ws.append([text("* Lưu ý: Những đơn vị không còn nguồn để phát triển đảng viên nên không giao chỉ tiêu")])
    wb.save(path)
    return path


def test_plan_metadata_is_read_from_the_document() -> None:
    doc = read_plan_text(PLAN_TEXT, "plan/p.txt", SETTINGS)
    assert doc.plan_no == "104-KH/ĐUK"
    assert doc.plan_date == date(2024, 3, 6)
    assert doc.years == [2024, 2025]
    assert doc.yearly_target == 240
    assert doc.min_youth_share_pct == 70.0
    assert doc.findings == []


def test_metadata_changes_with_the_text() -> None:
    text = PLAN_TEXT.read_text(encoding="utf-8").replace("kết nạp 240 đảng viên", "kết nạp 250 đảng viên")
    assert parse_plan_metadata(text.replace("70%", "65%"), "p").min_youth_share_pct == 65.0
    assert parse_plan_metadata(text, "p").yearly_target == 250


def test_missing_metadata_is_a_finding_not_a_guess() -> None:
    doc = parse_plan_metadata("KẾ HOẠCH\nphát triển đảng viên\n", "plan/x.txt")
    assert doc.yearly_target is None
    assert {f.rule for f in doc.findings} == {"plan.metadata_missing"}
    assert len(doc.findings) == 5


def test_text_annex_has_every_unit_once_per_year_despite_repeated_headers() -> None:
    annex = read_plan_text(PLAN_TEXT, "plan/p.txt", SETTINGS).annex
    assert annex is not None
    frame = annex.frame
    assert len(frame) == 110
    assert frame["stt"].nunique() == 55
    assert set(frame["year"]) == {2024, 2025}
    first = frame[(frame["stt"] == 1) & (frame["year"] == 2025)].iloc[0]
    assert (first["unit_type"], first["unit_name"]) == ("Đảng bộ", "Bệnh viện Đa khoa tỉnh Bình Định")
    assert (first["target_total"], first["target_youth"], first["target_union"]) == ("15", "10", "5")
    assert first["source_row"] == 106  # the line in the text file
    assert annex.findings == []


@pytest.mark.parametrize("nfd", [False, True])
def test_pasted_workbook_gives_identical_rows(tmp_path: Path, nfd: bool) -> None:
    text = read_plan_text(PLAN_TEXT, "plan/p.txt", SETTINGS)
    xlsx = read_annex_xlsx(write_pasted_annex(tmp_path / "annex.xlsx", nfd=nfd), "plan/a.xlsx", SETTINGS)
    assert xlsx.plan_no == text.plan_no and xlsx.plan_date == text.plan_date
    assert text.annex is not None and xlsx.annex is not None
    cols = ["stt", "unit_type", "unit_name", "year", "target_total", "target_youth", "target_union"]
    pd.testing.assert_frame_equal(text.annex.frame[cols], xlsx.annex.frame[cols])
    assert xlsx.annex.frame["source_row"].iloc[0] == 8  # Excel row after 4 title rows and 3 header rows
    assert xlsx.annex.findings == []


def test_workbook_without_annex_is_rejected(tmp_path: Path) -> None:
    wb = openpyxl.Workbook()
    wb.active.append(["nothing", "here"])  # type: ignore[union-attr]
    wb.save(tmp_path / "x.xlsx")
    with pytest.raises(FileRejected) as err:
        read_annex_xlsx(tmp_path / "x.xlsx", "plan/x.xlsx", SETTINGS)
    assert err.value.rule == "file.no_header"


def test_total_row_is_checked_not_loaded(tmp_path: Path) -> None:
    lines = PLAN_TEXT.read_text(encoding="utf-8").splitlines()
    end = max(i for i, line in enumerate(lines) if line.split("\t")[0] == "55")
    lines.insert(end + 1, "Tổng cộng\t\t\t260\t176\t86\t232\t166\t60")
    path = tmp_path / "p.txt"
    path.write_text("\n".join(lines), encoding="utf-8")
    annex = read_plan_text(path, "plan/p.txt", SETTINGS).annex
    assert annex is not None
    assert len(annex.frame) == 110
    [finding] = annex.findings
    assert (finding.rule, finding.row, finding.value, finding.period) == (
        "annex.total_row_mismatch",
        end + 2,
        "60",
        "2025",
    )
    assert finding.params["expected"] == 66


def test_text_that_is_not_utf8_is_rejected(tmp_path: Path) -> None:
    path = tmp_path / "p.txt"
    path.write_bytes("Kế hoạch".encode("utf-16"))
    with pytest.raises(FileRejected):
        read_plan_text(path, "plan/p.txt", SETTINGS)
