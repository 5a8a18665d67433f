"""Vectorised parsing of the values units type: counts, dates and months, in every spelling."""

from __future__ import annotations

import functools
from collections.abc import Callable

import pandas as pd

_EXCEL_EPOCH = pd.Timestamp("1899-12-30")


def _text(s: pd.Series) -> pd.Series:
    """Cell text NFKC-folded (full-width digits become ASCII); text with other digits becomes NA.

    ``\\d`` and ``float()`` accept every script's digits: only ASCII 0-9 count here, so a number
    written in another script is an error, never a value.
    """
    text = s.astype("string").str.normalize("NFKC").str.strip().str.replace("\u00a0", " ", regex=False)
    return text.mask(text.str.contains(_OTHER_DIGIT, regex=True, na=False))


_OTHER_DIGIT = r"(?![0-9])\d"


def _per_distinct(parse: Callable[[pd.Series], pd.Series]) -> Callable[[pd.Series], pd.Series]:
    """``parse`` run on the distinct values only: a national batch's column holds few distinct values
    (counts, months, dates) in hundreds of thousands of rows."""

    @functools.wraps(parse)
    def on_distinct(s: pd.Series) -> pd.Series:
        codes, uniques = pd.factorize(s.astype(object), use_na_sentinel=True)
        parsed = parse(pd.Series(uniques, dtype=object)).reset_index(drop=True)
        return parsed.reindex(codes).set_axis(s.index)  # code -1 (missing) gives NaN or NaT

    return on_distinct


@_per_distinct
def parse_count(s: pd.Series) -> pd.Series:
    """Numbers as typed: 5, 3.0, "05", "1.000" (thousands), "2,5" (decimal comma); NaN otherwise."""
    text = _text(s).str.replace(" ", "", regex=False)
    thousands = text.str.fullmatch(r"\d{1,3}([.,]\d{3})+").fillna(False).astype(bool)
    text = text.mask(thousands, text.str.replace(r"[.,]", "", regex=True))
    text = text.str.replace(",", ".", regex=False)
    return pd.to_numeric(text, errors="coerce").astype(float)


@_per_distinct
def parse_date(s: pd.Series) -> pd.Series:
    """Dates as Excel dates, ``dd/mm/yyyy`` (also with - or .), ISO text or Excel serial numbers."""
    text = _text(s)
    text = text.str.replace(r"^(\d{1,2})[.-](\d{1,2})[.-](\d{4})$", r"\1/\2/\3", regex=True)
    out = pd.to_datetime(text, format="%Y-%m-%d", errors="coerce")
    for fmt in ("%Y-%m-%d %H:%M:%S", "%d/%m/%Y", "%Y/%m/%d", "%Y-%m-%dT%H:%M:%S"):
        missing = out.isna() & text.notna()
        if not missing.any():
            break
        out = out.fillna(pd.to_datetime(text.where(missing), format=fmt, errors="coerce"))
    serial = pd.to_numeric(text.where(out.isna()), errors="coerce").astype(float)
    serial = serial.where((serial > 20000) & (serial < 80000))  # Excel serials of 1954..2119 only
    out = out.fillna(_EXCEL_EPOCH + pd.to_timedelta(serial.round(), unit="D"))
    return out.dt.normalize()


@_per_distinct
def parse_month(s: pd.Series) -> pd.Series:
    """First day of the month for ``2024-03``, ``03/2024``, ``3/2024``, ``Tháng 3/2024`` or a date."""
    text = _text(s).str.lower()
    text = text.str.replace(r"^(tháng|thang|kỳ|ky)\s*", "", regex=True).str.replace(r"\s*(năm|nam)\s*", "/", regex=True)
    year_first = text.str.extract(r"^(?P<y>\d{4})\s*[-/. ]\s*(?P<m>\d{1,2})$")
    month_first = text.str.extract(r"^(?P<m>\d{1,2})\s*[-/. ]\s*(?P<y>\d{4})$")
    parts = year_first.fillna(month_first)
    year = pd.to_numeric(parts["y"], errors="coerce")
    month = pd.to_numeric(parts["m"], errors="coerce").where(lambda m: m.between(1, 12))
    out = pd.to_datetime(pd.DataFrame({"year": year, "month": month, "day": 1}).dropna(), errors="coerce").reindex(
        s.index
    )
    dates = parse_date(s.where(out.isna()))
    return out.fillna(dates.dt.to_period("M").dt.to_timestamp())


def month_label(months: pd.Series) -> pd.Series:
    """``YYYY-MM`` (empty string where the month is unknown)."""
    return months.dt.strftime("%Y-%m").fillna("")
