"""The figures each page shows, from the BI views; every function is restricted to the viewer's scope."""

from __future__ import annotations

import re
from datetime import date
from typing import Any

import pandas as pd

from pdv.console.auth import Viewer
from pdv.console.reads import query
from pdv.warehouse import Destination

# Completeness grid cells: state -> (label, css class)
CELL_STATES = {
    "on_time": ("Đúng hạn", "ok"),
    "late": ("Muộn", "late"),
    "missing": ("Thiếu", "missing"),
    "errors": ("Có lỗi", "errors"),
    "not_expected": ("Không phải nộp", "none"),
}
ISSUE_FILTERS = ("unit", "period", "rule", "severity", "status", "file")


def _read(dest: Destination, name: str, **params: object) -> pd.DataFrame:
    return dest.read_sql(query(name), **params)


_MASKED = re.compile(r"\d{3}\*+\d{2}|\*\*/\*\*/\d{4}")


def redact(frame: pd.DataFrame, viewer: Viewer) -> pd.DataFrame:
    """Issue records for a viewer: masked ids and birth years are still personal, for stewards only."""
    if viewer.sees_personal or frame.empty:
        return frame
    out = frame.copy()
    for column in ("message_vi", "message_en", "value"):
        if column in out:
            out[column] = out[column].astype(object).map(lambda v: _MASKED.sub("(ẩn)", v) if isinstance(v, str) else v)
    return out


def records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    frame = frame.astype(object).where(frame.notna(), None)
    return [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]


def years(dest: Destination) -> list[int]:
    return [int(y) for y in _read(dest, "years")["year"]]


def dashboard(dest: Destination, viewer: Viewer, year: int) -> dict[str, Any]:
    """Bloc progress, one bar per unit, the completeness grid and the units behind schedule."""
    bloc = records(_read(dest, "bloc_year", year=year))
    units = _read(dest, "unit_progress", year=year)
    months = _read(dest, "unit_months", first=date(year, 1, 1), after=date(year + 1, 1, 1))
    errors = _read(dest, "open_errors")
    names = _read(dest, "unit_names").set_index("unit_code")["unit_name"]
    if viewer.scope_unit is not None:
        units = units[units["unit_code"] == viewer.scope_unit]
        months = months[months["unit_code"] == viewer.scope_unit]
    months["month_start"] = pd.to_datetime(months["month_start"])
    elapsed = int(months["month_start"].dt.month.max()) if not months.empty else 0
    expected_pct = 100.0 * elapsed / 12  # the extracts' rule: behind if below the share of the year gone
    units = units.assign(
        behind=(units["target_total"].fillna(0) > 0) & (units["achievement_pct"].fillna(0) < expected_pct)
    )
    return {
        "year": year,
        "bloc": bloc[0] if bloc and viewer.scope_unit is None else None,
        "units": records(units),
        "behind": records(units[units["behind"]]),
        "grid": _grid(months, errors, names, year),
        "elapsed": elapsed,
        "expected_pct": expected_pct,
    }


def _grid(months: pd.DataFrame, errors: pd.DataFrame, names: pd.Series, year: int) -> dict[str, Any]:
    """Unit x month: on time, late, missing, has errors, or not expected (not yet / no longer a unit)."""
    labels = sorted({pd.Timestamp(m).strftime("%Y-%m") for m in months["month_start"]})
    err = {(str(u), str(p)) for u, p in zip(errors["unit"], errors["period"], strict=True)}
    cells: dict[str, dict[str, str]] = {}
    for r in months.itertuples(index=False):
        label = pd.Timestamp(str(r.month_start)).strftime("%Y-%m")
        if (r.unit_code, label) in err:
            state = "errors"
        elif r.received:
            state = "on_time" if r.is_on_time else "late"
        elif r.expected:
            state = "missing"
        else:
            state = "not_expected"
        cells.setdefault(str(r.unit_code), {})[label] = state
    rows = [
        {
            "unit_code": code,
            "unit_name": names.get(code, code),
            "cells": [cells[code].get(m, "not_expected") for m in labels],
        }
        for code in sorted(cells)
    ]
    return {"months": labels, "rows": rows, "states": CELL_STATES}


def issues(dest: Destination, viewer: Viewer, filters: dict[str, str | None]) -> dict[str, Any]:
    """Issues matching the filters, grouped by file; a clerk sees only the unit's own."""
    params = {k: (filters.get(k) or None) for k in ISSUE_FILTERS}
    if viewer.scope_unit is not None:
        params["unit"] = viewer.scope_unit
    frame = redact(_read(dest, "issues", **params), viewer)
    groups: dict[str, list[dict[str, Any]]] = {}
    for rec in records(frame):
        if rec["row_number"] is not None:
            rec["row_number"] = int(rec["row_number"])
        groups.setdefault(rec["file"] or "", []).append(rec)
    return {"groups": groups, "count": len(frame), "filters": params}


def unit_page(dest: Destination, viewer: Viewer, unit: str) -> dict[str, Any] | None:
    """Targets, months, submissions and issues of one unit; None for an unknown unit."""
    names = _read(dest, "unit_names").set_index("unit_code")["unit_name"]
    if unit not in names.index:
        return None
    months = _read(dest, "unit_month_rows", unit=unit)
    out = {
        "unit_code": unit,
        "unit_name": names[unit],
        "targets": records(_read(dest, "unit_targets", unit=unit)),
        "months": records(months),
        "submissions": records(_read(dest, "unit_submissions", unit=unit)),
        "issues": issues(dest, viewer, {"unit": unit, "status": None}),
        "admissions": records(_read(dest, "unit_admissions", unit=unit)) if viewer.sees_personal else [],
    }
    return out


def person(dest: Destination, file_id: int, source_row: int) -> dict[str, Any] | None:
    rows = records(_read(dest, "person", file_id=file_id, source_row=source_row))
    return rows[0] if rows else None


def file_units(dest: Destination, path: str) -> set[str]:
    return {str(u) for u in _read(dest, "file_units", path=path)["unit"]}


def file_status(dest: Destination, path: str) -> dict[str, Any] | None:
    rows = records(_read(dest, "file_status", path=path))
    return rows[0] if rows else None


def load_runs(dest: Destination) -> list[dict[str, Any]]:
    return records(_read(dest, "load_runs"))


def unit_names(dest: Destination) -> dict[str, str]:
    frame = _read(dest, "unit_names")
    return dict(zip(frame["unit_code"].astype(str), frame["unit_name"].astype(str), strict=True))


OUTLOOK_ORDER = {"kho_dat": 0, "co_nguy_co": 1, "chua_ro": 2, "dat": 3}


def outlook(dest: Destination, viewer: Viewer, year: int) -> dict[str, Any] | None:
    """The early warning at the year's latest month end (``v_unit_outlook``), in the viewer's scope.

    At-risk units come first, each with what the Board can act on: months not reported, trained
    candidates waiting, the gap to the youth minimum and the admissions needed per month.
    """
    rows = _read(dest, "outlook", year=year)
    if viewer.scope_unit is not None:
        rows = rows[rows["unit_code"] == viewer.scope_unit]
    if rows.empty:
        return None
    rows = rows.assign(_order=rows["status"].map(OUTLOOK_ORDER).fillna(9)).sort_values(["_order", "stt"])
    follow = rows[rows["status"].isin(["co_nguy_co", "kho_dat"])]
    return {
        "month": int(rows["month"].iloc[0]),
        "units": records(rows.drop(columns="_order")),
        "follow": records(follow),
    }


def pending(dest: Destination) -> list[dict[str, Any]]:
    """Reports waiting for a locked month, each figure beside the one in force (issue 16)."""
    from pdv.approval import pending_frame

    return records(pending_frame(dest))


def approvals(dest: Destination) -> list[dict[str, Any]]:
    """Every issued version of every period, latest first."""
    import sqlalchemy as sa

    with dest.engine.connect() as conn:
        if not sa.inspect(conn).has_table("period_approval"):
            return []
    return records(_read(dest, "approvals"))
