"""Schemas for the plan's annex: each unit-year row, and the annex totals against the plan."""

from __future__ import annotations

import pandas as pd
import pandera.pandas as pa

from pdv.findings import Finding
from pdv.reference import UnitRegistry
from pdv.sources.annex import MEASURES
from pdv.sources.plan import PlanDocument
from pdv.textnorm import map_unique, name_key
from schemas.base import Context, validate

MAX_TARGET = 1_000_000  # a larger target is a typing slip and would overflow the warehouse's integers

UNIT_TYPES = {name_key(t): t for t in ("Đảng bộ", "Chi bộ")}
# The document is the authority: a row whose own arithmetic is off is flagged, not dropped.
NON_BLOCKING = frozenset({"annex.row_arithmetic"})


def _whole(s: pd.Series) -> pd.Series:
    return s.isna() | (s == s.round())


def _non_negative(s: pd.Series) -> pd.Series:
    return s.isna() | (s >= 0)


def _target_column() -> pa.Column:
    return pa.Column(
        float,
        [pa.Check(_non_negative, name="value_negative"), pa.Check(_whole, name="value_not_integer")],
        nullable=False,
        description="Target (a count of new members); blank or text is an error.",
    )


def row_schema(years: list[int]) -> pa.DataFrameSchema:
    """One annex row per unit and year."""
    return pa.DataFrameSchema(
        {
            "source_row": pa.Column(int, description="Line (text) or Excel row of the annex row."),
            "stt": pa.Column(int, pa.Check.ge(1), description="The annex's STT (not an identifier)."),
            "unit_type": pa.Column(
                str,
                pa.Check(lambda s: s.isna() | s.isin(list(UNIT_TYPES.values())), name="unit_type"),
                nullable=True,
            ),
            "unit_code": pa.Column(str, pa.Check(lambda s: s != "", name="unknown_unit")),
            "year": pa.Column(int, pa.Check(lambda s: s.isin(years), name="year_outside_plan")),
            **{m: _target_column() for m in MEASURES},
        },
        checks=[
            pa.Check(
                lambda d: d[MEASURES].isna().any(axis=1) | (d["target_total"] == d["target_youth"] + d["target_union"]),
                name="row_arithmetic",
            ),
        ],
        unique=["unit_id", "year"],
        report_duplicates="exclude_first",
    )


def plan_schema() -> pa.DataFrameSchema:
    """The annex summed per year, against the plan's stated target and minimum youth share."""
    return pa.DataFrameSchema(
        {"year": pa.Column(int), "annex_total": pa.Column(int), "plan_target": pa.Column(int)},
        checks=[
            pa.Check(lambda d: d["annex_total"] >= d["plan_target"], name="annex_total_below_target"),
            pa.Check(lambda d: d["annex_total"] <= d["plan_target"], name="annex_total_above_target"),
            pa.Check(lambda d: d["annex_total"] == d["components"], name="annex_components_mismatch"),
            pa.Check(lambda d: d["youth_share"] >= d["min_share"], name="youth_share_below_minimum"),
        ],
    )


_PLAN_PRIMARY = {
    "annex_total_below_target": "annex_total",
    "annex_total_above_target": "annex_total",
    "annex_components_mismatch": "annex_total",
    "youth_share_below_minimum": "youth_share",
}


def validate_annex(
    doc: PlanDocument, registry: UnitRegistry, rel: str, sheet: str | None
) -> tuple[pd.DataFrame, list[Finding]]:
    """Validated annex rows (with ``unit_code``) that can be loaded, and every finding."""
    assert doc.annex is not None
    raw = doc.annex.frame.copy()
    frame = raw.copy()
    for m in MEASURES:
        frame[m] = pd.to_numeric(frame[m].str.replace(r"[\s.,](?=\d{3}$)", "", regex=True), errors="coerce").astype(
            float
        )
        # Only ASCII digits, and a target the warehouse's integers hold: anything else is no number.
        other_digits = frame[m].notna() & raw[m].astype("string").str.contains(r"(?![0-9])\d", regex=True, na=False)
        frame[m] = frame[m].mask(other_digits | ~(frame[m].abs() <= MAX_TARGET))
    known_type = map_unique(frame["unit_type"], name_key).map(UNIT_TYPES)
    frame["unit_type"] = known_type.fillna(frame["unit_type"].where(frame["unit_type"] != ""))
    resolved = registry.resolve(frame["unit_name"])
    frame["unit_code"] = resolved.code.fillna("")
    frame["unit_code__suggestions"] = resolved.suggestions
    frame["unit_id"] = frame["unit_code"].where(frame["unit_code"] != "", map_unique(frame["unit_name"], name_key))
    frame["target_total__expected"] = frame["target_youth"] + frame["target_union"]
    raw["unit_code"] = raw["unit_name"]
    headers = {**doc.annex.headers, "unit_code": doc.annex.headers.get("unit_name", "Đơn vị")}
    ctx = Context(
        "annex",
        rel,
        sheet,
        headers,
        raw=raw,
        unit_col="unit_code",
        period_col="year",
        primary_col={"row_arithmetic": "target_total", "duplicate": "unit_name"},
        whole_row=frozenset({"unknown_unit", "unit_type"}),
    )
    ok, findings = validate(frame, row_schema(doc.years or sorted(frame["year"].unique())), ctx, NON_BLOCKING)
    findings += [
        Finding(
            "annex.unit_name_differs",
            rel,
            sheet,
            int(str(r.source_row)),
            headers["unit_name"],
            str(r.unit_name),
            str(r.unit_code),
            None,
            {"expected": registry.name_of(str(r.unit_code))},
        )
        for r in frame[resolved.how == "alias"].itertuples()
    ]
    findings += _plan_findings(frame, doc, rel, sheet)
    return frame[ok], findings


def _plan_findings(frame: pd.DataFrame, doc: PlanDocument, rel: str, sheet: str | None) -> list[Finding]:
    if doc.yearly_target is None or doc.min_youth_share_pct is None:
        return []
    sums = frame.groupby("year")[MEASURES].sum()
    agg = pd.DataFrame(
        {
            "year": sums.index,
            "annex_total": sums["target_total"].astype(int).to_numpy(),
            "components": (sums["target_youth"] + sums["target_union"]).astype(int).to_numpy(),
            "plan_target": doc.yearly_target,
            "youth_share": (100 * sums["target_youth"] / (sums["target_youth"] + sums["target_union"]))
            .round(1)
            .to_numpy(),
            "min_share": doc.min_youth_share_pct,
        }
    )
    agg["annex_total__target"] = agg["plan_target"]
    agg["annex_total__components"] = agg["components"]
    agg["youth_share__expected"] = agg["min_share"]
    headers = (
        {k: doc.annex.headers.get(m, m) for k, m in (("annex_total", "target_total"), ("youth_share", "target_youth"))}
        if doc.annex
        else {}
    )
    ctx = Context("plan", rel, sheet, headers, unit_col=None, period_col="year", primary_col=_PLAN_PRIMARY)
    _, findings = validate(agg, plan_schema(), ctx)
    return findings
