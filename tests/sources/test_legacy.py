"""TCVN3 and VNI text: known answers, round trips, and zero conversions of text already in Unicode."""

from __future__ import annotations

import csv
import sys
from pathlib import Path

import pytest

from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.csvfile import read_csv
from pdv.sources.legacy import candidates, convert_rows
from pdv.sources.spreadsheet import FileRejected, read_xlsx

TESTS = Path(__file__).resolve().parents[1]
REPORTS = TESTS / "data" / "reports"
sys.path.insert(0, str(REPORTS))
from make_corpus import legacy  # noqa: E402  (the corpus generator's encoder)

LEGACY_SAMPLES = {"f11_legacy_tcvn3.xlsx", "f11_legacy_vni.xlsx"} | {
    f"f11_csv_{k}_{e}.csv" for k in ("summary", "roster") for e in ("tcvn3", "vni")
}
# The demo's 2025 office on the VNI font (pdv/synthetic/demo.py, layout "P"): its files are legacy text on purpose.
DEMO_LEGACY_OFFICE = ("2025", "BVDK_")


def test_known_answers_from_the_format() -> None:
    assert candidates("Së Y tÕ tØnh B×nh §Þnh") == {"TCVN3": "Sở Y tế tỉnh Bình Định"}
    assert candidates("Sôû Y teá tænh Bình Ñònh") == {"VNI": "Sở Y tế tỉnh Bình Định"}
    assert candidates("Ban Toå chöùc") == {"VNI": "Ban Tổ chức"}
    assert candidates("§¶NG ñY") == {"TCVN3": "ĐẢNG ỦY"}  # .VnTimeH: capitals drawn from lower-case codes


@pytest.mark.parametrize("word", ["Hòa", "Quy Nhơn", "Đoàn", "Hoà", "Bình", "Phòng", "Tôn giáo", "«Hòa»", "Müller"])
def test_unicode_words_never_look_legacy(word: str) -> None:
    assert candidates(word) == {}


def unicode_texts() -> set[str]:
    """Every unit name, alias, header and cell text in the sample data and the test corpus."""
    texts: set[str] = set()
    tables = [*(PROJECT_ROOT / "data" / "raw" / "reference").glob("*.csv"), *(PROJECT_ROOT / "pdv").rglob("*.csv")]
    for path in tables:
        if "encodings" in path.parts:
            continue
        with path.open(encoding="utf-8-sig") as fh:
            texts |= {v for row in csv.reader(fh) for v in row}
    settings = Settings()
    files = [*(PROJECT_ROOT / "data" / "raw" / "reports").rglob("*"), *REPORTS.iterdir()]
    for path in files:
        if (
            not path.is_file()
            or path.name in LEGACY_SAMPLES
            or (DEMO_LEGACY_OFFICE[0] in path.parts and path.name.startswith(DEMO_LEGACY_OFFICE[1]))
            or path.suffix.lower() not in (".xlsx", ".xls", ".ods", ".csv")
        ):
            continue
        try:
            sheets = [read_csv(path, settings)] if path.suffix.lower() == ".csv" else read_xlsx(path, settings)
        except FileRejected:
            continue
        texts |= {c for s in sheets for _, cells in s.rows for c in cells if isinstance(c, str)}
    return texts


def test_zero_conversions_over_the_sample_data_and_tests() -> None:
    texts = unicode_texts()
    assert len(texts) > 1000  # the demo reports, the registry and the corpus were all read
    converted = {t: c for t in texts if (c := candidates(t))}
    assert converted == {}
    rows = [(1, sorted(texts))]
    assert convert_rows([("all", rows)]) is None


def registry_names() -> list[str]:
    with (PROJECT_ROOT / "data" / "raw" / "reference" / "units.csv").open(encoding="utf-8") as fh:
        return [r["unit_name"] for r in csv.DictReader(fh)]


@pytest.mark.parametrize("encoding", ["TCVN3", "VNI"])
def test_every_unit_name_comes_back_from_legacy(encoding: str) -> None:
    names = registry_names()
    back = {n: candidates(legacy(n, encoding)).get(encoding) for n in names}
    # TCVN3 has no codes for toned capitals ("Ủy" is typed "ñy" in .VnTimeH): the case may differ,
    # which name matching ignores.
    wrong = {n: b for n, b in back.items() if legacy(n, encoding) != n and (b or "").casefold() != n.casefold()}
    assert wrong == {}
    assert all(b == n for n, b in back.items() if b is not None and encoding == "VNI")


def test_one_encoding_per_file_and_the_first_cell_named() -> None:
    rows = [(1, ["Tªn ®¬n vÞ", 3]), (2, ["Së Y tÕ tØnh B×nh §Þnh", "Hòa"])]
    found = convert_rows([("TongHop", rows)])
    assert found is not None
    assert (found.encoding, found.sheet, found.cell, found.unicode) == ("TCVN3", "TongHop", "A1", "Tên đơn vị")
    assert rows == [(1, ["Tên đơn vị", 3]), (2, ["Sở Y tế tỉnh Bình Định", "Hòa"])]
