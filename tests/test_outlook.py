"""The early-warning projection on frames built to a known pattern, and the backtest's arithmetic."""

from __future__ import annotations

from datetime import date

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdv import outlook as o

TARGETS = {"PACE": (12, 9, 3), "DRY": (12, 9, 3), "QUIET": (6, 4, 2), "NONE": (4, 3, 1), "ZERO": (0, 0, 0)}


def month_rows(unit: str, year: int, months: range | list[int], **counts: int | list[int]) -> list[dict[str, object]]:
    rows = []
    for i, m in enumerate(months):
        row: dict[str, object] = {"unit_code": unit, "month_start": date(year, m, 1), "expected": 1, "received": 1}
        for col in ("admitted_total", "admitted_youth", "trained", "sympathizers"):
            v = counts.get(col, 0)
            row[col] = v[i] if isinstance(v, list) else v
        row["admitted_union"] = int(row["admitted_total"]) - int(row["admitted_youth"])  # type: ignore[call-overload]
        rows.append(row)
    return rows


def missing(unit: str, year: int, months: range | list[int]) -> list[dict[str, object]]:
    return [
        {"unit_code": unit, "month_start": date(year, m, 1), "expected": 1, "received": 0}
        | dict.fromkeys(["admitted_total", "admitted_youth", "admitted_union", "trained", "sympathizers"], 0)
        for m in months
    ]


def targets() -> pd.DataFrame:
    """2025 as TARGETS says; in 2024 every unit but ZERO had 12."""
    last_year = {u: (12, 9, 3) if t[0] else t for u, t in TARGETS.items()}
    return pd.DataFrame(
        [
            {"unit_code": u, "year": y, "month": m, "target_total": t, "target_youth": yo, "target_union": un}
            for y, table in ((2024, last_year), (2025, TARGETS))
            for u, (t, yo, un) in table.items()
            for m in range(1, 13)
        ]
    )


def history() -> pd.DataFrame:
    rows: list[dict[str, object]] = []
    for unit in TARGETS:  # 2024: every unit with a target admits one a month and trains as many
        per = 1 if TARGETS[unit][0] else 0
        rows += month_rows(unit, 2024, range(1, 13), admitted_total=per, admitted_youth=0, trained=per, sympathizers=5)
    # 2025, to June. On pace: one a month, two trained every month, a pool of sympathisers.
    rows += month_rows("PACE", 2025, range(1, 7), admitted_total=1, admitted_youth=1, trained=2, sympathizers=6)
    # Everyone trained is admitted by March, nobody trained since, no sympathisers left.
    rows += month_rows(
        "DRY", 2025, range(1, 7), admitted_total=[1, 1, 1, 0, 0, 0], admitted_youth=0, trained=0, sympathizers=0
    )
    # At pace until April, then silent for two months.
    rows += month_rows("QUIET", 2025, range(1, 5), admitted_total=1, admitted_youth=1, trained=2, sympathizers=3)
    rows += missing("QUIET", 2025, [5, 6])
    rows += missing("NONE", 2025, range(1, 7))
    rows += month_rows("ZERO", 2025, range(1, 7))
    return pd.DataFrame(rows)


@pytest.fixture(scope="module")
def june() -> pd.DataFrame:
    frame = o.project(history(), targets(), 2025)
    return frame[frame["month"] == 6].set_index("unit_code")


def test_a_unit_on_pace_is_on_track(june: pd.DataFrame) -> None:
    r = june.loc["PACE"]
    assert r["status"] == o.ON_TRACK and r["status_vi"] == "đạt"
    assert r["reason_vi"] == o.REASON_PACE_OK
    assert r["admitted_total"] == 6 and r["needed_per_month"] == 1.0
    assert r["projected_low"] <= r["projected_total"] <= r["projected_high"]
    assert r["projected_total"] >= 12
    assert r["projected_youth"] + r["projected_union"] == pytest.approx(r["projected_total"])


def test_a_unit_without_trained_candidates_is_unlikely(june: pd.DataFrame) -> None:
    r = june.loc["DRY"]
    assert r["trained_waiting"] == 0
    assert r["status"] == o.UNLIKELY and r["status_vi"] == "khó đạt"
    assert r["reason_vi"] == "không còn quần chúng đã học lớp bồi dưỡng"
    # Nothing in the pipeline: the year ends where it stands.
    assert r["projected_total"] == r["projected_high"] == 3
    assert r["needed_per_month"] == 1.5


def test_a_unit_two_months_silent_is_at_risk_and_its_missing_months_are_not_zero(june: pd.DataFrame) -> None:
    r = june.loc["QUIET"]
    assert r["months_silent"] == 2 and r["months_missing"] == 2 and r["months_reported"] == 4
    assert r["status"] == o.AT_RISK
    assert r["reason_vi"] == "chưa nộp báo cáo 2 tháng"
    # The silent months are estimated like the months to come (as zeros the projection would be about 7.4).
    assert r["admitted_total"] == 4 and r["projected_total"] > 8


def test_a_unit_that_reported_nothing_is_unknown(june: pd.DataFrame) -> None:
    r = june.loc["NONE"]
    assert r["status"] == o.UNKNOWN and r["status_vi"] == "chưa rõ"
    assert pd.isna(r["projected_total"]) and pd.isna(r["projected_high"])
    assert r["reason_vi"] == "chưa nộp báo cáo 6 tháng"


def test_a_unit_without_target_is_on_track(june: pd.DataFrame) -> None:
    r = june.loc["ZERO"]
    assert r["status"] == o.ON_TRACK and r["reason_vi"] == o.REASON_NO_TARGET and r["needed_per_month"] == 0


def test_later_months_do_not_change_earlier_projections() -> None:
    base = history()
    later = pd.DataFrame(
        month_rows("PACE", 2025, range(7, 10), admitted_total=5, admitted_youth=5, trained=9, sympathizers=1)
        + month_rows("QUIET", 2025, range(7, 10), admitted_total=3, admitted_youth=0, trained=0, sympathizers=0)
    )
    before = o.project(base, targets(), 2025)
    after = o.project(pd.concat([base, later], ignore_index=True), targets(), 2025)
    keys = ["unit_code", "month"]
    pd.testing.assert_frame_equal(
        before.sort_values(keys).reset_index(drop=True),
        after[after["month"] <= 6].sort_values(keys).reset_index(drop=True),
    )
    assert len(after) > len(before)


def test_seasonality_and_expectation_come_from_the_year_before() -> None:
    ctx = o.year_context(history(), targets(), 2025)
    assert ctx.season.sum() == pytest.approx(1.0)
    assert ctx.achievement == pytest.approx(1.0)  # every unit reached its 2024 target
    first = o.year_context(history(), targets(), 2024)
    np.testing.assert_allclose(first.season, np.full(12, 1 / 12))


def test_pipeline_stock_never_goes_below_zero() -> None:
    frame = pd.DataFrame(
        month_rows("U", 2024, range(1, 7), admitted_total=[2, 0, 0, 1, 0, 0], trained=[0, 3, 0, 0, 0, 1])
    )
    state = o._pipeline_state(frame)
    assert state["trained_waiting"].tolist() == [0, 3, 3, 2, 2, 3]


def test_the_bloc_adds_up_its_units(june: pd.DataFrame) -> None:
    units = june.reset_index()
    bloc = o.bloc_outlook(units, yearly_target=40, min_youth_share_pct=70.0).iloc[0]
    known = units["projected_total"].fillna(units["admitted_total"])
    assert bloc["projected_total"] == pytest.approx(known.sum())
    assert bloc["projected_low"] <= bloc["projected_total"] <= bloc["projected_high"]
    assert bloc["unknown"] == 1 and bloc["units"] == len(units)


def test_backtest_arithmetic_on_a_small_frame() -> None:
    frame = pd.DataFrame(
        {
            "year": 2024,
            "month": [6, 6, 6, 12, 12, 12],
            "unit_code": ["A", "B", "C", "A", "B", "C"],
            "target_total": [10, 10, 0, 10, 10, 0],
            "admitted_total": [5, 2, 0, 10, 6, 1],
            "projected_total": [9.0, 5.0, 1.0, 10.0, 6.0, 1.0],
            "projected_low": [7.0, 3.0, 0.0, 10.0, 6.0, 1.0],
            "projected_high": [11.0, 5.0, 2.0, 10.0, 6.0, 1.0],
            "naive_total": [10.0, 4.0, 0.0, 10.0, 6.0, 1.0],
            "status": [o.AT_RISK, o.UNLIKELY, o.ON_TRACK, o.ON_TRACK, o.UNLIKELY, o.ON_TRACK],
        }
    )
    r = o.backtest(frame).set_index("month").loc[6]
    assert r["units"] == 3
    assert r["mae"] == pytest.approx((1 + 1 + 0) / 3, abs=1e-4)  # |9-10|, |5-6|, |1-1|
    assert r["naive_mae"] == pytest.approx((0 + 2 + 1) / 3, abs=1e-4)  # |10-10|, |4-6|, |0-1|
    assert r["coverage"] == pytest.approx(2 / 3, abs=1e-4)  # A: 7..11 holds 10; B: 3..5 misses 6; C: 0..2 holds 1
    # Status on the units with a target: A at risk but reached (miss), B unlikely and missed (hit).
    assert r["status_hit"] == pytest.approx(0.5)
    # Naive: A 10 >= 10 and reached (hit), B 4 < 10 and missed (hit).
    assert r["naive_status_hit"] == pytest.approx(1.0)
    # Naive range, Poisson(10th-90th) of the remaining months: A 5 + [2, 8] holds 10; B 2 + [0, 4] holds 6;
    # C has nothing remaining, its range is the 0 admitted so far, which misses 1.
    assert r["naive_coverage"] == pytest.approx(2 / 3, abs=1e-4)


@settings(deadline=None)  # the first example imports scipy.stats
@given(
    q=st.floats(0.001, 0.999),
    # Valid parameters as the projection makes them (p >= 1e-4: for p near 0 scipy's own root search does not
    # return), and invalid ones on either side.
    n=st.lists(st.one_of(st.floats(1e-3, 1e4), st.floats(-2, 0), st.just(np.nan)), min_size=1, max_size=20),
    p=st.lists(
        st.one_of(st.floats(1e-4, 1.0), st.floats(-0.5, 0), st.floats(1.0, 1.5), st.just(np.nan)),
        min_size=1,
        max_size=20,
    ),
)
def test_nbinom_ppf_is_scipy_stats_nbinom_ppf(q: float, n: list[float], p: list[float]) -> None:
    """The projection's quantile without importing scipy.stats: the same numbers, NaN where scipy gives NaN."""
    from scipy import stats

    size = min(len(n), len(p))
    ns, ps = np.array(n[:size]), np.array(p[:size])
    expected = stats.nbinom.ppf(q, ns, ps)
    np.testing.assert_array_equal(o.nbinom_ppf(q, ns, ps), expected)


def test_nbinom_ppf_refuses_the_ends() -> None:
    with pytest.raises(ValueError, match="inside"):
        o.nbinom_ppf(1.0, np.array([1.0]), np.array([0.5]))
