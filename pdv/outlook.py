"""Early warning: each unit's projected year-end admissions, at every month end, and a backtest.

The method, in plain words (the README and the extracts repeat it): a unit is expected at the start of
the year to admit about its target, corrected by how far the bloc's units reached their targets the
year before. Each month that it reports, its own pace counts for more: the projection of the months
still to come is the unit's seasonally adjusted pace, weighed against that starting expectation (the
weight of the unit's own figures grows with what it has reported). A month a unit has not reported is
not a zero: it is estimated like the months to come. A unit cannot admit more than its candidate
pipeline holds: the persons trained in the Party-awareness course and not yet admitted, plus the
sympathisers if enough months remain for them to pass the course (the usual lag from training to
admission, learned from the unit's history, or the bloc's when the unit has too little). The range is
the 10th to 90th percentile of a negative binomial (Poisson counts whose rate is itself uncertain).

Everything is computed from a frame of unit-months (the group is today's unit, so a successor carries
its predecessors' history) and only months up to each month end enter the projection made at that
month end: every figure is a cumulative sum up to its row's month.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

import numpy as np
import pandas as pd

PRIOR_SHAPE = 4.0  # how many "admissions' worth" the starting expectation counts for
RANGE_QUANTILES = (0.1, 0.9)
SEASON_PSEUDO = 2.0  # per-month pseudo-count that keeps a thin seasonal profile from being erratic
LAG_MIN_ADMISSIONS = 5  # below this many admissions in its history a unit borrows the bloc's lag
SILENT_MONTHS = 2  # a unit silent this many months running is at risk whatever its pace
ZERO_TARGET_PRIOR = 0.5  # expected admissions of a unit without a target, when no earlier year tells

ON_TRACK, AT_RISK, UNLIKELY, UNKNOWN = "on_track", "at_risk", "unlikely", "unknown"
STATUS_VI = {ON_TRACK: "đạt", AT_RISK: "có nguy cơ", UNLIKELY: "khó đạt", UNKNOWN: "chưa rõ"}
REASON_PACE_OK = "tốc độ kết nạp đủ để đạt chỉ tiêu"
REASON_NO_TRAINED = "không còn quần chúng đã học lớp bồi dưỡng"
REASON_SLOW = "tốc độ kết nạp thấp hơn cần thiết"
REASON_NO_TARGET = "đơn vị không được giao chỉ tiêu"


def reason_silent(months: int) -> str:
    return f"chưa nộp báo cáo {months} tháng"


MONTHLY_COLUMNS = [
    "unit_code",  # today's unit (the group a successor's predecessors count under)
    "month_start",
    "expected",  # member reports due in the month
    "received",  # member reports in force
    "admitted_total",
    "admitted_youth",
    "admitted_union",
    "trained",
    "sympathizers",
]
TARGET_COLUMNS = ["unit_code", "year", "month", "target_total", "target_youth", "target_union"]

OUTLOOK_COLUMNS = [
    "year",
    "month",
    "unit_code",
    "target_total",
    "target_youth",
    "target_union",
    "admitted_total",
    "admitted_youth",
    "admitted_union",
    "months_reported",
    "months_missing",
    "months_silent",
    "trained_waiting",
    "lag_months",
    "sympathizers_end",
    "projected_total",
    "projected_low",
    "projected_high",
    "projected_youth",
    "projected_union",
    "naive_total",
    "needed_per_month",
    "youth_gap",
    "status",
    "status_vi",
    "reason_vi",
]


@dataclass(frozen=True)
class YearContext:
    """What the projection of a year borrows from the bloc's earlier years (nothing after them)."""

    season: np.ndarray  # twelve monthly shares of a year's admissions, summing to 1
    achievement: float  # the bloc's actual / target of the previous year (1.0 without one)
    zero_target_prior: float  # admissions of a unit without a target in the previous year


def year_context(monthly: pd.DataFrame, targets: pd.DataFrame, year: int) -> YearContext:
    """Seasonality and the starting expectation for ``year``, from the year before it only."""
    m = monthly[pd.to_datetime(monthly["month_start"]).dt.year == year - 1]
    counts = (
        m.groupby(pd.to_datetime(m["month_start"]).dt.month)["admitted_total"].sum().reindex(range(1, 13), fill_value=0)
    )
    raw = counts.to_numpy(dtype=float) + SEASON_PSEUDO
    season = raw / raw.sum()
    achievement, zero_prior = 1.0, ZERO_TARGET_PRIOR
    held = targets[(targets["year"] == year - 1) & (targets["month"] == 12)]
    if not m.empty and not held.empty:
        reported = m.groupby("unit_code")["received"].sum() > 0  # a unit that sent nothing is not a zero
        actual = m.groupby("unit_code")["admitted_total"].sum()[reported]
        joined = held.set_index("unit_code")[["target_total"]].join(actual.rename("actual"), how="inner").fillna(0)
        with_target = joined[joined["target_total"] > 0]
        if with_target["target_total"].sum() > 0:
            achievement = float(np.clip(with_target["actual"].sum() / with_target["target_total"].sum(), 0.5, 1.5))
        without = joined[joined["target_total"] == 0]
        if len(without):
            zero_prior = max(float(without["actual"].mean()), 0.1)
    return YearContext(season, achievement, zero_prior)


def _pipeline_state(monthly: pd.DataFrame) -> pd.DataFrame:
    """Per unit and month, over its whole history: trained persons waiting, and the usual lag (months).

    The waiting stock is trained minus admitted, never below zero (admissions beyond the recorded
    training came from courses before the history): the closed form of s = max(0, s + trained - admitted).
    The lag follows Little's law: the average stock waiting / admissions per month.
    """
    f = monthly.sort_values(["unit_code", "month_start"]).reset_index(drop=True)
    g = f.groupby("unit_code", sort=False)
    net = (f["trained"] - f["admitted_total"]).astype(float)
    c = net.groupby(f["unit_code"], sort=False).cumsum()
    low = c.groupby(f["unit_code"], sort=False).cummin().clip(upper=0)
    f["trained_waiting"] = (c - low).round().astype(int)
    n = g.cumcount() + 1
    cum_wait = f["trained_waiting"].groupby(f["unit_code"], sort=False).cumsum()
    cum_adm = f["admitted_total"].groupby(f["unit_code"], sort=False).cumsum()
    own = (cum_wait / n) / (cum_adm / n).where(cum_adm > 0)
    bloc = f.groupby("month_start").agg(w=("trained_waiting", "sum"), a=("admitted_total", "sum")).sort_index()
    bloc_lag = (bloc["w"].cumsum() / bloc["a"].cumsum().where(bloc["a"].cumsum() > 0)).fillna(0.0)
    fallback = f["month_start"].map(bloc_lag).fillna(0.0)
    f["lag_months"] = own.where(cum_adm >= LAG_MIN_ADMISSIONS, fallback).fillna(fallback).clip(0, 12).round(1)
    return f


def _silent_run(received: pd.Series, units: pd.Series) -> pd.Series:
    """Months without a report running up to each row (0 when the row's month was reported)."""
    reported = received.astype(bool)
    block = reported.groupby(units, sort=False).cumsum()
    return (~reported).astype(int).groupby([units, block], sort=False).cumsum()


def nbinom_ppf(q: float, n: np.ndarray, p: np.ndarray) -> np.ndarray:
    """``scipy.stats.nbinom.ppf(q, n, p)`` for 0 < q < 1, from the special function it calls.

    Why: importing ``scipy.stats`` takes 1.2 s here, the largest part of a small run's mart refresh.
    Outside the distribution's parameters (n > 0, 0 < p <= 1) the result is NaN, as scipy's.
    """
    from scipy.special import _ufuncs  # scipy.stats.nbinom's own ppf (tested equal to it)

    if not 0 < q < 1:
        raise ValueError(f"q must be inside (0, 1), not {q}")
    n, p = np.broadcast_arrays(np.asarray(n, dtype=float), np.asarray(p, dtype=float))
    valid = (n > 0) & (p > 0) & (p <= 1)
    out = np.full(n.shape, np.nan)
    if valid.any():
        # Once per distinct (n, p): units and months share them, and each is a root search (seconds
        # for a national year's 600,000 rows). A complex number holds the pair for one 1-D unique().
        pairs = np.empty(int(valid.sum()), dtype=np.complex128)
        pairs.real, pairs.imag = n[valid], p[valid]
        distinct, inverse = np.unique(pairs, return_inverse=True)
        with np.errstate(all="ignore"):
            out[valid] = _ufuncs._nbinom_ppf(q, distinct.real, distinct.imag)[inverse]
    return out


def project(monthly: pd.DataFrame, targets: pd.DataFrame, year: int, min_youth_share_pct: float = 70.0) -> pd.DataFrame:
    """Every unit's outlook at every month end of ``year`` (one row per unit and month it exists).

    ``monthly``: MONTHLY_COLUMNS for every year of history (earlier years feed seasonality, the
    starting expectation and the pipeline); ``targets``: TARGET_COLUMNS, the yearly target each unit
    holds at each month end. A row for month m uses the months up to m only.
    """
    ctx = year_context(monthly, targets, year)
    hist = monthly[pd.to_datetime(monthly["month_start"]).dt.year <= year].copy()
    hist["month_start"] = pd.to_datetime(hist["month_start"])
    for col in ("admitted_total", "admitted_youth", "admitted_union", "trained", "sympathizers"):
        hist[col] = pd.to_numeric(hist[col], errors="coerce").fillna(0).astype(int)
    hist = _pipeline_state(hist)
    f = hist[hist["month_start"].dt.year == year].copy()
    if f.empty:
        return pd.DataFrame(columns=OUTLOOK_COLUMNS)
    f["month"] = f["month_start"].dt.month.astype(int)
    f = f.sort_values(["unit_code", "month"]).reset_index(drop=True)
    units = f["unit_code"]
    got = f["received"] > 0
    full = f["received"] >= f["expected"]
    f["season"] = ctx.season[f["month"].to_numpy() - 1]
    g = lambda s: s.groupby(units, sort=False).cumsum()  # noqa: E731  (cumulative to each month end)
    done = g(f["season"] * got)  # share of the year's admissions that reported months stand for
    out = pd.DataFrame({"year": year, "month": f["month"], "unit_code": units})
    for col in ("admitted_total", "admitted_youth", "admitted_union"):
        out[col] = g(f[col] * got).astype(int)
    out["months_reported"] = g(full.astype(int)).astype(int)
    out["months_missing"] = g((~full).astype(int)).astype(int)
    out["months_silent"] = _silent_run(got, units).astype(int)
    out["trained_waiting"] = f["trained_waiting"].astype(int)
    out["lag_months"] = f["lag_months"].astype(float)
    # The pool is a stock: the last reported month's figure.
    pool = f["sympathizers"].where(got)
    out["sympathizers_end"] = pool.groupby(units, sort=False).ffill()
    t = targets[targets["year"] == year][["unit_code", "month", "target_total", "target_youth", "target_union"]]
    out = out.merge(t, on=["unit_code", "month"], how="left")
    for col in ("target_total", "target_youth", "target_union"):
        out[col] = out[col].fillna(0).astype(int)
    target = out["target_total"].to_numpy(dtype=float)
    a_done = out["admitted_total"].to_numpy(dtype=float)
    f_done = done.to_numpy(dtype=float)
    f_todo = np.clip(1.0 - f_done, 0.0, 1.0)
    prior = np.where(target > 0, target * ctx.achievement, ctx.zero_target_prior)
    shape = PRIOR_SHAPE + a_done
    rate = PRIOR_SHAPE / prior + f_done
    mean_rest = shape * f_todo / rate
    p = rate / (rate + np.where(f_todo > 0, f_todo, 1.0))
    low_rest = np.where(f_todo > 0, nbinom_ppf(RANGE_QUANTILES[0], shape, p), 0.0)
    high_rest = np.where(f_todo > 0, nbinom_ppf(RANGE_QUANTILES[1], shape, p), 0.0)
    months_left = 12 - out["month"].to_numpy()
    waiting = out["trained_waiting"].to_numpy(dtype=float)
    sympathizers = out["sympathizers_end"].fillna(0).to_numpy(dtype=float)
    capacity = waiting + np.where(months_left > out["lag_months"].to_numpy(), sympathizers, 0.0)
    rest = np.minimum(mean_rest, capacity)
    out["projected_total"] = np.round(a_done + rest, 1)
    out["projected_low"] = (a_done + np.minimum(low_rest, capacity)).astype(int)
    # The high end is capped only by an empty pipeline: a pool can be refilled by new sympathisers in the
    # year (the backtest's ranges held the year end too rarely when every pool capped them).
    high_cap = np.where(capacity > 0, np.inf, 0.0)
    out["projected_high"] = (a_done + np.maximum(np.minimum(high_rest, high_cap), np.ceil(rest))).astype(int)
    youth_target_share = np.where(target > 0, out["target_youth"] / np.maximum(target, 1), min_youth_share_pct / 100)
    share = (out["admitted_youth"] + 2 * youth_target_share) / (a_done + 2)
    out["projected_youth"] = np.round(out["admitted_youth"] + share * rest, 1)
    out["projected_union"] = np.round(out["projected_total"] - out["projected_youth"], 1)
    elapsed = out["month"].to_numpy()
    out["naive_total"] = np.round(a_done * 12 / elapsed, 1)
    gap = np.maximum(target - a_done, 0)
    # Nothing left to do is 0 a month; a gap in December can no longer be spread (null).
    needed = np.where(gap == 0, 0.0, np.where(months_left > 0, gap / np.maximum(months_left, 1), np.nan))
    out["needed_per_month"] = np.round(needed, 2)
    minimum_youth = np.ceil(min_youth_share_pct / 100 * target - 1e-9)
    out["youth_gap"] = np.maximum(minimum_youth - out["admitted_youth"], 0).astype(int)
    _classify(out)
    return out[OUTLOOK_COLUMNS].reset_index(drop=True)


def _classify(out: pd.DataFrame) -> None:
    """Status and its reason, in place."""
    target = out["target_total"]
    silent = out["months_silent"] >= SILENT_MONTHS
    unknown = out["months_reported"] == 0
    status = np.select(
        # Reaching the target means the projection rounds to it: a whole person.
        [unknown, target == 0, out["projected_total"] >= target - 0.5, out["projected_high"] >= target],
        [UNKNOWN, ON_TRACK, ON_TRACK, AT_RISK],
        UNLIKELY,
    )
    status = np.where(silent & (status == ON_TRACK) & (target > 0), AT_RISK, status)
    reason = np.select(
        [silent | unknown, target == 0, status == ON_TRACK, out["trained_waiting"] == 0],
        [
            "chưa nộp báo cáo " + out["months_silent"].astype(str) + " tháng",
            REASON_NO_TARGET,
            REASON_PACE_OK,
            REASON_NO_TRAINED,
        ],
        REASON_SLOW,
    )
    out["status"] = status
    out["status_vi"] = pd.Series(status, index=out.index).map(STATUS_VI)
    out["reason_vi"] = reason
    for col in ("projected_total", "projected_low", "projected_high", "projected_youth", "projected_union"):
        out[col] = out[col].astype(float).where(~unknown)  # a unit that has not reported is unknown, not zero


def bloc_outlook(units: pd.DataFrame, yearly_target: int, min_youth_share_pct: float) -> pd.DataFrame:
    """The bloc's projection per month end: the units' sum against the plan's target and youth minimum.

    Units of unknown outlook count with what they reported; their target widens the high end (unknown, not zero).
    """
    known = units.assign(
        projected_total=units["projected_total"].fillna(units["admitted_total"]),
        projected_low=units["projected_low"].fillna(units["admitted_total"]),
        projected_high=units["projected_high"].fillna(units["admitted_total"] + units["target_total"]),
        projected_youth=units["projected_youth"].fillna(units["admitted_youth"]),
    )
    g = known.groupby(["year", "month"], as_index=False).agg(
        admitted_total=("admitted_total", "sum"),
        admitted_youth=("admitted_youth", "sum"),
        projected_total=("projected_total", "sum"),
        projected_youth=("projected_youth", "sum"),
        units=("unit_code", "size"),
        at_risk=("status", lambda s: int((s == AT_RISK).sum())),
        unlikely=("status", lambda s: int((s == UNLIKELY).sum())),
        unknown=("status", lambda s: int((s == UNKNOWN).sum())),
    )
    # The units' ranges add up: their errors share a cause (the year's mood, the common starting expectation),
    # so a root-sum-of-squares range, right for independent units, was too narrow in the backtest.
    ranges = known.groupby(["year", "month"], as_index=False)[["projected_low", "projected_high"]].sum()
    g = g.merge(ranges, on=["year", "month"])
    g["yearly_target"] = int(yearly_target)
    g["min_youth_share_pct"] = float(min_youth_share_pct)
    g["projected_youth_share_pct"] = np.round(
        100 * g["projected_youth"] / g["projected_total"].where(g["projected_total"] > 0), 1
    )
    g["status"] = np.select(
        [g["projected_total"] >= yearly_target, g["projected_high"] >= yearly_target], [ON_TRACK, AT_RISK], UNLIKELY
    )
    g["status_vi"] = g["status"].map(STATUS_VI)
    g["youth_share_ok"] = g["projected_youth_share_pct"].fillna(0) >= min_youth_share_pct
    return g


# --- backtest -------------------------------------------------------------------------------------


def backtest(outlook: pd.DataFrame) -> pd.DataFrame:
    """Per month end, the projections against the actual year-end totals (from the same frame's December).

    Reports, for the projection and the naive one (so far x 12 / months elapsed): the units compared,
    the mean absolute error of the year-end total, the share of year-ends inside the range (the naive
    range: the 10th-90th percentile of a Poisson count around its remaining months) and the hit rate of
    the status (on track against reached, at risk or unlikely against missed; units with a target).
    """
    from scipy import stats  # here, not at import: the extracts import this module for its labels

    final = outlook[outlook["month"] == 12].set_index("unit_code")
    actual = final["admitted_total"].rename("actual")
    target_end = final["target_total"].rename("target_end")
    rows = outlook[outlook["status"] != UNKNOWN].join(actual, on="unit_code").join(target_end, on="unit_code")
    rows = rows[rows["actual"].notna()].copy()
    rest = (rows["naive_total"] - rows["admitted_total"]).clip(lower=0)
    rows["naive_low"] = rows["admitted_total"] + stats.poisson.ppf(RANGE_QUANTILES[0], rest).astype(float)
    rows["naive_high"] = rows["admitted_total"] + stats.poisson.ppf(RANGE_QUANTILES[1], rest).astype(float)
    rows.loc[rest == 0, ["naive_low", "naive_high"]] = rows.loc[
        rest == 0, ["admitted_total", "admitted_total"]
    ].to_numpy()
    reached = rows["actual"] >= rows["target_end"]
    rows["err"] = (rows["projected_total"] - rows["actual"]).abs()
    rows["naive_err"] = (rows["naive_total"] - rows["actual"]).abs()
    rows["inside"] = (rows["projected_low"] <= rows["actual"]) & (rows["actual"] <= rows["projected_high"])
    rows["naive_inside"] = (rows["naive_low"] <= rows["actual"]) & (rows["actual"] <= rows["naive_high"])
    scored = rows["target_end"] > 0
    rows["hit"] = ((rows["status"] == ON_TRACK) == reached).where(scored)
    rows["naive_hit"] = ((rows["naive_total"] >= rows["target_end"] - 0.5) == reached).where(scored)
    g = rows.groupby("month")
    result = pd.DataFrame(
        {
            "units": g.size(),
            "mae": g["err"].mean(),
            "coverage": g["inside"].mean(),
            "status_hit": g["hit"].mean(),
            "naive_mae": g["naive_err"].mean(),
            "naive_coverage": g["naive_inside"].mean(),
            "naive_status_hit": g["naive_hit"].mean(),
        }
    ).reset_index()
    return result.round(4)


# --- the warehouse --------------------------------------------------------------------------------


def read_history(conn: Any) -> tuple[pd.DataFrame, pd.DataFrame, pd.DataFrame]:
    """Unit-months grouped by today's unit, the targets held at every month end, and the plans."""
    from pdv.warehouse.base import query_frame

    monthly = query_frame(
        conn,
        "select current_unit_code as unit_code, month_start,"
        " cast(sum(case when expected then 1 else 0 end) as integer) as expected,"
        " cast(sum(case when received then 1 else 0 end) as integer) as received,"
        " cast(coalesce(sum(admitted_total), 0) as integer) as admitted_total,"
        " cast(coalesce(sum(admitted_youth), 0) as integer) as admitted_youth,"
        " cast(coalesce(sum(admitted_union), 0) as integer) as admitted_union,"
        " cast(coalesce(sum(trained), 0) as integer) as trained,"
        " cast(coalesce(sum(sympathizers), 0) as integer) as sympathizers"
        " from v_unit_month group by current_unit_code, month_start",
    )
    held = query_frame(
        conn,
        "select c.current_unit_code as unit_code, t.year, t.target_total, t.target_youth, t.target_union,"
        " t.valid_from, t.valid_to from fact_target_held as t"
        " join (select distinct unit_code, current_unit_code from dim_unit) as c on c.unit_code = t.unit_code",
    )
    plans = query_frame(conn, "select year_from, year_to, yearly_target, min_youth_share_pct from dim_plan")
    return monthly, targets_at_month_ends(held), plans


def targets_at_month_ends(held: pd.DataFrame) -> pd.DataFrame:
    """TARGET_COLUMNS from fact_target_held rows (already mapped to today's units)."""
    if held.empty:
        return pd.DataFrame(columns=TARGET_COLUMNS)
    grid = held.merge(pd.DataFrame({"month": range(1, 13)}), how="cross")
    end = pd.to_datetime(dict(year=grid["year"], month=grid["month"], day=1)) + pd.offsets.MonthEnd(0)
    live = grid[(pd.to_datetime(grid["valid_from"]) <= end) & (pd.to_datetime(grid["valid_to"]) >= end)]
    return live.groupby(["unit_code", "year", "month"], as_index=False)[
        ["target_total", "target_youth", "target_union"]
    ].sum()


def plan_for(plans: pd.DataFrame, year: int) -> tuple[int, float]:
    row = plans[(plans["year_from"] <= year) & (plans["year_to"] >= year)]
    if row.empty:
        return 0, 70.0
    return int(row.iloc[0]["yearly_target"] or 0), float(row.iloc[0]["min_youth_share_pct"] or 70.0)


def compute(conn: Any, years: list[int] | None = None) -> pd.DataFrame:
    """The outlook of every unit at every month end of ``years`` (every year with data if None)."""
    monthly, targets, plans = read_history(conn)
    if monthly.empty:
        return pd.DataFrame(columns=OUTLOOK_COLUMNS)
    have = sorted(set(pd.to_datetime(monthly["month_start"]).dt.year.astype(int)))
    frames = [project(monthly, targets, y, plan_for(plans, y)[1]) for y in have if years is None or y in years]
    frames = [f for f in frames if not f.empty]
    return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame(columns=OUTLOOK_COLUMNS)


def refresh(conn: Any, dest: Any, changed_months: list[date] | None) -> None:
    """Recompute mart_unit_outlook for the years a run changed (and the years after, which learn from them)."""
    monthly_years = [int(y) for y in conn.exec_driver_sql("select distinct year from dim_period").scalars()]
    if not conn.exec_driver_sql("select count(*) from mart_unit_outlook").scalar_one():
        changed_months = None  # a warehouse from before the mart existed: fill every year once
    if changed_months is None:
        years = monthly_years
    else:
        if not changed_months:
            return
        first = min(m.year for m in changed_months)
        years = [y for y in monthly_years if y >= first]
    frame = compute(conn, years)
    for y in years:
        conn.exec_driver_sql(f"delete from mart_unit_outlook where year = {int(y)}")
    if not frame.empty:
        dest.bulk_insert(conn, "mart_unit_outlook", frame[OUTLOOK_COLUMNS])


def outlook_for(settings: Any, year: int, month: int, unit: str | None = None) -> pd.DataFrame:
    """The outlook at one month end from ``v_unit_outlook`` (one unit's, for a unit clerk, if given)."""
    from pdv.warehouse import destination_for

    dest = destination_for(settings.database_url)
    try:
        query = "select * from v_unit_outlook where year = :y and month = :m"
        params: dict[str, object] = {"y": int(year), "m": int(month)}
        if unit is not None:
            query += " and unit_code = :u"
            params["u"] = unit
        return dest.read_sql(query + " order by stt, unit_code", **params)
    finally:
        dest.dispose()


def backtest_year(conn: Any, year: int) -> pd.DataFrame:
    """Replay ``year`` from the warehouse's history (computed afresh, not read from the mart)."""
    return backtest(compute(conn, [year]))
