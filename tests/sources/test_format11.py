"""Format 1.1 on the sample corpus: .xls/.ods, DTDs, legacy encodings, furniture, blank counts, ids.

The samples are written by ``tests/data/reports/make_corpus.py`` (the ``f11_*`` and ``bad_*`` cases).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdv.findings import rules
from pdv.ingest import ParsedFile, RawFile, classify, process_file, read_batch
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.reports import read_report
from pdv.sources.spreadsheet import FileRejected
from pdv.warehouse.load import no_persons
from schemas.report import COUNTS

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"
DATA = REPORTS.parent
SETTINGS = Settings()
REGISTRY = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
YEARS = [2024, 2025]


def raw(name: str) -> RawFile:
    found = classify(REPORTS / name, DATA)
    assert found is not None
    return found


def process(name: str) -> ParsedFile:
    return process_file(raw(name), REGISTRY, SETTINGS, YEARS)


def findings(parsed: ParsedFile) -> list[tuple[int | None, str]]:
    return [(None if pd.isna(f["row"]) else int(f["row"]), f["rule"]) for f in parsed.findings.to_dict("records")]


def figures(parsed: ParsedFile) -> tuple[list[Any], list[Any]]:
    """What a file loads: summary counts per unit-month and the admissions (no row numbers)."""
    assert parsed.summary is not None
    summary = parsed.summary.sort_values(["unit_code", "period_month"])
    roster = parsed.roster if parsed.roster is not None else pd.DataFrame(columns=["person_key"])
    cols = ["person_key", "unit_code", "period_month", "source", "admitted_on", "gender", "ethnicity", "decision_no"]
    return (
        summary[["unit_code", "period_month", *COUNTS, "reported_on"]].values.tolist(),
        roster.sort_values("person_key").reindex(columns=cols).values.tolist(),
    )


# ------------------------------------------------------------------------------------ .xls / .ods


@pytest.mark.parametrize(
    ("twin", "original"),
    [
        ("f11_basic.xls", "f11_basic.xlsx"),
        ("f11_basic.ods", "f11_basic.xlsx"),
        ("f11_basic_libreoffice.xlsx", "f11_basic.xlsx"),
        ("f11_ok_consolidated.xls", "ok_consolidated.xlsx"),
        ("f11_ok_consolidated.ods", "ok_consolidated.xlsx"),
        ("f11_furniture.xls", "f11_furniture.xlsx"),
        ("f11_furniture.ods", "f11_furniture.xlsx"),  # merged cells from content.xml
    ],
)
def test_xls_and_ods_load_the_same_figures_as_their_xlsx_twin(twin: str, original: str) -> None:
    a, b = process(twin), process(original)
    assert figures(a) == figures(b)
    assert findings(a) == findings(b)
    assert a.rows_read == b.rows_read


def test_password_protected_workbook_is_a_file_error() -> None:
    with pytest.raises(FileRejected) as err:
        read_report(REPORTS / "bad_encrypted.xlsx", "reports/bad_encrypted.xlsx", SETTINGS)
    assert err.value.rule == "file.encrypted"
    assert "mật khẩu" in rules()["file.encrypted"].message_vi


@pytest.mark.parametrize(
    ("name", "part"),
    [
        ("bad_dtd_shared_strings.xlsx", "xl/sharedStrings.xml"),
        ("bad_dtd_sheet.xlsx", "xl/worksheets/sheet1.xml"),
        ("bad_dtd_content.ods", "content.xml"),
    ],
)
def test_a_dtd_in_any_xml_part_rejects_the_file(name: str, part: str) -> None:
    with pytest.raises(FileRejected) as err:
        read_report(REPORTS / name, f"reports/{name}", SETTINGS)
    assert (err.value.rule, err.value.detail) == ("file.xml_dtd", part)
    parsed = process(name)
    assert parsed.status == "quarantined" and findings(parsed) == [(None, "file.xml_dtd")]
    assert part in parsed.findings["message_vi"].iloc[0]


# ------------------------------------------------------------------------------- legacy encodings


@pytest.mark.parametrize(
    ("name", "encoding"),
    [("f11_legacy_tcvn3.xlsx", "TCVN3"), ("f11_legacy_vni.xlsx", "VNI")],
)
def test_legacy_workbook_loads_like_unicode_with_one_warning(name: str, encoding: str) -> None:
    parsed = process(name)
    assert figures(parsed) == figures(process("f11_basic.xlsx"))
    records = parsed.findings.to_dict("records")
    assert [(r["rule"], r["severity"], r["sheet"], r["row"]) for r in records] == [
        ("text.legacy_encoding", "warning", "TongHop", 1)
    ]
    assert encoding in records[0]["message_vi"] and "A1" in records[0]["message_vi"]
    assert "Mã đơn vị" in records[0]["message_vi"]  # a header as example, not a person's name


@pytest.mark.parametrize("encoding", ["tcvn3", "vni"])
def test_legacy_windows_1252_csv_pair_loads_like_unicode(encoding: str) -> None:
    names = [f"f11_csv_summary_{encoding}.csv", f"f11_csv_roster_{encoding}.csv"]
    parsed = read_batch([raw(n) for n in names], SETTINGS, no_persons(), REGISTRY, YEARS)
    assert [findings(p) for p in parsed] == [[(1, "text.legacy_encoding")], [(1, "text.legacy_encoding")]]
    summary, roster = figures(parsed[0])[0], figures(parsed[1])[1]
    want_summary, want_roster = figures(process("f11_basic.xlsx"))
    drop_date = [row[:-1] for row in summary]  # the CSV's report date is text, the same day
    assert drop_date == [row[:-1] for row in want_summary]
    assert roster == want_roster


def test_legacy_example_from_a_roster_shows_no_name() -> None:
    """A roster CSV whose only legacy cells were names would show initials; its header comes first here."""
    parsed = process("f11_csv_roster_vni.csv")
    message = parsed.findings["message_vi"].iloc[0]
    assert "Nguyễn" not in message and "Nguyeãn" not in message


# -------------------------------------------------------------------------------------- furniture


def test_furniture_is_skipped_and_a_typo_still_reported() -> None:
    parsed = process("f11_furniture.xlsx")
    # Only the real row with a typo in the unit name (row 11) is an issue: no section, note, date,
    # signature, hidden or instruction sheet row became one.
    assert findings(parsed) == [(11, "summary.unknown_unit")]
    assert parsed.summary is not None and parsed.roster is not None
    got = parsed.summary[["source_row", "unit_code", *COUNTS]].values.tolist()
    assert got == [
        [6, "SYT", 2, 1, 1, 0, 1, 10],
        [7, "SYT", 1, 0, 1, 0, 0, 11],  # unit name merged down from row 6; blank counts are 0
        [9, "STP", 0, 0, 0, 0, 0, 4],  # blank counts beside figures
    ]
    # Row 10 (every count empty) is not a report: not loaded, not read, not counted as zero.
    assert parsed.rows_read == 4 + 4
    assert parsed.roster["source_row"].tolist() == [3, 4, 5, 6]


def test_header_cells_with_line_breaks_are_matched() -> None:
    report = read_report(REPORTS / "f11_furniture.xlsx", "x", SETTINGS)
    summary = next(t for t in report.tables if t.kind == "summary")
    assert summary.headers["unit_name"] == "Tên đơn vị" and summary.headers["admitted_total"] == "Kết nạp: Tổng số"
    assert summary.sheet == "TongHop"


# ------------------------------------------------------------------------------------ national ids


def test_ids_through_excel() -> None:
    parsed = process("f11_ids.xlsx")
    records = sorted(parsed.findings.to_dict("records"), key=lambda r: int(r["row"]))
    assert [(int(r["row"]), r["rule"], r["severity"]) for r in records] == [
        (2, "roster.national_id_zero_restored", "warning"),
        (3, "roster.national_id_excel_number", "error"),
        (4, "roster.national_id_excel_number", "error"),
    ]
    assert "10 chữ số" in records[1]["message_vi"] and "Excel" in records[1]["message_vi"]
    assert "số mũ" in records[2]["message_vi"]
    assert parsed.roster is not None
    assert parsed.roster[["source_row", "national_id_masked"]].values.tolist() == [
        [2, "052*******01"],
        [5, "052*******04"],
    ]


def test_scientific_id_in_a_csv_is_an_error_that_says_why() -> None:
    parsed = process("f11_csv_roster_scientific.csv")
    assert findings(parsed) == [(2, "roster.national_id_excel_number")]


# ------------------------------------------------------------------------------ admission order


@pytest.mark.parametrize("order", [(0, 1), (1, 0)], ids=["may-first", "january-first"])
def test_earliest_admission_wins_whatever_the_file_order(order: tuple[int, int]) -> None:
    names = ["f11_order_a_may.xlsx", "f11_order_b_january.xlsx"]
    files = [raw(names[i]) for i in order]
    parsed = {p.raw.rel: p for p in read_batch(files, SETTINGS, no_persons(), REGISTRY, YEARS)}
    may, january = parsed["reports/f11_order_a_may.xlsx"], parsed["reports/f11_order_b_january.xlsx"]
    assert findings(january) == [] and january.roster is not None and len(january.roster) == 1
    assert findings(may) == [(2, "roster.duplicate_person")]
    assert may.roster is not None and may.roster.empty
    assert "SYT" in may.findings["message_vi"].iloc[0] and "2024-01" in may.findings["message_vi"].iloc[0]


def test_earlier_admission_than_the_warehouse_is_not_the_error() -> None:
    """The warehouse holds the May admission: the January file's row is kept (the warehouse moves the error)."""
    may = process("f11_order_a_may.xlsx")
    assert may.roster is not None
    existing = may.roster[["person_key", "unit_code", "period_month", "admitted_on", "decision_no"]]
    parsed = read_batch([raw("f11_order_b_january.xlsx")], SETTINGS, existing, REGISTRY, YEARS)[0]
    assert findings(parsed) == [] and parsed.roster is not None and len(parsed.roster) == 1


def test_empty_roster_sheet_counts_as_zero_persons_in_validate() -> None:
    from schemas.report import batch_state, cross_findings

    parsed = process("f11_empty_roster_admitted.xlsx")
    state = batch_state([(parsed.raw.rel, parsed.summary, parsed.roster)], parsed.header_frame())
    found = cross_findings(state)
    assert [(f.rule, f.params) for f in found] == [("cross.roster_count_mismatch", {"roster": 0})]
