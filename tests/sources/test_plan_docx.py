"""The plan and its annex read from the .docx document give exactly what the text form gives."""

from __future__ import annotations

import shutil
import zipfile
from pathlib import Path

import pandas as pd
import pytest

from pdv.ingest import classify, process_file
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.plan import read_plan_text
from pdv.sources.plan_docx import docx_lines, read_plan_docx
from pdv.sources.spreadsheet import FileRejected

TEXT = next((PROJECT_ROOT / "data" / "raw" / "plan").glob("*.txt"))
DOCX = Path(__file__).resolve().parents[1] / "data" / "plan" / f"{TEXT.stem}.docx"
SETTINGS = Settings()


def test_docx_body_is_the_text_form_line_for_line() -> None:
    text = TEXT.read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n")
    lines = docx_lines(DOCX)
    assert len(lines) == len(text)
    differ = [
        (n, a, b) for n, (a, b) in enumerate(zip(lines, text, strict=True), 1) if a.rstrip("\t") != b.rstrip("\t")
    ]
    assert differ == []


def test_docx_table_has_merged_and_repeated_header_cells() -> None:
    from docx import Document

    tables = Document(str(DOCX)).tables
    assert len(tables) >= 2  # the header block repeats after each page break
    first = tables[0]
    assert first.cell(0, 3)._tc is first.cell(0, 8)._tc  # "Chỉ tiêu" spans six columns
    assert first.cell(0, 0)._tc is first.cell(2, 0)._tc  # STT spans three rows


def test_docx_plan_is_identical_to_the_text_form() -> None:
    a = read_plan_docx(DOCX, "plan/x.docx", SETTINGS)
    b = read_plan_text(TEXT, "plan/x.txt", SETTINGS)
    assert (a.plan_no, a.plan_date, a.years, a.yearly_target, a.min_youth_share_pct) == (
        b.plan_no,
        b.plan_date,
        b.years,
        b.yearly_target,
        b.min_youth_share_pct,
    )
    assert a.plan_no == "104-KH/ĐUK" and a.years == [2024, 2025]
    assert a.annex is not None and b.annex is not None
    pd.testing.assert_frame_equal(a.annex.frame, b.annex.frame)
    assert a.annex.headers == b.annex.headers
    assert [f.record()["rule"] for f in a.annex.findings] == [f.record()["rule"] for f in b.annex.findings]


def test_docx_in_the_raw_plan_folder_is_read_and_validated_like_the_text(tmp_path: Path) -> None:
    registry = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
    (tmp_path / "plan").mkdir()
    shutil.copyfile(DOCX, tmp_path / "plan" / "plan.docx")
    shutil.copyfile(TEXT, tmp_path / "plan" / "plan.txt")
    docx_raw, text_raw = (
        classify(tmp_path / "plan" / "plan.docx", tmp_path),
        classify(tmp_path / "plan" / "plan.txt", tmp_path),
    )
    assert docx_raw is not None and text_raw is not None and docx_raw.kind == "plan_docx"
    a, b = process_file(docx_raw, registry, SETTINGS), process_file(text_raw, registry, SETTINGS)
    assert a.targets is not None and b.targets is not None
    pd.testing.assert_frame_equal(a.targets, b.targets)
    drop = ["issue_id", "file"]
    pd.testing.assert_frame_equal(a.findings.drop(columns=drop), b.findings.drop(columns=drop))


def test_docx_with_a_dtd_is_rejected(tmp_path: Path) -> None:
    bad = tmp_path / "bad.docx"
    with zipfile.ZipFile(DOCX) as src, zipfile.ZipFile(bad, "w") as dst:
        for info in src.infolist():
            data = src.read(info.filename)
            if info.filename == "word/document.xml":
                data = data.replace(b"?>", b'?><!DOCTYPE w:document [<!ENTITY x "y">]>', 1)
            dst.writestr(info, data)
    with pytest.raises(FileRejected) as err:
        read_plan_docx(bad, "plan/bad.docx", SETTINGS)
    assert (err.value.rule, err.value.detail) == ("file.xml_dtd", "word/document.xml")
