"""Every rule of the unit report format, each at the file, sheet, row, column and value it must name.

Samples: ``tests/data/reports`` (see ``make_corpus.py`` there: one flawed row per rule, with the row
number written beside it). Reading the tables themselves is tested in ``tests/sources/test_reports.py``.
"""

from __future__ import annotations

import re
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdv.findings import rules
from pdv.ingest import ParsedFile, classify, process_file, read_batch
from pdv.parse import parse_date
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.reports import read_report
from pdv.warehouse.load import no_persons
from schemas.report import batch_state, check_roster, check_summary, cross_findings, person_key

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"
DATA = REPORTS.parent
SETTINGS = Settings()
REGISTRY = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
YEARS = [2024, 2025]
ENCODINGS = ["utf8_bom", "utf8", "utf16", "cp1258"]
VALID = [
    "ok_basic.xlsx",
    "ok_two_level.xlsx",
    "ok_aliases.xlsx",
    "ok_consolidated.xlsx",
    "ok_unit_spellings.xlsx",
    "ok_empty_roster.xlsx",
    "ok_formula_cached.xlsx",
    "cross_count_mismatch.xlsx",  # each file is valid alone: the cross rules look at the unit-month
    "cross_youth_mismatch.xlsx",
    *[f"csv_{kind}_{enc}.csv" for kind in ("summary", "roster") for enc in ENCODINGS],
]
FLAWED = [
    "err_summary_rules.xlsx",
    "err_total_mismatch.xlsx",
    "err_roster_rules.xlsx",
    "err_starts_below_row_1.xlsx",
    "err_formula_no_value.xlsx",
    "err_formula_bare.xlsx",
    "csv_summary_lines.csv",
    "csv_roster_lines.csv",
]


def raw(name: str):  # type: ignore[no-untyped-def]
    found = classify(REPORTS / name, DATA)
    assert found is not None
    return found


def process(name: str) -> ParsedFile:
    return process_file(raw(name), REGISTRY, SETTINGS, YEARS)


def batch(*names: str, existing: pd.DataFrame | None = None) -> dict[str, ParsedFile]:
    parsed = read_batch(
        [raw(n) for n in names], SETTINGS, no_persons() if existing is None else existing, REGISTRY, YEARS
    )
    return {p.raw.rel.removeprefix("reports/"): p for p in parsed}


def records(parsed: ParsedFile) -> list[dict[str, Any]]:
    return parsed.findings.to_dict("records")


def at_row(parsed: ParsedFile, row: int, sheet: str | None = None) -> list[dict[str, Any]]:
    return [
        r
        for r in records(parsed)
        if not pd.isna(r["row"]) and int(r["row"]) == row and (sheet is None or r["sheet"] == sheet)
    ]


def text(value: object) -> str:
    return "" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def table(name: str, kind: str):  # type: ignore[no-untyped-def]
    report = read_report(REPORTS / name, f"reports/{name}", SETTINGS)
    return next(t for t in report.tables if t.kind == kind)


# ------------------------------------------------------------------------------- valid variations


# Valid samples that still carry a warning (format 1.1): the id typed as a number, zero restored.
VALID_WARNINGS = {"ok_two_level.xlsx": [(5, "roster.national_id_zero_restored")]}


@pytest.mark.parametrize("name", VALID)
def test_valid_samples_load_without_findings(name: str) -> None:
    parsed = process(name)
    assert [(int(f["row"]), f["rule"]) for f in records(parsed)] == VALID_WARNINGS.get(name, [])
    assert parsed.status == "loaded"
    assert parsed.rows_read > 0 and parsed.rows_rejected == 0


CONSOLIDATED = [
    # row, unit, period, (total, youth, union, recognized, trained, sympathizers), reported on, on time
    (2, "SYT", "2024-03", (2, 1, 1, 0, 1, 10), date(2024, 4, 2), True),  # "2024-03", Excel ints and date
    (3, "STP", "2024-03", (3, 2, 1, 1, 0, 8), date(2024, 4, 5), True),  # "03/2024", Excel floats, dd/mm/yyyy
    (4, "CHQ", "2024-03", (5, 3, 2, 0, 1, 7), date(2024, 4, 5), True),  # "3/2024", "05" as text, ISO date
    (5, "BVPDLTU", "2024-03", (0, 0, 0, 0, 0, 1000), date(2024, 4, 1), True),  # "Tháng 3/2024", "1.000"
    (6, "BVDK", "2024-05", (1, 1, 0, 0, 0, 3), date(2024, 6, 3), True),  # an Excel date in May
    (7, "SYT", "2024-04", (0, 0, 0, 1, 0, 11), date(2024, 5, 6), False),  # after the 5th: late
]


def test_consolidated_file_with_every_period_number_and_date_spelling() -> None:
    summary = process("ok_consolidated.xlsx").summary
    assert summary is not None
    got = [
        (
            int(r.source_row),
            r.unit_code,
            r.period_month.strftime("%Y-%m"),
            (r.admitted_total, r.admitted_youth, r.admitted_union, r.recognized_full, r.trained, r.sympathizers),
            r.reported_on.date(),
            bool(r.is_on_time),
        )
        for r in summary.itertuples()
    ]
    assert got == CONSOLIDATED
    assert set(summary["sheet"]) == {"TongHop"}


def test_units_by_code_name_variant_spelling_and_alias() -> None:
    summary = process("ok_unit_spellings.xlsx").summary
    assert summary is not None
    assert dict(zip(summary["source_row"], summary["unit_code"], strict=True)) == {
        2: "SGTVT",  # code only
        3: "STP",  # name in NFD
        4: "BVPDLTU",  # "Hoà" for "Hòa"
        5: "CHQ",  # upper case, extra spaces
        6: "TDOAN",  # via the alias table
        7: "SYT",  # leading, trailing and double spaces
    }


def test_two_level_layout_total_row_and_inherited_unit() -> None:
    parsed = process("ok_two_level.xlsx")
    assert parsed.summary is not None and parsed.roster is not None and parsed.personal is not None
    assert parsed.summary["source_row"].tolist() == [7, 9]  # not the title rows, blank row 8, total row 10
    assert parsed.summary["admitted_youth"].tolist() == [1, 0]
    assert set(parsed.summary["sheet"]) == {"Tổng hợp"}
    roster = parsed.roster
    assert roster["unit_code"].tolist() == ["SYT", "SYT"]  # no unit column: the workbook's only unit
    assert roster["period_month"].dt.strftime("%Y-%m").tolist() == ["2024-03", "2024-04"]
    assert roster["sheet"].tolist() == ["Danh sách", "Danh sách"]
    # the id typed as a number lost its leading zero: accepted, zero-padded
    assert roster["national_id_masked"].tolist() == ["052*******01", "052*******02"]
    assert (
        roster["person_key"].tolist()
        == person_key(pd.Series(["052099000201", "052190000202"]), SETTINGS.id_hash_key).tolist()
    )
    assert parsed.personal["full_name"].tolist() == ["Lê Văn Cường", "Đinh Thị Hoa"]


def test_aliases_text_dates_and_source_variants() -> None:
    parsed = process("ok_aliases.xlsx")
    roster = parsed.roster
    assert roster is not None and parsed.personal is not None
    assert roster["unit_code"].tolist() == ["STP"] * 3
    assert roster["gender"].tolist() == ["Nam", "Nữ", "Nam"]
    assert roster["admitted_on"].dt.strftime("%Y-%m-%d").tolist() == ["2024-03-05", "2024-03-12", "2024-03-28"]
    assert roster["age_at_admission"].tolist() == [25, 28, 38]
    assert roster["is_ethnic_minority"].tolist() == [False, True, False]
    assert roster["has_religion"].tolist() == [False, True, True]
    assert roster["national_id_masked"].tolist()[2] == "052*******03"  # " 052 085 000 303 " with spaces
    assert parsed.personal["birth_date"].dt.strftime("%Y-%m-%d").tolist() == [
        "1998-06-05",
        "1996-02-29",
        "1985-10-20",
    ]


@pytest.mark.parametrize(
    ("name", "row", "written", "source"),
    [
        ("ok_basic.xlsx", 2, "Đoàn TN", "youth"),
        ("ok_basic.xlsx", 3, "Công đoàn", "union"),
        ("ok_aliases.xlsx", 2, "ĐVTN", "youth"),
        ("ok_aliases.xlsx", 3, "Đoàn thanh niên", "youth"),
        ("ok_aliases.xlsx", 4, "ĐVCĐ", "union"),
    ],
    ids=["Doan TN", "Cong doan", "DVTN", "Doan thanh nien", "DVCD"],
)
def test_accepted_source_variants(name: str, row: int, written: str, source: str) -> None:
    assert table(name, "roster").frame.set_index("source_row").at[row, "source"] == written
    roster = process(name).roster
    assert roster is not None
    assert roster.set_index("source_row").at[row, "source"] == source


@pytest.mark.parametrize("kind", ["summary", "roster"])
@pytest.mark.parametrize("enc", ENCODINGS[1:])
def test_every_csv_encoding_gives_the_same_rows(enc: str, kind: str) -> None:
    expected, got = process(f"csv_{kind}_utf8_bom.csv"), process(f"csv_{kind}_{enc}.csv")
    frame = "summary" if kind == "summary" else "roster"
    pd.testing.assert_frame_equal(getattr(got, frame), getattr(expected, frame))
    assert len(getattr(got, frame)) == 3
    if kind == "roster":
        pd.testing.assert_frame_equal(got.personal, expected.personal)
        assert got.personal is not None and got.personal["full_name"].tolist()[2] == "Đặng Ngọc Ánh"


def test_empty_roster_is_not_an_error() -> None:
    parsed = process("ok_empty_roster.xlsx")
    assert records(parsed) == []
    assert parsed.roster is None or parsed.roster.empty
    assert parsed.summary is not None and len(parsed.summary) == 1


# -------------------------------------------------------------------------------- summary rules

SUMMARY_CASES = [
    # row, rule, column as written, value as written
    (3, "summary.unknown_unit", "Tên đơn vị", "Sở Tư pháp Bình Định"),
    (6, "summary.period_invalid", "Kỳ báo cáo", "13/2024"),
    (7, "summary.period_outside_plan", "Kỳ báo cáo", "03/2023"),
    (9, "summary.value_missing", "Công nhận đảng viên chính thức", "một"),
    (10, "summary.value_negative", "Quần chúng cảm tình Đảng (cuối kỳ)", "-1"),
    (11, "summary.value_not_integer", "Học lớp bồi dưỡng nhận thức về Đảng", "2,5"),
    (12, "summary.value_not_integer", "Công nhận đảng viên chính thức", "1.5"),
    (13, "summary.admitted_arithmetic", "Kết nạp: Tổng số", "3"),
    (14, "summary.reported_on_invalid", "Ngày báo cáo", "35/04/2024"),
    (15, "summary.reported_on_missing", "Ngày báo cáo", ""),
    (16, "summary.reported_before_period", "Ngày báo cáo", "2024-04-28"),
    (17, "summary.duplicate", None, None),  # column: the unit's; value: not fixed by the format
]
SUMMARY_UNITS = {3: "Sở Tư pháp Bình Định", 6: "CHQ", 7: "BVDK", 8: "BVPDLTU", 9: "SGTVT", 10: "SGDDT"}
SUMMARY_UNITS |= {11: "SKHCN", 12: "SVHTT", 13: "STNMT", 14: "SNNPTNT", 15: "STC", 16: "SCT", 17: "SYT"}


@pytest.fixture(scope="module")
def summary_rules() -> ParsedFile:
    return process("err_summary_rules.xlsx")


@pytest.mark.parametrize(
    ("row", "rule", "column", "value"), SUMMARY_CASES, ids=[f"{c[0]}-{c[1]}" for c in SUMMARY_CASES]
)
def test_summary_rule(summary_rules: ParsedFile, row: int, rule: str, column: str | None, value: str | None) -> None:
    found = at_row(summary_rules, row)
    assert [f["rule"] for f in found] == [rule]
    f = found[0]
    assert (f["file"], f["sheet"], f["severity"]) == (
        "reports/err_summary_rules.xlsx",
        "TongHop",
        rules()[rule].severity,
    )
    if column is not None:
        assert f["column"] == column
    if value is not None:
        assert text(f["value"]) == value
    assert f["unit"] == SUMMARY_UNITS[row]
    expected_period = {6: "", 7: "2023-03", 16: "2024-05"}.get(row, "2024-03")
    assert text(f["period"]) == expected_period


@pytest.mark.parametrize(("row", "code"), [(4, "SYTE"), (5, "STPP")])
def test_unknown_unit_code_names_the_code_column(summary_rules: ParsedFile, row: int, code: str) -> None:
    """Row 4: an unknown code and no name; row 5: an unknown code beside a valid name. The code is at fault."""
    found = at_row(summary_rules, row)
    assert [f["rule"] for f in found] == ["summary.unknown_unit"]
    assert (found[0]["column"], found[0]["value"]) == ("Mã đơn vị", code)
    assert "mã không có trong danh mục" in found[0]["message_vi"]


def test_summary_rows_with_errors_are_dropped_warnings_kept() -> None:
    checked = check_summary(
        table("err_summary_rules.xlsx", "summary"),
        "reports/err_summary_rules.xlsx",
        REGISTRY,
        YEARS,
        SETTINGS.report_deadline_day,
    )
    assert checked.read == 18
    rows = checked.rows.set_index("source_row")
    # valid, a blank count (0 since format 1.1), warning only, late, on the deadline
    assert sorted(rows.index) == [2, 8, 15, 18, 19]
    assert rows["is_on_time"].to_dict() == {2: True, 8: True, 15: False, 18: False, 19: True}
    assert rows.at[8, "recognized_full"] == 0
    assert pd.isna(rows.at[15, "reported_on"])
    severities = {f.rule: rules()[f.rule].severity for f in checked.findings}
    assert {r for r, s in severities.items() if s == "warning"} == {"summary.reported_on_missing"}
    assert all(f.row not in (2, 18, 19) for f in checked.findings)
    assert all(r["message_vi"] and r["message_en"] for r in (f.record() for f in checked.findings))


def test_summary_messages(summary_rules: ParsedFile) -> None:
    unknown = at_row(summary_rules, 3)[0]
    assert "Sở Tư pháp tỉnh Bình Định" in unknown["message_vi"]  # a suggestion
    assert "Sở Tư pháp tỉnh Bình Định" in unknown["message_en"]
    arithmetic = at_row(summary_rules, 13)[0]
    assert "(3)" in arithmetic["message_vi"] and "(2)" in arithmetic["message_vi"]
    missing = at_row(summary_rules, 9)[0]
    assert '"Công nhận đảng viên chính thức"' in missing["message_vi"] and '"một"' in missing["message_vi"]


def test_duplicate_unit_month_flags_the_second_row_only(summary_rules: ParsedFile) -> None:
    duplicates = [f for f in records(summary_rules) if f["rule"] == "summary.duplicate"]
    assert [(int(f["row"]), f["unit"], f["period"]) for f in duplicates] == [(17, "SYT", "2024-03")]
    assert summary_rules.summary is not None
    assert summary_rules.summary.set_index("source_row").at[2, "admitted_total"] == 2  # the first one stays


def test_total_row_that_does_not_add_up() -> None:
    parsed = process("err_total_mismatch.xlsx")
    found = records(parsed)
    assert [(f["rule"], f["sheet"], int(f["row"]), f["column"], f["value"]) for f in found] == [
        ("summary.total_row_mismatch", "TongHop", 4, "Kết nạp: Tổng số", "4")
    ]
    assert "(3)" in found[0]["message_vi"] and "(3)" in found[0]["message_en"]
    assert parsed.summary is not None
    assert parsed.summary["source_row"].tolist() == [2, 3]  # the data rows load; the total row is no data


@pytest.mark.parametrize(
    ("name", "sheet", "row", "rule", "column", "value"),
    [
        ("csv_summary_lines.csv", None, 6, "summary.value_negative", "Quần chúng cảm tình Đảng (cuối kỳ)", "-3"),
        ("csv_summary_lines.csv", None, 7, "summary.period_invalid", "Kỳ báo cáo", "2024-13"),
        ("csv_roster_lines.csv", None, 3, "roster.under_18", "Ngày sinh", "15"),
        ("csv_roster_lines.csv", None, 4, "roster.source_invalid", "Đoàn thể giới thiệu", "Hội Cựu chiến binh"),
        ("err_starts_below_row_1.xlsx", "TongHop", 6, "summary.value_negative", None, "-5"),
    ],
    ids=["csv-line-6", "csv-line-7", "csv-roster-line-3", "csv-roster-line-4", "xlsx-row-1-empty"],
)
def test_findings_name_the_line_or_row_the_unit_sees(
    name: str, sheet: str | None, row: int, rule: str, column: str | None, value: str
) -> None:
    parsed = process(name)
    found = [f for f in records(parsed) if f["rule"] == rule]
    assert [(text(f["sheet"]) or None, int(f["row"]), f["value"]) for f in found] == [(sheet, row, value)]
    if column is not None:
        assert found[0]["column"] == column


def test_csv_line_numbers_of_loaded_rows() -> None:
    summary = process("csv_summary_lines.csv").summary
    assert summary is not None
    assert summary[["unit_code", "source_row"]].values.tolist() == [["SCT", 4]]  # the quoted cell spans 4-5
    assert summary["sheet"].isna().all()


# --------------------------------------------------------------------------------- roster rules

ROSTER_CASES = [
    # row, rule, column as written, value (None: not fixed here)
    (3, "roster.unknown_unit", "Tên đơn vị", "Sở Y tế Bình Định"),
    (4, "roster.value_missing", "Họ và tên", ""),
    (5, "roster.value_missing", "Dân tộc", ""),
    (6, "roster.value_missing", "Tôn giáo", ""),
    (7, "roster.value_missing", "Số quyết định", ""),
    (8, "roster.birth_date_invalid", "Ngày sinh", None),
    (9, "roster.admitted_on_invalid", "Ngày kết nạp", "15/13/2024"),
    (10, "roster.period_outside_plan", "Ngày kết nạp", "2023-12-20"),
    (11, "roster.under_18", "Ngày sinh", "17"),  # one day short of 18
    (13, "roster.over_60", "Ngày sinh", "61"),
    (15, "roster.gender_invalid", "Giới tính", "Khác"),
    (16, "roster.national_id_invalid", "Số định danh cá nhân", "052*******11"),
    (17, "roster.source_invalid", "Đoàn thể giới thiệu", "Hội Phụ nữ"),
    (18, "roster.duplicate_person", "Số định danh cá nhân", "052*******01"),  # the person of row 2
    (19, "roster.national_id_invalid", "Số định danh cá nhân", None),
    (20, "roster.national_id_invalid", "Số định danh cá nhân", None),
]


@pytest.fixture(scope="module")
def roster_rules() -> ParsedFile:
    return process("err_roster_rules.xlsx")


@pytest.mark.parametrize(("row", "rule", "column", "value"), ROSTER_CASES, ids=[f"{c[0]}-{c[1]}" for c in ROSTER_CASES])
def test_roster_rule(roster_rules: ParsedFile, row: int, rule: str, column: str, value: str | None) -> None:
    found = at_row(roster_rules, row, "DanhSach")
    assert [f["rule"] for f in found] == [rule]
    f = found[0]
    assert (f["file"], f["severity"], f["column"]) == ("reports/err_roster_rules.xlsx", rules()[rule].severity, column)
    if value is not None:
        assert text(f["value"]) == value
    assert f["unit"] == ("Sở Y tế Bình Định" if row == 3 else "SYT")
    assert text(f["period"]) == {9: "", 10: "2023-12"}.get(row, "2024-03")


def test_roster_rows_with_errors_are_dropped_warnings_kept(roster_rules: ParsedFile) -> None:
    assert roster_rules.roster is not None and roster_rules.personal is not None
    # 12: just 18; 13: 61 (warning, loaded); 14: just 60; 18 is row 2's person again (batch rule)
    assert roster_rules.roster["source_row"].tolist() == [2, 12, 13, 14]
    assert roster_rules.roster["age_at_admission"].tolist() == [28, 18, 61, 60]
    assert roster_rules.personal["source_row"].tolist() == [2, 12, 13, 14]
    assert roster_rules.summary is not None and len(roster_rules.summary) == 1
    assert roster_rules.status == "partial"
    checked = check_roster(
        table("err_roster_rules.xlsx", "roster"),
        "reports/err_roster_rules.xlsx",
        REGISTRY,
        YEARS,
        SETTINGS.id_hash_key,
        "SYT",
    )
    assert checked.read == 19
    assert checked.rows["source_row"].tolist() == [2, 12, 13, 14, 18]  # before the once-only rule
    assert {f.rule for f in checked.findings if rules()[f.rule].severity == "warning"} == {"roster.over_60"}
    assert all(r["message_vi"] and r["message_en"] for r in (f.record() for f in checked.findings))


def test_person_twice_in_one_file(roster_rules: ParsedFile) -> None:
    f = at_row(roster_rules, 18)[0]
    assert "SYT" in f["message_vi"] and "2024-03" in f["message_vi"]
    assert not at_row(roster_rules, 2)  # the first admission stands


def test_national_id_typed_into_number_cells() -> None:
    """Row 2: a number that lost its leading zero (restored, a warning); row 3 a fraction; row 4 twenty
    digits, which a number cell keeps only in scientific notation (Excel broke the id)."""
    parsed = process("err_roster_id_number.xlsx")
    assert parsed.status == "partial"
    assert sorted((int(f["row"]), f["rule"]) for f in records(parsed)) == [
        (2, "roster.national_id_zero_restored"),
        (3, "roster.national_id_invalid"),
        (4, "roster.national_id_excel_number"),
    ]
    assert parsed.roster is not None
    assert parsed.roster[["source_row", "national_id_masked"]].values.tolist() == [[2, "052*******01"]]


# -------------------------------------------------------------------------------- personal data


@pytest.mark.parametrize("name", ["err_roster_rules.xlsx", "err_roster_id_number.xlsx", "csv_roster_lines.csv"])
def test_no_personal_data_in_findings(name: str) -> None:
    """National ids appear masked, birth dates by year only, names never."""
    frame = table(name, "roster").frame
    ids = {re.sub(r"\D", "", text(v)) for v in frame["national_id"]} - {""}
    names = {text(v) for v in frame["full_name"]} - {""}
    births = parse_date(frame["birth_date"]).dropna()
    dates = {d.strftime(fmt) for d in births for fmt in ("%d/%m/%Y", "%Y-%m-%d", "%d/%m")}
    found = records(process(name))
    assert found
    for f in found:
        shown = " ".join(text(f[c]) for c in ("value", "message_vi", "message_en"))
        # digit runs, also when written with separators ("052-094-000-119"), of id length or close to it
        runs = {re.sub(r"\D", "", r) for r in re.findall(r"\d(?:[\d.\- ]*\d)?", shown)}
        leaked = {i for i in ids for r in runs if len(r) >= 9 and (r in i or i in r)}
        assert not leaked, (f["row"], shown)
        assert not any(n in shown for n in names), (f["row"], shown)
        assert not any(d in shown for d in dates), (f["row"], shown)


def test_loaded_roster_rows_hold_no_personal_data() -> None:
    parsed = process("ok_basic.xlsx")
    assert parsed.roster is not None and parsed.personal is not None
    assert not {"full_name", "birth_date", "national_id"} & set(parsed.roster.columns)
    flat = parsed.roster.astype(str).to_numpy().ravel().tolist()
    assert not any(v in ("052095000101", "052188000102", "Nguyễn Văn An", "1995-04-12") for v in flat)
    assert set(parsed.personal.columns) >= {"person_key", "full_name", "birth_date"}
    assert parsed.personal["person_key"].tolist() == parsed.roster["person_key"].tolist()


# ----------------------------------------------------------------------------- across the corpus

SPEC_RULES = [
    "file.unreadable",
    "file.unsupported_format",
    "file.empty",
    "file.no_header",
    "file.too_large",
    "file.formula_no_value",
    *[
        f"summary.{r}"
        for r in (
            "unknown_unit",
            "period_invalid",
            "period_outside_plan",
            "value_missing",
            "value_negative",
            "value_not_integer",
            "admitted_arithmetic",
            "reported_on_invalid",
            "reported_on_missing",
            "reported_before_period",
            "duplicate",
            "total_row_mismatch",
        )
    ],
    *[
        f"roster.{r}"
        for r in (
            "unknown_unit",
            "value_missing",
            "birth_date_invalid",
            "admitted_on_invalid",
            "period_outside_plan",
            "under_18",
            "over_60",
            "gender_invalid",
            "national_id_invalid",
            "source_invalid",
            "duplicate_person",
        )
    ],
]


def all_samples() -> list[str]:
    return sorted(p.name for p in REPORTS.iterdir() if p.name != "make_corpus.py" and not p.name.startswith("."))


def test_every_rule_of_the_format_has_a_sample() -> None:
    catalogue = rules()
    assert set(SPEC_RULES) <= set(catalogue)
    seen: set[str] = set()
    for name in all_samples():
        seen |= {f["rule"] for f in records(process(name))}
    assert set(SPEC_RULES) - seen == set()


@pytest.mark.parametrize("name", FLAWED)
def test_every_finding_is_complete(name: str) -> None:
    found = records(process(name))
    assert found
    for f in found:
        assert f["severity"] == rules()[f["rule"]].severity
        assert f["file"] == f"reports/{name}"
        assert not pd.isna(f["row"]) and int(f["row"]) > 0
        assert f["column"], f
        assert f["message_vi"] and f["message_en"]
        assert "{" not in f["message_vi"] + f["message_en"]
        if name.endswith(".xlsx"):
            assert f["sheet"] in ("TongHop", "DanhSach")
        else:
            assert pd.isna(f["sheet"])


# ------------------------------------------------------------------------ the same person twice


def test_person_admitted_again_elsewhere_is_flagged_in_the_later_file() -> None:
    got = batch("dup_a_syt_2024-03.xlsx", "dup_b_stp_2024-04.xlsx")
    assert records(got["dup_a_syt_2024-03.xlsx"]) == []
    later = got["dup_b_stp_2024-04.xlsx"]
    found = records(later)
    assert [(f["rule"], f["sheet"], int(f["row"]), f["column"], f["value"], f["unit"], f["period"]) for f in found] == [
        ("roster.duplicate_person", "DanhSach", 3, "Số định danh cá nhân", "052*******01", "STP", "2024-04")
    ]
    assert "SYT" in found[0]["message_vi"] and "2024-03" in found[0]["message_vi"]
    assert "SYT" in found[0]["message_en"] and "2024-03" in found[0]["message_en"]
    assert later.roster is not None and later.roster["source_row"].tolist() == [2]
    assert got["dup_a_syt_2024-03.xlsx"].roster is not None and len(got["dup_a_syt_2024-03.xlsx"].roster) == 2


def test_person_already_in_the_warehouse_is_flagged() -> None:
    first = process("dup_a_syt_2024-03.xlsx").roster
    assert first is not None
    existing = first[["person_key", "unit_code", "period_month"]].reset_index(drop=True)
    found = records(batch("dup_b_stp_2024-04.xlsx", existing=existing)["dup_b_stp_2024-04.xlsx"])
    assert [(f["rule"], int(f["row"])) for f in found] == [("roster.duplicate_person", 3)]
    assert "SYT" in found[0]["message_vi"] and "2024-03" in found[0]["message_vi"]
    resent = batch("dup_c_syt_2024-03_resent.xlsx", existing=existing)["dup_c_syt_2024-03_resent.xlsx"]
    assert records(resent) == []


def test_same_unit_month_resent_is_not_a_second_admission() -> None:
    got = batch("dup_a_syt_2024-03.xlsx", "dup_c_syt_2024-03_resent.xlsx")
    resent = got["dup_c_syt_2024-03_resent.xlsx"]
    assert not [f for f in records(resent) if f["rule"] == "roster.duplicate_person"]
    assert resent.roster is not None and resent.roster["source_row"].tolist() == [2, 3]


def test_same_unit_month_resent_in_one_batch_loads_its_summary() -> None:
    """The later report replaces the earlier one; "twice in the file" is about one file, not the batch."""
    got = batch("dup_a_syt_2024-03.xlsx", "dup_c_syt_2024-03_resent.xlsx")
    for name in got:
        assert records(got[name]) == [], name
        assert got[name].summary is not None and len(got[name].summary) == 1, name


def test_person_twice_in_a_resent_file_is_flagged() -> None:
    alone = process("dup_d_syt_2024-03_resent_twice.xlsx")
    assert [(f["rule"], int(f["row"])) for f in records(alone)] == [("roster.duplicate_person", 3)]
    after_first = batch("dup_a_syt_2024-03.xlsx", "dup_d_syt_2024-03_resent_twice.xlsx")
    found = [f for f in records(after_first["dup_d_syt_2024-03_resent_twice.xlsx"]) if f["rule"].startswith("roster.")]
    assert [(f["rule"], int(f["row"])) for f in found] == [("roster.duplicate_person", 3)]


# ------------------------------------------------------------------ roster against summary (cross)


def cross(*names: str) -> list[dict[str, Any]]:
    """Cross findings over the unit-months of files checked one by one (as ``pdv validate`` does)."""
    parsed = [process(n) for n in names]
    headers = pd.concat([p.header_frame() for p in parsed], ignore_index=True)
    state = batch_state([(p.raw.rel, p.summary, p.roster) for p in parsed], headers)
    return [f.record() for f in cross_findings(state)]


@pytest.mark.parametrize(
    ("name", "rule", "unit", "column", "value", "roster"),
    [
        ("cross_count_mismatch.xlsx", "cross.roster_count_mismatch", "SYT", "Kết nạp: Tổng số", "3", "2"),
        ("cross_youth_mismatch.xlsx", "cross.roster_youth_mismatch", "STP", "ĐVTN", "2", "1"),
    ],
    ids=["count", "youth"],
)
def test_roster_disagrees_with_summary(name: str, rule: str, unit: str, column: str, value: str, roster: str) -> None:
    found = cross(name)
    assert [(f["rule"], f["severity"], f["file"], f["sheet"], f["row"], f["unit"], f["period"]) for f in found] == [
        (rule, "error", f"reports/{name}", "TongHop", 2, unit, "2024-03")
    ]
    assert (found[0]["value"], found[0]["column"]) == (value, column)
    assert f"{roster} " in found[0]["message_vi"] and f"{roster} " in found[0]["message_en"]


def test_admissions_without_any_roster_are_a_warning() -> None:
    found = cross("ok_consolidated.xlsx")
    assert {f["rule"] for f in found} == {"cross.roster_missing"}
    assert {f["severity"] for f in found} == {"warning"}
    assert sorted((f["row"], f["unit"], f["period"], f["value"]) for f in found) == [
        (2, "SYT", "2024-03", "2"),
        (3, "STP", "2024-03", "3"),
        (4, "CHQ", "2024-03", "5"),
        (6, "BVDK", "2024-05", "1"),
    ]  # rows 5 and 7 admitted nobody


@pytest.mark.parametrize("names", [("ok_basic.xlsx",), ("ok_two_level.xlsx",), ("ok_aliases.xlsx",)])
def test_roster_matching_its_summary_gives_no_cross_finding(names: tuple[str, ...]) -> None:
    assert cross(*names) == []


def test_roster_in_a_separate_csv_is_matched_to_its_summary() -> None:
    assert [f["rule"] for f in cross("csv_summary_utf8_bom.csv")] == ["cross.roster_missing"] * 2
    assert cross("csv_summary_utf8_bom.csv", "csv_roster_utf8_bom.csv") == []


def test_later_submission_replaces_the_earlier_one() -> None:
    parsed = [process("dup_a_syt_2024-03.xlsx"), process("dup_c_syt_2024-03_resent.xlsx")]
    state = batch_state([(p.raw.rel, p.summary, p.roster) for p in parsed])
    syt = state[(state["unit_code"] == "SYT") & (state["period"] == "2024-03")]
    assert syt["path"].tolist() == ["reports/dup_c_syt_2024-03_resent.xlsx"]  # reported 04/04, after 02/04
    assert syt[["roster_total", "roster_youth"]].values.tolist() == [[2, 2]]
