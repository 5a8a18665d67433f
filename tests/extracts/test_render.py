"""The extract renderers: CSV bytes, the annex-like workbook (and that LibreOffice prints it), the offline HTML page.

LibreOffice and Chromium are part of the suite (CI installs them): a missing binary fails, never skips.
Regenerate the documentation screenshot with ``python -m tests.extracts.test_render docs/report.png``.
"""

from __future__ import annotations

import csv
import io
import random
import re
import shutil
import subprocess
import sys
from collections.abc import Iterator
from html.parser import HTMLParser
from pathlib import Path
from typing import Any

import pandas as pd
import pytest
from openpyxl import load_workbook
from openpyxl.worksheet.worksheet import Worksheet

from pdv.extracts.render import (
    BEHIND_FILL_RGB,
    FIRST_DATA_ROW,
    HEADER_ROW,
    ExtractMeta,
    columns,
    write_csv,
    write_html,
    write_xlsx,
)
from pdv.settings import PROJECT_ROOT
from pdv.xlsxio import FIXED_TIMESTAMP

BOM = b"\xef\xbb\xbf"
YEAR = 2024
# Plan 104-KH/ĐUK's annex, 2024 targets in annex order: (total, youth-union, trade-union).
TARGETS_2024 = [
    (20, 13, 7), (15, 7, 8), (8, 4, 4), (8, 5, 3), (4, 2, 2), (2, 2, 0), (3, 2, 1), (4, 3, 1), (2, 1, 1),
    (2, 2, 0), (2, 0, 2), (4, 3, 1), (2, 1, 1), (7, 7, 0), (6, 3, 3), (10, 4, 6), (2, 1, 1), (6, 4, 2),
    (10, 4, 6), (2, 0, 2), (1, 1, 0), (2, 2, 0), (1, 0, 1), (10, 10, 0), (1, 0, 1), (55, 50, 5), (8, 6, 2),
    (2, 2, 0), (1, 1, 0), (2, 2, 0), (7, 4, 3), (1, 1, 0), (1, 0, 1), (6, 3, 3), (1, 0, 1), (2, 2, 0),
    (6, 6, 0), (7, 3, 4), (5, 3, 2), (1, 0, 1), (1, 1, 0), (4, 0, 4), (1, 1, 0), (1, 1, 0), (1, 1, 0),
    (3, 2, 1), (0, 0, 0), (3, 3, 0), (1, 1, 0), (1, 0, 1), (1, 0, 1), (1, 1, 0), (2, 1, 1), (1, 0, 1),
    (2, 0, 2),
]  # fmt: skip
MERGED_INTO = {"STTTT": "SKHCN"}  # early 2025: Science & Technology absorbed Information & Communications
# Text a spreadsheet would run as a formula, and markup a page must not run.
HOSTILE = {
    "BVDK": {"unit_name": "=1+2"},
    "CTHUE": {"unit_name": "@SUM(A1:A9)"},
    "SYT": {"unit_name": "-Sở Y tế (tên bắt đầu bằng dấu trừ)", "unit_code": "+SYT"},
    "BAOBD": {"unit_name": 'Báo <b>Bình Định</b> & "Đài" <script>alert(1)</script>'},
}
NEGATIVE_UNIT = "TCT"  # a negative number stays a number: -1 is not neutralised


def meta_for(period: str = str(YEAR), view: str = "as_is") -> ExtractMeta:
    kind = "quarter" if "Q" in period else "half" if "H" in period else "year"
    suffix = period[5:]
    last = {"Q1": 3, "Q2": 6, "Q3": 9, "H1": 6}.get(suffix, 12)
    label = {
        "Q1": "quý I ",
        "Q2": "quý II ",
        "Q3": "quý III ",
        "Q4": "quý IV ",
        "H1": "6 tháng đầu ",
        "H2": "6 tháng cuối ",
    }
    return ExtractMeta(
        period=period,
        period_type=kind,
        year=YEAR,
        title_vi=f"Kết quả phát triển đảng viên {label.get(suffix, '')}năm {YEAR}",
        data_cutoff=f"{YEAR}-{last:02d}",
        plan_no="104-KH/ĐUK",
        yearly_target=240,
        min_youth_share_pct=70.0,
        view=view,
    )


def sample(meta: ExtractMeta, hostile: bool = False, seed: int = 2024) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Realistic rows (54 units after the 2025 merger + the bloc total) and the bloc's months up to the cut-off."""
    rng = random.Random(seed)
    registry = pd.read_csv(PROJECT_ROOT / "data" / "raw" / "reference" / "units.csv", dtype=str, keep_default_na=False)
    registry = registry[registry["parent_code"] != ""][["unit_code", "unit_type", "unit_name"]]  # the units of 2024
    assert len(registry) == len(TARGETS_2024) == 55
    first = {"quarter": 3 * int(meta.period[-1]) - 2, "half": 1 if meta.period.endswith("H1") else 7, "year": 1}
    start, end = first[meta.period_type], int(meta.data_cutoff[5:])
    targets = {code: list(t) for code, t in zip(registry["unit_code"], TARGETS_2024, strict=True)}
    for old, new in MERGED_INTO.items():  # as_is: the successor carries the merged unit's target
        targets[new] = [a + b for a, b in zip(targets[new], targets.pop(old), strict=True)]
    records: list[dict[str, Any]] = []
    monthly_units = []
    for stt, (code, unit_type, name) in enumerate(registry.itertuples(index=False), start=1):
        if code in MERGED_INTO:
            continue
        total, youth, union = targets[code]
        pace = rng.choice([0.3, 0.6, 0.8, 0.9, 1.0, 1.0, 1.1, 1.2, 1.3])
        ytd = round(total * end / 12 * pace) if total else rng.choice([0, 0, 0, 1])
        ytd_youth = round(ytd * rng.uniform(0.55, 0.95))
        # Spread the year-to-date admissions over the months so far, then sum the period's months.
        per_month = [0] * end
        for _ in range(ytd):
            per_month[min(end - 1, int(rng.triangular(0, end, end * 0.6)))] += 1
        monthly_units.append(per_month)
        in_period = sum(per_month[start - 1 : end])
        youth_in_period = min(in_period, round(in_period * ytd_youth / ytd)) if ytd else 0
        expected = end - start + 1
        received = expected - rng.choice([0, 0, 0, 0, 1, 2])
        achievement = ytd / total * 100 if total else None
        records.append(
            {
                "stt": stt,
                "unit_type": unit_type,
                "unit_name": name,
                "unit_code": code,
                "parent_name": "Đảng bộ Ủy ban nhân dân tỉnh Gia Lai",
                "target_total": total,
                "target_youth": youth,
                "target_union": union,
                "admitted_total": in_period,
                "admitted_youth": youth_in_period,
                "admitted_union": in_period - youth_in_period,
                "ytd_admitted_total": ytd,
                "ytd_admitted_youth": ytd_youth,
                "ytd_admitted_union": ytd - ytd_youth,
                "achievement_pct": achievement,
                "youth_share_pct": ytd_youth / ytd * 100 if ytd else None,
                "recognized_full": rng.randint(0, max(1, total // 2)),
                "trained": rng.randint(0, 2 * total + 2),
                "sympathizers_end": rng.choice([None, *range(0, 3 * total + 4)]) if stt % 9 == 0 else 2 * total + 1,
                "reports_expected": expected,
                "reports_received": received,
                "reports_on_time": received - rng.choice([0, 0, 0, 1]) if received else 0,
                "open_errors": rng.choice([0, 0, 0, 0, 0, 1, 2]),
                "behind_schedule": bool(total) and (achievement or 0) < 100 * end / 12,
                "is_total": False,
                "predecessors": "Sở Thông tin và Truyền thông tỉnh Bình Định" if code == "SKHCN" else "",
            }
        )
        if hostile:
            records[-1].update(HOSTILE.get(code, {}))
            if code == NEGATIVE_UNIT:
                records[-1]["open_errors"] = -1
    units = pd.DataFrame(records)
    sums = {c: int(units[c].sum()) for c in units.columns if c.startswith(("target_", "admitted_", "ytd_", "reports_"))}
    sums |= {c: int(units[c].sum()) for c in ("recognized_full", "trained", "open_errors")}
    total_row = {
        **sums,
        "stt": None,
        "unit_type": "",
        "unit_name": "Toàn Đảng bộ Khối",
        "unit_code": "",
        "parent_name": "",
        "achievement_pct": sums["ytd_admitted_total"] / sums["target_total"] * 100,
        "youth_share_pct": sums["ytd_admitted_youth"] / sums["ytd_admitted_total"] * 100,
        "sympathizers_end": int(units["sympathizers_end"].sum()),
        "behind_schedule": False,
        "is_total": True,
        "predecessors": "",
    }
    rows = pd.concat([units, pd.DataFrame([total_row])], ignore_index=True)
    rows["stt"] = rows["stt"].astype("float64")  # as a database hands it over: NaN on the total row
    per_month = [sum(m[i] for m in monthly_units) for i in range(end)]
    monthly = pd.DataFrame(
        {
            "month": [f"{YEAR}-{m:02d}" for m in range(1, end + 1)],
            "admitted_total": per_month,
            "cumulative": pd.Series(per_month).cumsum(),
            "target_cumulative": [round(meta.yearly_target * m / 12, 1) for m in range(1, end + 1)],
        }
    )
    return rows, monthly


# --- fixtures ---------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def meta() -> ExtractMeta:
    return meta_for()


@pytest.fixture(scope="module")
def data(meta: ExtractMeta) -> tuple[pd.DataFrame, pd.DataFrame]:
    return sample(meta, hostile=True)


@pytest.fixture(scope="module")
def out(tmp_path_factory: pytest.TempPathFactory, meta: ExtractMeta, data: tuple[pd.DataFrame, pd.DataFrame]) -> Path:
    rows, monthly = data
    d = tmp_path_factory.mktemp("extract")
    write_csv(d / "extract.csv", rows, meta)
    write_xlsx(d / "extract.xlsx", rows, meta)
    write_html(d / "extract.html", rows, monthly, meta)
    return d


def unit_count(rows: pd.DataFrame) -> int:
    return int((~rows["is_total"]).sum())


# --- CSV --------------------------------------------------------------------------------------------


def read_csv_cells(path: Path) -> list[list[str]]:
    return list(csv.reader(io.StringIO(path.read_bytes()[len(BOM) :].decode("utf-8"), newline="")))


def test_csv_bom_crlf_and_vietnamese_headers(out: Path, data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    raw = (out / "extract.csv").read_bytes()
    assert raw.startswith(BOM)
    text = raw[len(BOM) :].decode("utf-8")
    assert text.endswith("\r\n")
    assert text.count("\n") == text.count("\r\n") == unit_count(data[0]) + 2  # header + units + total
    header = read_csv_cells(out / "extract.csv")[0]
    assert header[:4] == ["STT", "Loại tổ chức", "Tên đơn vị", "Mã đơn vị"]
    for expected in [
        "Chỉ tiêu năm 2024 - Tổng số",
        "Chỉ tiêu năm 2024 - Đoàn viên thanh niên",
        "Chỉ tiêu năm 2024 - Đoàn viên công đoàn",
        "Kết nạp trong kỳ - Tổng số",
        "Lũy kế từ đầu năm - Tổng số",
        "% đạt chỉ tiêu",
        "Tỷ lệ ĐVTN (%)",
        "Công nhận đảng viên chính thức",
        "Bồi dưỡng nhận thức về Đảng",
        "Quần chúng cảm tình Đảng cuối kỳ",
        "Báo cáo tháng - Phải nộp",
        "Báo cáo tháng - Đã nộp",
        "Báo cáo tháng - Đúng hạn",
        "Lỗi chưa xử lý",
        "Đơn vị tiền thân",
    ]:
        assert expected in header
    assert "behind_schedule" not in header and "is_total" not in header
    assert len(header) == len(columns()) == 24


def test_csv_numbers_are_exact(out: Path, data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    rows, _ = data
    cells = read_csv_cells(out / "extract.csv")
    header, body = cells[0], cells[1:]
    col = {h: i for i, h in enumerate(header)}
    assert len(body) == len(rows)
    # stt is float in the frame (the total row has none): still written as an int, empty on the total.
    assert rows["stt"].dtype.kind == "f"
    assert [r[col["STT"]] for r in body[:3]] == ["1", "2", "3"]
    total = body[-1]
    assert total[col["STT"]] == "" and total[col["Tên đơn vị"]] == "Toàn Đảng bộ Khối"
    for r, (_, src) in zip(body, rows.iterrows(), strict=True):
        assert r[col["Chỉ tiêu năm 2024 - Tổng số"]] == str(int(src["target_total"]))
        assert r[col["Lũy kế từ đầu năm - Đoàn viên thanh niên"]] == str(int(src["ytd_admitted_youth"]))
        pct = src["achievement_pct"]
        assert r[col["% đạt chỉ tiêu"]] == ("" if pd.isna(pct) else f"{pct:.1f}")
        stock = src["sympathizers_end"]
        assert r[col["Quần chúng cảm tình Đảng cuối kỳ"]] == ("" if pd.isna(stock) else str(int(stock)))
    for r in body:
        for i, value in enumerate(r):
            if header[i] in ("% đạt chỉ tiêu", "Tỷ lệ ĐVTN (%)"):
                assert value == "" or re.fullmatch(r"\d+\.\d", value), value
            elif columns()[i].kind == "int":
                assert value == "" or re.fullmatch(r"-?\d+", value), (header[i], value)
    # Spot checks by hand: a unit with no target has an empty percentage, and one known ratio.
    zero = next(r for r in body if r[col["Mã đơn vị"]] == "TDOAN")
    assert zero[col["Chỉ tiêu năm 2024 - Tổng số"]] == "0" and zero[col["% đạt chỉ tiêu"]] == ""
    assert body[-1][col["Tỷ lệ ĐVTN (%)"]] == f"{rows.iloc[-1]['youth_share_pct']:.1f}"


def test_csv_neutralises_formula_text_but_not_numbers(out: Path) -> None:
    cells = read_csv_cells(out / "extract.csv")
    col = {h: i for i, h in enumerate(cells[0])}
    by_code = {r[col["Mã đơn vị"]]: r for r in cells[1:]}
    assert by_code["BVDK"][col["Tên đơn vị"]] == "'=1+2"
    assert by_code["CTHUE"][col["Tên đơn vị"]] == "'@SUM(A1:A9)"
    assert by_code["'+SYT"][col["Tên đơn vị"]] == "'-Sở Y tế (tên bắt đầu bằng dấu trừ)"
    assert by_code[NEGATIVE_UNIT][col["Lỗi chưa xử lý"]] == "-1"
    assert by_code["SKHCN"][col["Đơn vị tiền thân"]] == "Sở Thông tin và Truyền thông tỉnh Bình Định"


def test_csv_is_byte_identical_on_rerun(
    out: Path, tmp_path: Path, meta: ExtractMeta, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    write_csv(tmp_path / "again.csv", data[0].copy(), meta)
    assert (tmp_path / "again.csv").read_bytes() == (out / "extract.csv").read_bytes()


def test_total_row_goes_last_and_must_be_unique(tmp_path: Path, meta: ExtractMeta) -> None:
    rows, _ = sample(meta)
    shuffled = pd.concat([rows.iloc[[-1]], rows.iloc[:-1]], ignore_index=True)
    write_csv(tmp_path / "a.csv", rows, meta)
    write_csv(tmp_path / "b.csv", shuffled, meta)
    assert (tmp_path / "a.csv").read_bytes() == (tmp_path / "b.csv").read_bytes()
    with pytest.raises(ValueError, match="exactly one bloc total"):
        write_csv(tmp_path / "c.csv", rows.iloc[:-1], meta)
    with pytest.raises(ValueError, match="not a whole number"):
        write_csv(tmp_path / "d.csv", rows.assign(trained=rows["trained"] + 0.5), meta)


def test_meta_rejects_inconsistent_periods() -> None:
    good = meta_for("2024-Q1")
    assert good.period_type == "quarter"
    with pytest.raises(ValueError, match="not a 'half'"):
        ExtractMeta(**{**good.__dict__, "period_type": "half"})
    with pytest.raises(ValueError, match="not a period of 2025"):
        ExtractMeta(**{**good.__dict__, "year": 2025})


# --- XLSX -------------------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def sheet(out: Path) -> Iterator[Worksheet]:
    wb = load_workbook(out / "extract.xlsx")
    ws = wb.active
    assert isinstance(ws, Worksheet)
    yield ws
    wb.close()


def col_of(key: str) -> int:
    return [c.key for c in columns()].index(key) + 1


def test_xlsx_title_rows_and_two_level_header(sheet: Worksheet, meta: ExtractMeta) -> None:
    titles = [str(sheet.cell(r, 1).value) for r in range(1, HEADER_ROW)]
    assert "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH" in titles and "BAN TỔ CHỨC" in titles
    assert meta.title_vi.upper() in titles
    assert any(t.startswith("Kỳ báo cáo: Năm 2024") for t in titles)
    assert "Số liệu đến tháng 2024-12" in titles
    assert "Theo kế hoạch số 104-KH/ĐUK" in titles
    merged = {str(r) for r in sheet.merged_cells.ranges}
    assert {"A10:A11", "B10:B11", "C10:C11", "D10:D11", "E10:E11"} <= merged  # STT … parent span both rows
    assert {"F10:H10", "I10:K10", "L10:N10", "T10:V10"} <= merged  # groups over their three columns
    assert sheet["F10"].value == "Chỉ tiêu năm 2024" and sheet["E10"].value == "Trực thuộc"
    assert [sheet.cell(11, c).value for c in (6, 7, 8)] == ["Tổng số", "Đoàn viên thanh niên", "Đoàn viên công đoàn"]
    assert sheet["I10"].value == "Kết nạp trong kỳ" and sheet["L10"].value == "Lũy kế từ đầu năm"
    assert sheet["A10"].value == "STT" and sheet["B10"].value == "Loại tổ chức" and sheet["C10"].value == "Tên đơn vị"
    assert sheet.freeze_panes == "D12"  # below the header, right of the unit name
    assert sheet.column_dimensions["C"].width > 40
    assert sheet.print_title_rows == "$10:$11"


def test_xlsx_numbers_formats_fills_and_total(sheet: Worksheet, data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    rows, _ = data
    last = FIRST_DATA_ROW + len(rows) - 1
    highlighted = []
    for i, (_, src) in enumerate(rows.iterrows()):
        r = FIRST_DATA_ROW + i
        target = sheet.cell(r, col_of("target_total"))
        assert type(target.value) is int and target.value == src["target_total"] and target.number_format == "0"
        pct = sheet.cell(r, col_of("achievement_pct"))
        assert pct.number_format == "0.0"
        if pd.isna(src["achievement_pct"]):
            assert pct.value is None
        else:
            # A whole float comes back from openpyxl as an int (120.0 -> 120): still a number.
            assert isinstance(pct.value, int | float) and pct.value == pytest.approx(src["achievement_pct"])
        fills = {sheet.cell(r, c).fill.fgColor.rgb for c in range(1, len(columns()) + 1)}
        if any(str(f).endswith(BEHIND_FILL_RGB) for f in fills):
            assert len(fills) == 1  # the whole row, not some cells
            highlighted.append(sheet.cell(r, col_of("unit_code")).value)
        fonts = {sheet.cell(r, c).font.b for c in range(1, len(columns()) + 1)}
        assert fonts == ({True} if r == last else {False})
    behind = rows.loc[rows["behind_schedule"] & ~rows["is_total"], "unit_code"]
    assert highlighted == [c if not c.startswith("+") else "'" + c for c in behind]
    assert 5 < len(highlighted) < len(rows) - 5  # the sample has both kinds
    assert sheet.cell(last, col_of("unit_name")).value == "Toàn Đảng bộ Khối"
    assert sheet.cell(last, col_of("stt")).value is None
    assert sheet.cell(last + 1, 1).value is None  # nothing glued to the table
    # Legend and the bloc block under the table.
    texts = {
        str(c.value): c
        for row in sheet.iter_rows(min_row=last + 1, max_row=last + 8)
        for c in row
        if c.value is not None
    }
    assert any("chậm tiến độ" in t for t in texts)
    req = next(c for t, c in texts.items() if t.startswith("Số đảng viên kết nạp trong năm 2024"))
    assert sheet.cell(req.row, req.column + 1).value == 240
    assert sheet.cell(req.row, req.column + 2).value == rows.iloc[-1]["ytd_admitted_total"]
    verdict = str(sheet.cell(req.row, req.column + 3).value)
    assert verdict.startswith("Đạt" if rows.iloc[-1]["ytd_admitted_total"] >= 240 else "Chưa đạt")
    youth = next(c for t, c in texts.items() if t.startswith("Tỷ lệ đoàn viên thanh niên"))
    assert sheet.cell(youth.row, youth.column + 1).value == 70.0
    assert sheet.cell(youth.row, youth.column + 1).number_format == "0.0"
    share = rows.iloc[-1]["youth_share_pct"]
    assert sheet.cell(youth.row, youth.column + 3).value == ("Đạt" if round(share, 1) >= 70 else "Chưa đạt")


def test_xlsx_neutralises_text_and_keeps_numbers(sheet: Worksheet, data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    rows, _ = data
    codes = [str(c) for c in rows["unit_code"]]
    row_of = {code: FIRST_DATA_ROW + i for i, code in enumerate(codes)}
    name = col_of("unit_name")
    assert sheet.cell(row_of["BVDK"], name).value == "'=1+2"
    assert sheet.cell(row_of["BVDK"], name).data_type == "s"
    assert sheet.cell(row_of["CTHUE"], name).value == "'@SUM(A1:A9)"
    assert sheet.cell(row_of["+SYT"], col_of("unit_code")).value == "'+SYT"
    negative = sheet.cell(row_of[NEGATIVE_UNIT], col_of("open_errors"))
    assert negative.value == -1 and negative.data_type == "n"
    formulas = [c.coordinate for row in sheet.iter_rows() for c in row if c.data_type == "f"]
    assert formulas == []


def test_xlsx_is_deterministic(
    out: Path, tmp_path: Path, meta: ExtractMeta, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    write_xlsx(tmp_path / "again.xlsx", data[0], meta)
    assert (tmp_path / "again.xlsx").read_bytes() == (out / "extract.xlsx").read_bytes()
    wb = load_workbook(tmp_path / "again.xlsx")
    assert wb.properties.created == FIXED_TIMESTAMP and wb.properties.modified == FIXED_TIMESTAMP


def test_mid_year_extracts_report_the_pace(tmp_path: Path) -> None:
    half = meta_for("2024-H1")
    rows, monthly = sample(half)
    write_xlsx(tmp_path / "h1.xlsx", rows, half)
    write_html(tmp_path / "h1.html", rows, monthly, half)
    wb = load_workbook(tmp_path / "h1.xlsx")
    ws = wb.active
    assert isinstance(ws, Worksheet)
    label = next(
        c for row in ws.iter_rows() for c in row if str(c.value).startswith("Tiến độ cần đạt đến tháng 2024-06")
    )
    ytd = int(rows.iloc[-1]["ytd_admitted_total"])
    assert ws.cell(label.row, label.column + 1).value == 120  # 240 × 6/12
    assert ws.cell(label.row, label.column + 2).value == ytd
    assert ws.cell(label.row, label.column + 3).value == ("Đúng tiến độ" if ytd >= 120 else "Chậm tiến độ")
    assert ws["A5"].value == "Kỳ báo cáo: 6 tháng đầu năm 2024 (tháng 01/2024 - 06/2024)"
    page = (tmp_path / "h1.html").read_text(encoding="utf-8")
    assert "Mức cần đạt đến tháng 6/2024" in page and "Chưa đạt chỉ tiêu năm" in page
    assert page.count(">T") >= 6 and ">T7<" not in page  # January to June only


def find_binary(*names: str, package: str) -> str:
    for name in names:
        found = shutil.which(name)
        if found:
            return found
    pytest.fail(f"{' / '.join(names)} not found on PATH: install it (apt-get install -y {package}); CI must too")


def test_libreoffice_converts_xlsx_to_pdf(out: Path, tmp_path: Path) -> None:
    soffice = find_binary("soffice", "libreoffice", package="libreoffice-calc-nogui")
    pdf_dir = tmp_path / "pdf"
    profile = tmp_path / "lo-profile"  # its own profile: no clash with a running LibreOffice or another test
    done = subprocess.run(
        [
            soffice,
            f"-env:UserInstallation={profile.as_uri()}",
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
            str(pdf_dir),
            str(out / "extract.xlsx"),
        ],
        capture_output=True,
        text=True,
        timeout=240,
    )
    pdf = pdf_dir / "extract.pdf"
    assert done.returncode == 0, done.stderr
    assert pdf.exists(), f"no PDF: {done.stdout} {done.stderr}"
    data = pdf.read_bytes()
    assert data.startswith(b"%PDF") and len(data) > 10_000


# --- HTML -------------------------------------------------------------------------------------------


def test_html_is_one_offline_page(out: Path, data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    page = (out / "extract.html").read_text(encoding="utf-8")
    assert page.startswith("<!DOCTYPE html>")
    assert '<html lang="vi">' in page and '<meta charset="utf-8">' in page
    lowered = page.lower()
    for external in ("http", "<link", "<script", "src=", "@import", "url(", "<img", "<iframe"):
        assert external not in lowered, external
    assert page.count("<svg") == 2 and page.count("</svg>") == 2
    # Text is escaped, in the table and in the chart labels alike.
    assert "<b>" not in page
    assert page.count("Báo &lt;b&gt;Bình Định&lt;/b&gt; &amp; &quot;Đài&quot; &lt;script&gt;") >= 2
    assert "=1+2" in page  # shown as is: the page runs no formulas
    for text in (
        "Kết quả phát triển đảng viên năm 2024",
        "Số liệu đến tháng",
        "2024-12",
        "104-KH/ĐUK",
        "Chỉ tiêu năm 2024",
        "Lũy kế từ đầu năm",
        "Tỷ lệ đoàn viên thanh niên",
        "Yêu cầu tối thiểu 70,0%",
        "Báo cáo đúng hạn",
        "Lỗi dữ liệu chưa xử lý",
        "@page { size: A4 landscape",
    ):
        assert text in page, text
    rows, _ = data
    behind = int((rows["behind_schedule"] & ~rows["is_total"]).sum())
    assert page.count('<tr class="behind">') == behind
    assert page.count('<g class="behind">') == behind  # the chart colours the same units


def test_html_is_deterministic(
    out: Path, tmp_path: Path, meta: ExtractMeta, data: tuple[pd.DataFrame, pd.DataFrame]
) -> None:
    write_html(tmp_path / "again.html", data[0], data[1], meta)
    assert (tmp_path / "again.html").read_bytes() == (out / "extract.html").read_bytes()


def chromium(args: list[str], profile: Path, timeout: int = 120) -> subprocess.CompletedProcess[str]:
    binary = find_binary("chromium", "chromium-browser", "google-chrome", package="chromium")
    flags = [
        "--headless",
        "--no-sandbox",
        "--disable-gpu",
        "--disable-quic",
        "--no-first-run",
        "--disable-background-networking",
        "--disable-component-update",
        "--disable-sync",
        "--hide-scrollbars",
        f"--user-data-dir={profile}",
    ]
    return subprocess.run([binary, *flags, *args], capture_output=True, text=True, timeout=timeout)


class _Rows(HTMLParser):
    """Counts the body rows of table#units and the behind-schedule ones among them."""

    def __init__(self) -> None:
        super().__init__()
        self.in_units = self.in_body = False
        self.rows = self.behind = self.svgs = 0

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        a = dict(attrs)
        if tag == "table" and a.get("id") == "units":
            self.in_units = True
        elif tag == "tbody" and self.in_units:
            self.in_body = True
        elif tag == "tr" and self.in_body:
            self.rows += 1
            self.behind += a.get("class") == "behind"
        elif tag == "svg":
            self.svgs += 1

    def handle_endtag(self, tag: str) -> None:
        if tag == "tbody":
            self.in_body = False
        elif tag == "table":
            self.in_units = False


def test_chromium_renders_the_page(out: Path, tmp_path: Path, data: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    url = (out / "extract.html").as_uri()
    png = tmp_path / "shot.png"
    shot = chromium(["--window-size=1400,2000", f"--screenshot={png}", url], tmp_path / "profile")
    assert png.exists(), f"no screenshot: {shot.stderr[-2000:]}"
    assert png.read_bytes().startswith(b"\x89PNG") and png.stat().st_size > 20_000
    dom = chromium(["--dump-dom", url], tmp_path / "profile")
    assert dom.returncode == 0, dom.stderr[-2000:]
    parser = _Rows()
    parser.feed(dom.stdout)
    rows, _ = data
    assert parser.rows == len(rows)  # every unit and the bloc total
    assert parser.behind == int((rows["behind_schedule"] & ~rows["is_total"]).sum())
    assert parser.svgs == 2


def page_height(html_path: Path, profile: Path, width: int = 1400) -> int:
    """The page's full height at ``width``, measured by a script in a throw-away copy (the report has none)."""
    probe = html_path.with_name("measure.html")
    script = "<script>document.body.dataset.h = document.documentElement.scrollHeight</script>"
    probe.write_text(html_path.read_text(encoding="utf-8").replace("</body>", script + "</body>"), encoding="utf-8")
    dom = chromium([f"--window-size={width},1000", "--dump-dom", probe.resolve().as_uri()], profile)
    found = re.search(r'data-h="(\d+)"', dom.stdout)
    if found is None:
        raise SystemExit(dom.stderr)
    return int(found.group(1))


if __name__ == "__main__":  # python -m tests.extracts.test_render [docs/report.png]: the documentation screenshot
    import tempfile

    target = Path(sys.argv[1] if len(sys.argv) > 1 else "docs/report.png").resolve()
    demo_meta = meta_for("2024-H1")  # a mid-year report shows the pace markers as well
    demo_rows, demo_monthly = sample(demo_meta)
    with tempfile.TemporaryDirectory() as tmp:
        page, profile = Path(tmp) / "report.html", Path(tmp) / "profile"
        write_html(page, demo_rows, demo_monthly, demo_meta)
        height = page_height(page, profile)
        chromium([f"--window-size=1400,{height}", f"--screenshot={target}", page.resolve().as_uri()], profile)
    print(target, height)
