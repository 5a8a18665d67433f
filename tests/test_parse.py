"""Values as units type them: counts, dates and months in every spelling the format document allows."""

from __future__ import annotations

import unicodedata
from datetime import date, datetime

import pandas as pd
import pytest

from pdv.parse import month_label, parse_count, parse_date, parse_month

NAN = float("nan")


def one(fn, value):  # type: ignore[no-untyped-def]
    return fn(pd.Series([value], dtype=object)).iloc[0]


@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (5, 5.0),
        (3.0, 3.0),  # Excel float
        ("05", 5.0),  # number as text
        ("1.000", 1000.0),  # thousands separator (dot)
        ("1,000", 1000.0),  # thousands separator (comma)
        ("1.000.000", 1_000_000.0),
        (" 7 ", 7.0),
        ("\u00a08", 8.0),  # non-breaking space from a copied web page
        ("2,5", 2.5),  # decimal comma: parsed, so that the schema can call it "not a whole number"
        ("12.5", 12.5),
        ("-1", -1.0),
        (-1, -1.0),
        (1.5, 1.5),
    ],
)
def test_parse_count(value: object, expected: float) -> None:
    assert one(parse_count, value) == expected


@pytest.mark.parametrize("value", ["abc", "một", "", "   ", None, NAN, "1-2"])
def test_parse_count_non_numbers_are_nan(value: object) -> None:
    assert pd.isna(one(parse_count, value))


def test_parse_count_keeps_the_index() -> None:
    s = pd.Series(["1", "x", 3.0], index=[10, 20, 30], dtype=object)
    out = parse_count(s)
    assert list(out.index) == [10, 20, 30]
    assert out.dtype == float
    assert out.loc[10] == 1.0 and pd.isna(out.loc[20]) and out.loc[30] == 3.0


@pytest.mark.parametrize(
    "value",
    [
        date(2024, 3, 5),  # Excel date (calamine gives a date)
        datetime(2024, 3, 5, 10, 30),  # Excel date with a time
        pd.Timestamp("2024-03-05"),
        "05/03/2024",  # dd/mm/yyyy
        "5/3/2024",
        "05-03-2024",
        "05.03.2024",
        "2024-03-05",  # ISO
        "2024-03-05 00:00:00",
        "2024-03-05T08:00:00",
        "2024/03/05",
        45356,  # Excel serial number in a General-formatted cell
        45356.0,
        "45356",
        " 05/03/2024 ",
    ],
)
def test_parse_date(value: object) -> None:
    assert one(parse_date, value) == pd.Timestamp("2024-03-05")


@pytest.mark.parametrize("value", ["31/02/2024", "35/04/2024", "15/13/2024", "abc", "", None, NAN, 12, "2024"])
def test_parse_date_invalid_is_nat(value: object) -> None:
    assert pd.isna(one(parse_date, value))


def test_parse_date_is_day_first_not_month_first() -> None:
    assert one(parse_date, "02/03/2024") == pd.Timestamp("2024-03-02")


@pytest.mark.parametrize(
    "value",
    [
        "2024-03",
        "03/2024",
        "3/2024",
        "Tháng 3/2024",
        "tháng 03/2024",
        "THÁNG 3/2024",
        "Tháng 3 năm 2024",
        "Thang 3/2024",
        " 2024-03 ",
        date(2024, 3, 15),  # an Excel date anywhere in the month
        datetime(2024, 3, 31, 23, 59),
        date(2024, 3, 1),
        45366,  # the same date as an Excel serial number
        "15/03/2024",
        "2024-03-15",
    ],
)
def test_parse_month(value: object) -> None:
    assert one(parse_month, value) == pd.Timestamp("2024-03-01")


def test_parse_month_decomposed_text() -> None:
    """ "Tháng 3/2024" typed with a decomposed-Unicode keyboard (Unikey "Unicode tổ hợp", macOS) is the
    same text to the clerk; headers and unit names are matched after NFC, the period must be too."""
    assert one(parse_month, unicodedata.normalize("NFD", "Tháng 3/2024")) == pd.Timestamp("2024-03-01")


@pytest.mark.parametrize("value", ["13/2024", "0/2024", "2024-13", "03/24", "abc", "Tháng ba", "", None, NAN])
def test_parse_month_invalid_is_nat(value: object) -> None:
    assert pd.isna(one(parse_month, value))


def test_parse_month_all_invalid_or_empty() -> None:
    assert parse_month(pd.Series(["x", None], dtype=object)).isna().all()
    assert parse_month(pd.Series([], dtype=object)).empty


def test_parse_month_mixed_series_keeps_order_and_index() -> None:
    s = pd.Series(["3/2024", date(2024, 5, 2), "x", "2025-12"], index=[4, 3, 2, 1], dtype=object)
    assert month_label(parse_month(s)).to_dict() == {4: "2024-03", 3: "2024-05", 2: "", 1: "2025-12"}


def test_month_label() -> None:
    months = pd.Series([pd.Timestamp("2024-03-01"), pd.NaT, pd.Timestamp("2025-12-01")])
    assert month_label(months).tolist() == ["2024-03", "", "2025-12"]
