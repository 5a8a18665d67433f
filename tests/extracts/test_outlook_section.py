"""The extracts' early-warning section: HTML and XLSX from a known outlook, and in the demo's extracts."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdv import outlook as o
from pdv.extracts.build import extract_period
from pdv.extracts.outlook_section import TITLE_VI, OutlookSection, follow_up_items
from pdv.extracts.render import ExtractMeta, write_html, write_xlsx
from pdv.settings import Settings
from pdv.synthetic.demo import DemoResult
from pdv.warehouse import Destination

Loaded = tuple[Settings, Destination, DemoResult]


def unit(code: str, name: str, status: str, reason: str, **extra: object) -> dict[str, object]:
    row: dict[str, object] = {
        "year": 2024,
        "month": 6,
        "stt": len(code),
        "unit_code": code,
        "unit_name": name,
        "unit_type": "Chi bộ",
        "parent_name": "",
        "target_total": 10,
        "target_youth": 7,
        "target_union": 3,
        "admitted_total": 4,
        "admitted_youth": 2,
        "admitted_union": 2,
        "months_reported": 6,
        "months_missing": 0,
        "months_silent": 0,
        "trained_waiting": 3,
        "lag_months": 1.0,
        "sympathizers_end": 5.0,
        "projected_total": 8.0,
        "projected_low": 6.0,
        "projected_high": 11.0,
        "projected_youth": 5.0,
        "projected_union": 3.0,
        "naive_total": 8.0,
        "needed_per_month": 1.0,
        "youth_gap": 5,
        "status": status,
        "status_vi": o.STATUS_VI[status],
        "reason_vi": reason,
    }
    return row | extra


@pytest.fixture
def section() -> OutlookSection:
    units = pd.DataFrame(
        [
            unit("A", "Đơn vị đạt", o.ON_TRACK, o.REASON_PACE_OK, projected_total=12.0, youth_gap=0),
            unit("BB", "<script>alert(1)</script> Chi bộ B", o.AT_RISK, o.REASON_SLOW),
            unit("CCC", '=HYPERLINK("x")', o.UNLIKELY, o.REASON_NO_TRAINED, trained_waiting=0),
            unit("DDDD", "Đơn vị im lặng", o.AT_RISK, "chưa nộp báo cáo 2 tháng", months_silent=2, months_missing=2),
        ]
    )
    bloc = o.bloc_outlook(units, 40, 70.0).iloc[0].to_dict()
    return OutlookSection(2024, 6, units, bloc, [1, 3, 6, 9, 12, 16], {"DDDD": "T5, T6"})


@pytest.fixture
def meta() -> ExtractMeta:
    return ExtractMeta("2024-H1", "half", 2024, "Kết quả 6 tháng", "2024-06", "104-KH/ĐUK", 40, 70.0, "as_is")


def test_follow_up_lists_what_the_board_can_act_on(section: OutlookSection) -> None:
    quiet = section.units.iloc[3]
    items = follow_up_items(section, quiet)
    assert items[0] == "chưa nộp báo cáo tháng T5, T6"
    assert "3 quần chúng đã học lớp bồi dưỡng đang chờ kết nạp" in items
    assert "cần thêm 5 đoàn viên thanh niên để đạt tỷ lệ tối thiểu" in items
    assert list(section.follow_up["unit_code"]) == ["BB", "CCC", "DDDD"]


def test_html_section_with_chart_units_and_follow_up(
    tmp_path: Path, section: OutlookSection, meta: ExtractMeta
) -> None:
    path = tmp_path / "x.html"
    months = pd.DataFrame(columns=["month", "admitted_total", "cumulative", "target_cumulative"])
    write_html(path, _rows(), months, meta, outlook=section)
    text = path.read_text(encoding="utf-8")
    part = text[text.index('<section class="chart outlook">') :]
    assert TITLE_VI in part and "<svg" in part and "Chỉ tiêu năm (40)" in part
    assert "<script>" not in text and "&lt;script&gt;alert(1)&lt;/script&gt;" in part
    assert "Đơn vị đạt" not in part.split("Danh sách đôn đốc")[0].split("</svg>")[1]  # on track: counted, not listed
    assert "chưa nộp báo cáo tháng T5, T6" in part
    assert re.search(r"khó đạt: 1", part) and "chưa rõ: 0" in part
    # Actual to date (six points), the projection from June, the range as a polygon, the target line.
    svg = part[part.index("<svg") : part.index("</svg>")]
    assert svg.count("<circle") == 6 and "<polygon" in svg and 'stroke-dasharray="6 4"' in svg


def test_xlsx_sheet_lists_the_units_not_on_track(tmp_path: Path, section: OutlookSection, meta: ExtractMeta) -> None:
    path = tmp_path / "x.xlsx"
    write_xlsx(path, _rows(), meta, outlook=section)
    wb = openpyxl.load_workbook(path)
    assert wb.sheetnames[1] == "Dự báo"
    ws = wb["Dự báo"]
    assert TITLE_VI.upper() in str(ws["A1"].value)
    names = [ws.cell(row=r, column=2).value for r in range(7, 10)]
    assert names[0].startswith("<script>") and names[2] == "Đơn vị im lặng"
    assert not str(ws.cell(row=8, column=2).value).startswith("=")  # formula text neutralised
    assert ws.cell(row=7, column=5).value == 8.0 and ws.cell(row=7, column=9).value == "có nguy cơ"
    assert "T5, T6" in str(ws.cell(row=9, column=11).value)


def _rows() -> pd.DataFrame:
    from tests.extracts.test_render import meta_for, sample

    return sample(meta_for("2024-H1"))[0]


@pytest.mark.usefixtures("prefect_harness")
def test_quarter_extract_has_the_section_and_the_year_has_not(loaded: Loaded, tmp_path: Path) -> None:
    settings, dest, _ = loaded
    q2 = extract_period(dest, settings, "2024-Q2", out_dir=tmp_path / "q2")
    html = (q2.directory / "tien-do-2024-Q2.html").read_text(encoding="utf-8")
    assert TITLE_VI in html and "Đến hết tháng 6/2024" in html
    assert "Dự báo" in openpyxl.load_workbook(q2.directory / "tien-do-2024-Q2.xlsx").sheetnames
    units = o.outlook_for(settings, 2024, 6)
    at_risk = units[units["status"].isin([o.AT_RISK, o.UNLIKELY])]
    assert len(at_risk) and all(str(n) in html for n in at_risk["unit_name"])
    year = extract_period(dest, settings, "2024", out_dir=tmp_path / "y")
    assert TITLE_VI not in (year.directory / "tien-do-2024.html").read_text(encoding="utf-8")


def test_section_is_deterministic(tmp_path: Path, section: OutlookSection, meta: ExtractMeta) -> None:
    months = pd.DataFrame(columns=["month", "admitted_total", "cumulative", "target_cumulative"])
    outputs = []
    for i in range(2):
        write_xlsx(tmp_path / f"{i}.xlsx", _rows(), meta, outlook=section)
        write_html(tmp_path / f"{i}.html", _rows(), months, meta, outlook=section)
        outputs.append(((tmp_path / f"{i}.xlsx").read_bytes(), (tmp_path / f"{i}.html").read_bytes()))
    assert outputs[0] == outputs[1]


def test_libreoffice_opens_the_workbook_with_the_outlook_sheet(
    tmp_path: Path, section: OutlookSection, meta: ExtractMeta
) -> None:
    import subprocess

    from tests.extracts.test_render import find_binary

    soffice = find_binary("soffice", "libreoffice", package="libreoffice-calc-nogui")
    write_xlsx(tmp_path / "with.xlsx", _rows(), meta, outlook=section)
    write_xlsx(tmp_path / "without.xlsx", _rows(), meta)
    profile = tmp_path / "lo-profile"
    done = subprocess.run(
        [soffice, f"-env:UserInstallation={profile.as_uri()}", "--headless", "--norestore", "--convert-to", "pdf",
         "--outdir", str(tmp_path / "pdf"), str(tmp_path / "with.xlsx"), str(tmp_path / "without.xlsx")],
        capture_output=True,
        text=True,
        timeout=240,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    pdfs = {n: (tmp_path / "pdf" / f"{n}.pdf").read_bytes() for n in ("with", "without")}
    pages = {n: len(re.findall(rb"/Type\s*/Page(?!s)", pdf)) for n, pdf in pdfs.items()}
    assert pdfs["with"].startswith(b"%PDF") and pages["with"] > pages["without"] >= 1  # the outlook sheet prints


def _sheet(path: Path) -> list[tuple[object, ...]]:
    ws = openpyxl.load_workbook(path)["Dự báo"]
    return [tuple((c.value, c.number_format, c.alignment.horizontal, c.border.left.style) for c in r) for r in ws.rows]


def test_large_outlook_sheet_written_as_xml_reads_as_the_cells_would(
    tmp_path: Path, section: OutlookSection, meta: ExtractMeta, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Above LARGE_UNITS units the rows are XML text: the same values, formats and styles as openpyxl cells."""
    import pdv.extracts.outlook_section as sec

    units = pd.concat([section.units.assign(unit_code=section.units["unit_code"] + str(k)) for k in range(130)])
    big = OutlookSection(2024, 6, units.reset_index(drop=True), section.bloc, section.cumulative, {"DDDD0": "T6"})
    assert len(big.units) > sec.LARGE_UNITS
    write_xlsx(tmp_path / "xml.xlsx", _rows(), meta, outlook=big)
    monkeypatch.setattr(sec, "LARGE_UNITS", 10**9)  # the openpyxl cells, as for a bloc
    write_xlsx(tmp_path / "cells.xlsx", _rows(), meta, outlook=big)
    xml, cells = _sheet(tmp_path / "xml.xlsx"), _sheet(tmp_path / "cells.xlsx")
    assert len(xml) == len(cells) > 390 and xml == cells
    assert not str(xml[7][1][0]).startswith("=")  # formula text neutralised in the XML too
