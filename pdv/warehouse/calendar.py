"""The date dimension and the Board's periods (quarters, halves, years), added for each year with data."""

from __future__ import annotations

from datetime import date

import pandas as pd
from sqlalchemy.engine import Connection

from pdv.warehouse.base import Destination, query_frame


def ensure_dates(conn: Connection, dest: Destination, years: list[int]) -> None:
    """Calendar days and the Board's periods for every year the warehouse holds data for."""
    have = {int(r[0]) for r in conn.exec_driver_sql("select distinct year from dim_date").fetchall()}
    missing = [y for y in years if y not in have]
    if not missing:
        return
    periods, months = board_periods(missing)
    dest.bulk_insert(conn, "dim_period", periods)
    dest.bulk_insert(conn, "bridge_period_month", months)
    days = pd.Series(pd.concat([pd.Series(pd.date_range(f"{y}-01-01", f"{y}-12-31", freq="D")) for y in missing]))
    frame = pd.DataFrame(
        {
            "date_key": days.dt.strftime("%Y%m%d").astype(int),
            "date_value": days.dt.date,
            "year": days.dt.year,
            "half": (days.dt.month > 6).astype(int) + 1,
            "quarter": days.dt.quarter,
            "month": days.dt.month,
            "month_start": (days - pd.to_timedelta(days.dt.day - 1, unit="D")).dt.date,
        }
    )
    dest.bulk_insert(conn, "dim_date", frame)


_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


def board_periods(years: list[int]) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Quarters, halves and years, and the months of each (scope period) and from January (scope ytd)."""
    periods, months = [], []
    for year in years:
        spans = [(f"{year}-Q{q}", "quarter", q, 3 * q - 2, 3 * q, f"Quý {_ROMAN[q]} năm {year}") for q in range(1, 5)]
        spans += [
            (f"{year}-H{h}", "half", h, 6 * h - 5, 6 * h, f"6 tháng {'đầu' if h == 1 else 'cuối'} năm {year}")
            for h in (1, 2)
        ]
        spans.append((str(year), "year", 1, 1, 12, f"Năm {year}"))
        for period, kind, ordinal, first, last, label in spans:
            periods.append(
                {
                    "period": period,
                    "period_type": kind,
                    "year": year,
                    "ordinal": ordinal,
                    "first_month": date(year, first, 1),
                    "last_month": date(year, last, 1),
                    "label_vi": label,
                }
            )
            for scope, start in (("period", first), ("ytd", 1)):
                months += [
                    {
                        "period": period,
                        "scope": scope,
                        "month_start": date(year, m, 1),
                        "month_label": f"{year}-{m:02d}",
                    }
                    for m in range(start, last + 1)
                ]
    return pd.DataFrame(periods), pd.DataFrame(months)


def periods_of(conn: Connection, months: list[date]) -> list[str]:
    """Board periods whose months or year-to-date include one of ``months``."""
    first: dict[int, date] = {}
    for month in months:
        first[month.year] = min(first.get(month.year, month), month)
    spans = query_frame(conn, "select period, year, last_month from dim_period")
    last = pd.to_datetime(spans["last_month"]).dt.date
    hit = [
        str(p)
        for p, y, m in zip(spans["period"], spans["year"], last, strict=True)
        if int(y) in first and m >= first[int(y)]
    ]
    return sorted(hit)
