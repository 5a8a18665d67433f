"""Finding the tables of a unit report, and rejecting whole files, on the sample corpus.

The samples live in ``tests/data/reports`` (regenerate with ``make_corpus.py`` there). Rules on the
rows themselves are tested in ``tests/schemas/test_report.py``.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st

from pdv.findings import rules
from pdv.ingest import ParsedFile, RawFile, classify, process_file
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.reports import ReportFile, read_report
from pdv.sources.spreadsheet import FileRejected

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"
DATA = REPORTS.parent
SETTINGS = Settings()
REGISTRY = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
YEARS = [2024, 2025]


def read(name: str, settings: Settings = SETTINGS) -> ReportFile:
    return read_report(REPORTS / name, f"reports/{name}", settings)


def process(name: str, settings: Settings = SETTINGS) -> ParsedFile:
    raw = classify(REPORTS / name, DATA)
    assert raw is not None and raw.rel == f"reports/{name}" and raw.kind == "report"
    return process_file(raw, REGISTRY, settings, YEARS)


def table(report: ReportFile, kind: str):  # type: ignore[no-untyped-def]
    found = [t for t in report.tables if t.kind == kind]
    assert len(found) <= 1
    return found[0] if found else None


# ------------------------------------------------------------------------------ sheets and tables


@pytest.mark.parametrize(
    ("name", "summary_sheet", "roster_sheet", "roster_rows"),
    [
        ("ok_basic.xlsx", "TongHop", "DanhSach", [2, 3]),
        ("ok_two_level.xlsx", "Tổng hợp", "Danh sách", [4, 5]),
        ("ok_aliases.xlsx", "TONG HOP", "danh sach", [2, 3, 4]),
        ("ok_consolidated.xlsx", "TongHop", None, None),  # no DanhSach sheet
        ("ok_unit_spellings.xlsx", "TongHop", None, None),  # DanhSach without a single cell
        ("ok_empty_roster.xlsx", "TongHop", "DanhSach", []),  # DanhSach with its header only
    ],
    ids=["TongHop", "Tong hop", "TONG HOP", "no DanhSach", "DanhSach no cells", "DanhSach header only"],
)
def test_sheets_are_found_by_name_ignoring_case_accents_and_spaces(
    name: str, summary_sheet: str, roster_sheet: str | None, roster_rows: list[int] | None
) -> None:
    report = read(name)
    assert report.findings == []
    summary = table(report, "summary")
    assert summary is not None and summary.sheet == summary_sheet
    roster = table(report, "roster")
    if roster_sheet is None:
        assert roster is None
    else:
        assert roster is not None and roster.sheet == roster_sheet
        assert roster.frame["source_row"].tolist() == roster_rows


def test_header_aliases_map_to_canonical_columns() -> None:
    report = read("ok_aliases.xlsx")
    assert table(report, "summary").headers == {
        "unit_name": "Đơn vị",
        "period": "Tháng",
        "admitted_total": "Tổng số kết nạp",
        "admitted_youth": "ĐVTN",
        "admitted_union": "ĐVCĐ",
        "recognized_full": "Công nhận chính thức",
        "trained": "Học lớp cảm tình Đảng",
        "sympathizers": "Quần chúng cảm tình Đảng",
        "reported_on": "Ngày gửi",
    }
    assert table(report, "roster").headers == {
        "unit_name": "Đơn vị",
        "full_name": "Họ tên",
        "birth_date": "Ngày tháng năm sinh",
        "gender": "Giới tính",
        "ethnicity": "Dân tộc",
        "religion": "Tôn giáo",
        "national_id": "Số CCCD",
        "source": "Nguồn giới thiệu",
        "admitted_on": "Ngày kết nạp",
        "decision_no": "Số QĐ",
    }


def test_title_rows_two_level_merged_header_blank_row_and_total_row() -> None:
    """Titles in rows 1-3, blank row 4, header in rows 5-6 ("Kết nạp" merged over E5:G5), data in rows
    7 and 9 with row 8 blank, "Tổng cộng" in row 10."""
    summary = table(read("ok_two_level.xlsx"), "summary")
    assert summary.frame["source_row"].tolist() == [7, 9]
    assert summary.frame["unit_code"].tolist() == ["SYT", "SYT"]
    assert summary.frame["period"].tolist() == ["2024-03", "2024-04"]
    assert summary.headers["admitted_total"].endswith("Tổng số")
    assert summary.headers["admitted_youth"].endswith("Đoàn viên thanh niên")
    assert summary.headers["admitted_union"].endswith("Đoàn viên công đoàn")
    assert summary.headers["unit_code"] == "Mã đơn vị"
    assert summary.headers["sympathizers"] == "Quần chúng cảm tình Đảng (cuối kỳ)"
    columns = {canonical: summary.header_cols[written] for canonical, written in summary.headers.items()}
    assert columns == {
        "unit_code": 2,
        "unit_name": 3,
        "period": 4,
        "admitted_total": 5,
        "admitted_youth": 6,
        "admitted_union": 7,
        "recognized_full": 8,
        "trained": 9,
        "sympathizers": 10,
        "reported_on": 11,
    }
    assert summary.total_row is not None
    row, cells = summary.total_row
    assert row == 10
    assert [cells[c] for c in ("admitted_total", "admitted_youth", "admitted_union", "sympathizers")] == [2, 1, 1, 29]


def test_roster_without_unit_columns_below_a_title() -> None:
    roster = table(read("ok_two_level.xlsx"), "roster")
    assert roster.frame["source_row"].tolist() == [4, 5]
    assert not {"unit_code", "unit_name"} & set(roster.frame.columns)
    assert roster.frame["national_id"].tolist() == ["052099000201", 52190000202]


@pytest.mark.parametrize(
    ("name", "row", "admitted_total"),
    [("ok_two_level.xlsx", 10, 2), ("err_total_mismatch.xlsx", 4, 4), ("ok_formula_cached.xlsx", 4, 4)],
)
def test_total_row_is_recognised_and_not_data(name: str, row: int, admitted_total: int) -> None:
    summary = table(read(name), "summary")
    assert summary.total_row is not None
    assert summary.total_row[0] == row
    assert summary.total_row[1]["admitted_total"] == admitted_total
    assert row not in summary.frame["source_row"].tolist()


def test_excel_row_numbers_when_row_1_is_empty() -> None:
    """Row 1 is blank (formatted only), the title is in row 2, the header in row 4: data rows are 5 and 6."""
    summary = table(read("err_starts_below_row_1.xlsx"), "summary")
    assert summary.frame["source_row"].tolist() == [5, 6]


# ------------------------------------------------------------------------------------- formulas


def test_formula_with_cached_value_is_read_by_its_value() -> None:
    report = read("ok_formula_cached.xlsx")
    assert report.findings == []
    assert table(report, "summary").frame["admitted_total"].tolist() == [2, 2]


@pytest.mark.parametrize(
    ("name", "row", "cell"),
    [
        ("err_formula_no_value.xlsx", 6, "D6"),  # as openpyxl writes it: <f>E6+F6</f><v />
        ("err_formula_bare.xlsx", 4, "D4"),  # <f> and no <v> at all, after self-closing empty cells
    ],
)
def test_formula_without_cached_value(name: str, row: int, cell: str) -> None:
    report = read(name)
    got = [(f.rule, f.file, f.sheet, f.row, f.column, f.value) for f in report.findings]
    assert got == [("file.formula_no_value", f"reports/{name}", "TongHop", row, "Kết nạp: Tổng số", cell)]
    record = report.findings[0].record()
    assert record["severity"] == "error"
    assert cell in record["message_vi"] and cell in record["message_en"]


def test_formula_cells_are_not_reported_when_there_are_none() -> None:
    assert read("ok_basic.xlsx").findings == []


# ------------------------------------------------------------------------------------------- CSV


@pytest.mark.parametrize("kind", ["summary", "roster"])
@pytest.mark.parametrize("enc", ["utf8_bom", "utf8", "utf16", "cp1258"])
def test_csv_summary_and_roster_are_told_apart_by_their_headers(enc: str, kind: str) -> None:
    report = read(f"csv_{kind}_{enc}.csv")
    assert [(t.kind, t.sheet) for t in report.tables] == [(kind, None)]
    assert report.tables[0].frame["source_row"].tolist() == [2, 3, 4]
    assert report.tables[0].frame["unit_code"].tolist()[0] == "SYT"


# ---------------------------------------------------------------------------------- whole files

FILE_ERRORS = [
    ("bad_random_bytes.xlsx", "file.unreadable"),
    ("bad_random_binary.csv", "file.unreadable"),
    ("bad_truncated.xlsx", "file.unreadable"),
    ("bad_not_workbook.xlsx", "file.unreadable"),  # a zip, but no xl/workbook.xml
    ("bad_legacy.xls", "file.unreadable"),  # an OLE header and nothing else: a corrupt .xls (format 1.1)
    ("bad_ole_named.xlsx", "file.unreadable"),  # the same, named .xlsx
    ("bad_encrypted.xlsx", "file.encrypted"),  # an OLE container with an EncryptedPackage stream
    ("bad_corrupt.ods", "file.unreadable"),
    ("bad_dtd_shared_strings.xlsx", "file.xml_dtd"),  # nested entities in xl/sharedStrings.xml
    ("bad_dtd_sheet.xlsx", "file.xml_dtd"),  # a DOCTYPE in xl/worksheets/sheet1.xml
    ("bad_dtd_content.ods", "file.xml_dtd"),  # a DOCTYPE in content.xml of an .ods
    ("bad_document.pdf", "file.unsupported_format"),
    ("bad_document.docx", "file.unsupported_format"),
    ("bad_empty.xlsx", "file.empty"),
    ("bad_empty.csv", "file.empty"),
    ("bad_no_header.xlsx", "file.no_header"),
    ("bad_no_header.csv", "file.no_header"),
    ("bad_zip_bomb.xlsx", "file.too_large"),  # 6 MB of sheet XML in 11 KB
    ("bad_zip_declared.xlsx", "file.too_large"),  # central directory declares 3.75 GB
]


@pytest.mark.parametrize(("name", "rule"), FILE_ERRORS)
def test_read_report_rejects_the_whole_file(name: str, rule: str) -> None:
    with pytest.raises(FileRejected) as err:
        read(name)
    assert err.value.rule == rule
    assert err.value.detail


@pytest.mark.parametrize(("name", "rule"), FILE_ERRORS)
def test_rejected_file_is_quarantined_with_one_finding(name: str, rule: str) -> None:
    parsed = process(name)
    assert parsed.status == "quarantined"
    assert not parsed.readable
    assert parsed.summary is None and parsed.roster is None and parsed.personal is None
    assert parsed.rows_read == 0
    records = parsed.findings.to_dict("records")
    assert [(r["rule"], r["severity"], r["file"]) for r in records] == [(rule, "error", f"reports/{name}")]
    assert records[0]["message_vi"] and records[0]["message_en"]
    assert "{" not in records[0]["message_vi"] + records[0]["message_en"]


def test_zip_bomb_is_rejected_before_anything_is_decompressed(monkeypatch: pytest.MonkeyPatch) -> None:
    import pdv.sources.spreadsheet as spreadsheet

    class NoCalamine:
        @staticmethod
        def from_path(path: str) -> None:
            raise AssertionError("the workbook must not be opened")

    def no_read(self: zipfile.ZipFile, name: object, pwd: object = None) -> bytes:
        raise AssertionError("no member may be decompressed")

    monkeypatch.setattr(spreadsheet, "CalamineWorkbook", NoCalamine)
    monkeypatch.setattr(zipfile.ZipFile, "read", no_read)
    for name in ("bad_zip_bomb.xlsx", "bad_zip_declared.xlsx"):
        with pytest.raises(FileRejected) as err:
            read(name)
        assert err.value.rule == "file.too_large"


@pytest.mark.parametrize(
    ("name", "limits", "detail"),
    [
        ("ok_basic.xlsx", {"max_file_bytes": 1000}, "> 1000"),
        ("csv_summary_utf8_bom.csv", {"max_file_bytes": 100}, "> 100"),
        ("ok_consolidated.xlsx", {"max_sheet_cells": 60}, "TongHop"),  # 7 rows x 10 columns
        ("bad_one_column.xlsx", {"max_sheet_cells": 100}, "Ghi chú"),  # 400 rows x 1 column
        ("csv_summary_utf8_bom.csv", {"max_sheet_cells": 30}, "30"),
    ],
    ids=["xlsx-bytes", "csv-bytes", "xlsx-cells", "xlsx-one-column", "csv-cells"],
)
def test_size_limits(name: str, limits: dict[str, int], detail: str) -> None:
    assert process(name).status == "loaded"  # within the default limits
    parsed = process(name, Settings(**limits))  # type: ignore[arg-type]
    records = parsed.findings.to_dict("records")
    assert [r["rule"] for r in records] == ["file.too_large"]
    assert detail in records[0]["message_en"]
    assert parsed.status == "quarantined"


# --------------------------------------------------------------------------------- classification


@pytest.mark.parametrize(
    ("rel", "kind"),
    [
        ("reports/2024/03/SYT_T03-2024.xlsx", "report"),
        ("reports/SYT.csv", "report"),
        ("reports/scan.pdf", "report"),  # read, then rejected with a finding (not silently skipped)
        ("reports/BM1.docx", "report"),
        ("reports/old.xls", "report"),
        ("reports/~$SYT_T03-2024.xlsx", None),  # Excel's lock file
        ("reports/.gitkeep", None),
        ("reports/README.md", None),
        ("other/SYT.xlsx", None),
    ],
)
def test_classify(tmp_path: Path, rel: str, kind: str | None) -> None:
    path = tmp_path / rel
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(b"x")
    raw = classify(path, tmp_path)
    assert (raw.kind if raw else None) == kind
    if raw is not None:
        assert raw.rel == rel and raw.size == 1 and len(raw.sha256) == 64


# ------------------------------------------------------------------------------------- property

SEEDS = [(REPORTS / n).read_bytes() for n in ("ok_basic.xlsx", "ok_two_level.xlsx", "csv_summary_utf8_bom.csv")]


@st.composite
def damaged(draw: st.DrawFn) -> bytes:
    """A real sample with bytes overwritten, truncated or both."""
    data = bytearray(draw(st.sampled_from(SEEDS)))
    for pos, byte in draw(st.lists(st.tuples(st.integers(0, len(data) - 1), st.integers(0, 255)), max_size=8)):
        data[pos] = byte
    return bytes(data[: draw(st.integers(0, len(data)))] if draw(st.booleans()) else data)


@hsettings(
    max_examples=30,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow, HealthCheck.data_too_large],
)
@given(
    data=st.one_of(st.binary(max_size=4096), damaged()),
    suffix=st.sampled_from([".xlsx", ".csv", ".xls", ".pdf", ""]),
)
def test_process_file_never_raises(tmp_path_factory: pytest.TempPathFactory, data: bytes, suffix: str) -> None:
    path = tmp_path_factory.mktemp("fuzz") / f"report{suffix}"
    path.write_bytes(data)
    raw = RawFile(path, f"reports/report{suffix}", "report", "0" * 64, len(data))
    parsed = process_file(raw, REGISTRY, SETTINGS, YEARS)
    assert isinstance(parsed, ParsedFile)
    records = parsed.findings.to_dict("records")
    assert all(r["rule"] in rules() and r["message_vi"] and r["message_en"] for r in records)
    if parsed.status == "quarantined":
        assert records, "a rejected file must say why"
        assert any(r["rule"].startswith("file.") and r["severity"] == "error" for r in records)
