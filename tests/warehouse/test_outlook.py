"""The early warning through the real pipeline, on both databases: known patterns and no look-ahead."""

from __future__ import annotations

import csv
from datetime import date
from pathlib import Path

import pandas as pd
import pytest

from pdv import outlook as o
from pdv.settings import Settings
from pdv.synthetic.demo import DemoResult
from pdv.warehouse import Destination
from tests.helpers import run_pipeline

pytestmark = pytest.mark.usefixtures("prefect_harness")

HEADERS = [
    "Mã đơn vị",
    "Kỳ báo cáo",
    "Kết nạp: Tổng số",
    "Kết nạp: Đoàn viên thanh niên",
    "Kết nạp: Đoàn viên công đoàn",
    "Công nhận đảng viên chính thức",
    "Học lớp bồi dưỡng nhận thức về Đảng",
    "Quần chúng cảm tình Đảng (cuối kỳ)",
    "Ngày báo cáo",
]
# 2024 targets of the annex (the test's input; checked below against the warehouse).
TARGETS_2024 = {"CTHUE": 8, "CHQ": 4, "NHNN": 4, "SKHCN": 7, "STTTT": 3}


def write_reports(path: Path, rows: list[tuple[str, int, int, int, int, int]]) -> None:
    """rows: (unit, year, month, admitted (all youth), trained, sympathizers)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        w = csv.writer(fh)
        w.writerow(HEADERS)
        for unit, year, month, admitted, trained, pool in rows:
            due = date(year + month // 12, month % 12 + 1, 3)
            w.writerow([unit, f"{month:02d}/{year}", admitted, admitted, 0, 0, trained, pool, f"{due:%d/%m/%Y}"])


def year_2024() -> list[tuple[str, int, int, int, int, int]]:
    # Each unit admits its target spread evenly over the year, having trained as many.
    rows = []
    for u, t in TARGETS_2024.items():
        for m in range(1, 13):
            n = m * t // 12 - (m - 1) * t // 12
            rows.append((u, 2024, m, n, n, 5))
    return rows


def first_half_2025() -> list[tuple[str, int, int, int, int, int]]:
    rows = [("CTHUE", 2025, m, 1, 2, 8) for m in range(1, 7)]  # on pace for 10
    rows += [("CHQ", 2025, m, int(m <= 2), 0, 0) for m in range(1, 7)]  # nobody trained left after February
    rows += [("NHNN", 2025, m, m % 2, 1, 3) for m in range(1, 5)]  # silent in May and June
    rows += [("STTTT", 2025, m, 3 - m, 0, 2) for m in (1, 2)]  # merged into SKHCN on 01/03/2025
    rows += [("SKHCN", 2025, m, 1, 1, 4) for m in range(1, 7)]
    return rows


def outlook_rows(dest: Destination, year: int) -> pd.DataFrame:
    frame = dest.read_sql("select * from v_unit_outlook where year = :y order by unit_code, month", y=year)
    return frame.reset_index(drop=True)


def test_outlook_of_known_units_and_no_look_ahead(settings: Settings, dest: Destination) -> None:
    reports = settings.raw_dir / "reports"
    write_reports(reports / "2024" / "tonghop-2024.csv", year_2024())
    write_reports(reports / "2025" / "tonghop-2025-h1.csv", first_half_2025())
    run_pipeline(settings)
    held = dest.read_sql("select unit_code, target_total from v_unit_targets where year = 2024")
    assert held.set_index("unit_code")["target_total"].reindex(list(TARGETS_2024)).to_dict() == TARGETS_2024

    june = outlook_rows(dest, 2025)
    june = june[june["month"] == 6].set_index("unit_code")
    pace, dry, quiet, merged = (june.loc[u] for u in ("CTHUE", "CHQ", "NHNN", "SKHCN"))
    assert (pace["status"], pace["reason_vi"]) == (o.ON_TRACK, o.REASON_PACE_OK)
    assert pace["target_total"] == 10 and pace["admitted_total"] == 6
    assert pace["projected_low"] <= pace["projected_total"] <= pace["projected_high"]
    assert (dry["status"], dry["reason_vi"]) == (o.UNLIKELY, "không còn quần chúng đã học lớp bồi dưỡng")
    assert dry["trained_waiting"] == 0 and dry["projected_high"] == 2
    assert (quiet["status"], quiet["reason_vi"]) == (o.AT_RISK, "chưa nộp báo cáo 2 tháng")
    assert quiet["months_silent"] == 2 and quiet["admitted_total"] == 2
    # The successor carries its predecessor's reports and the target it inherited (5 + 2).
    assert "STTTT" not in june.index
    assert merged["admitted_total"] == 3 + 6 and merged["target_total"] == 7
    assert merged["status"] == o.ON_TRACK
    january = outlook_rows(dest, 2025).set_index(["unit_code", "month"]).loc[("SKHCN", 1)]
    assert january["admitted_total"] == 2 + 1
    # A unit that sent nothing is unknown, not zero.
    silent = june.loc["SYT"]
    assert silent["status"] == o.UNKNOWN and pd.isna(silent["projected_total"])
    assert silent["unit_name"] and silent["status_vi"] == "chưa rõ"
    nulls = dest.read_sql(
        "select count(*) as n, sum(case when projected_total is null then 1 else 0 end) as empty"
        " from v_unit_outlook where status = 'unknown'"
    ).iloc[0]
    assert nulls["n"] > 0 and nulls["empty"] == nulls["n"]  # SQL NULL, not NaN, on both databases

    before = {y: outlook_rows(dest, y) for y in (2024, 2025)}
    later = reports / "2025" / "tonghop-2025-q3.csv"
    write_reports(later, [("CTHUE", 2025, m, 4, 0, 0) for m in (7, 8, 9)] + [("NHNN", 2025, 9, 2, 0, 0)])
    run_pipeline(settings)
    after = outlook_rows(dest, 2025)
    assert sorted(after["month"].unique()) == list(range(1, 10))
    pd.testing.assert_frame_equal(after[after["month"] <= 6].reset_index(drop=True), before[2025])
    pd.testing.assert_frame_equal(outlook_rows(dest, 2024), before[2024])
    september = after[after["month"] == 9].set_index("unit_code")
    assert september.loc["CTHUE", "admitted_total"] == 18

    later.unlink()  # and out again: back to the state of June
    run_pipeline(settings)
    pd.testing.assert_frame_equal(outlook_rows(dest, 2025), before[2025])


def test_outlook_for_a_unit_clerk(settings: Settings, dest: Destination) -> None:
    write_reports(settings.raw_dir / "reports" / "2024" / "tonghop.csv", year_2024())
    run_pipeline(settings)
    one = o.outlook_for(settings, 2024, 12, unit="CTHUE")
    assert one["unit_code"].tolist() == ["CTHUE"]
    assert one.iloc[0]["admitted_total"] == 8 and one.iloc[0]["status"] == o.ON_TRACK
    everyone = o.outlook_for(settings, 2024, 12)
    assert len(everyone) > 5 and set(everyone["unit_code"]) >= set(TARGETS_2024) - {"STTTT"}
    result = o.backtest(dest.read_sql("select * from v_unit_outlook where year = 2024"))
    assert result.set_index("month").loc[12, "mae"] == 0  # December's projection is the year's total


Loaded = tuple[Settings, Destination, DemoResult]


def test_mart_equals_a_fresh_computation_and_backtest_cli(loaded: Loaded) -> None:
    """The mart the loads keep is what the projection gives on the whole history; the CLI reports its backtest."""
    import json

    from typer.testing import CliRunner

    from pdv.cli import app

    settings, dest, _ = loaded
    with dest.engine.connect() as conn:
        fresh = o.compute(conn)
        want = o.backtest(o.compute(conn, [2024]))
    mart = dest.read_sql("select * from mart_unit_outlook")
    keys = ["year", "month", "unit_code"]
    pd.testing.assert_frame_equal(
        mart[o.OUTLOOK_COLUMNS].sort_values(keys).reset_index(drop=True),
        fresh.sort_values(keys).reset_index(drop=True),
        check_dtype=False,
    )
    assert set(fresh["year"]) == {2024}  # the fixture holds the 2024 demo
    result = CliRunner().invoke(
        app, ["backtest", "--year", "2024", "--format", "json", "--warehouse", settings.database_url]
    )
    assert result.exit_code == 0, result.output
    rows = pd.DataFrame(json.loads(result.stdout))
    assert rows["month"].tolist() == list(range(1, 13))
    pd.testing.assert_frame_equal(rows, want, check_dtype=False)
    # The December projection of a unit that reported every month is its reported year.
    full = fresh[(fresh["year"] == 2024) & (fresh["month"] == 12) & (fresh["months_missing"] == 0)]
    assert len(full) and (full["projected_total"] == full["admitted_total"]).all()
    empty = CliRunner().invoke(app, ["backtest", "--year", "2031", "--warehouse", settings.database_url])
    assert empty.exit_code == 2
