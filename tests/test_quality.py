"""Warehouse quality gate: a consistent warehouse passes; each expectation family catches its defect."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from pdv.check_worker import check_remote
from pdv.findings import Finding, rules, to_frame
from pdv.quality import check_warehouse

PLAN = (2025, 2026)
Frames = dict[str, pd.DataFrame]
Checker = Callable[[Path, Frames], list[Finding]]


def consistent() -> Frames:
    """Two units, two unit-months, three admissions, their targets; superseded copies included."""
    counts = {"recognized_full": [0, 1, 0], "trained": [3, 0, 3], "sympathizers": [10, 4, 10]}
    return {
        "dim_unit": pd.DataFrame(
            {
                "unit_key": [1, 2],
                "unit_code": ["DB01", "CB02"],
                "unit_type": ["Đảng bộ", "Chi bộ"],
                "unit_name": ["Đảng bộ Cục Thuế", "Chi bộ Văn phòng"],
                "name_key": ["dang bo cuc thue", "chi bo van phong"],
                "valid_from": [date(2025, 1, 1)] * 2,
                "valid_to": [None, None],
                "is_current": [True, True],
            }
        ),
        "fact_unit_month": pd.DataFrame(
            {
                "file_id": [10, 11, 9],
                "sheet": ["TongHop"] * 3,
                "source_row": [5, 5, 5],
                "unit_key": [1, 2, 1],
                "period_month": [date(2025, 1, 1), date(2025, 2, 1), date(2025, 1, 1)],
                "admitted_total": [2, 1, 1],
                "admitted_youth": [1, 1, 1],
                "admitted_union": [1, 0, 0],
                **counts,
                "reported_on": [date(2025, 2, 3), None, date(2025, 2, 1)],
                "is_on_time": [True, False, True],
                "is_current": [True, True, False],  # the last row is a superseded submission
            }
        ),
        "fact_admission": pd.DataFrame(
            {
                "file_id": [10, 10, 11, 9],
                "sheet": ["DanhSach"] * 4,
                "source_row": [3, 4, 3, 3],
                "unit_key": [1, 1, 2, 1],
                "period_month": [date(2025, 1, 1), date(2025, 1, 1), date(2025, 2, 1), date(2025, 1, 1)],
                "person_key": ["a1", "b2", "c3", "a1"],
                "age_at_admission": [24, 31, 18, 24],
                "gender": ["Nữ", "Nam", "Nam", "Nữ"],
                "ethnicity": ["Kinh", "Tày", "Kinh", "Kinh"],
                "is_ethnic_minority": [False, True, False, False],
                "has_religion": [False, False, True, False],
                "source": ["youth", "union", "youth", "youth"],
                "admitted_on": [date(2025, 1, 15), date(2025, 1, 20), date(2025, 2, 3), date(2025, 1, 15)],
                "decision_no": ["12-QĐ/ĐU", "13-QĐ/ĐU", None, "12-QĐ/ĐU"],
                "is_current": [True, True, True, False],  # the last row belongs to a superseded roster
            }
        ),
        "fact_target": pd.DataFrame(
            {
                "file_id": [1] * 6,
                "plan_key": [1] * 6,
                "unit_key": [1, 1, 1, 2, 2, 2],
                "year": [2025] * 6,
                "source": ["total", "youth", "union"] * 2,
                "target": [4, 2, 2, 1, 1, 0],
                "annex_stt": [1, 1, 1, 2, 2, 2],
                "source_row": [20, 20, 20, 21, 21, 21],
                "is_current": [True] * 6,
            }
        ),
        "unit_month_check": pd.DataFrame(
            {
                "unit_key": [1, 2],
                "period_month": [date(2025, 1, 1), date(2025, 2, 1)],
                "admitted_total": [2, 1],
                "admitted_youth": [1, 1],
                "roster_total": [2, 1],
                "roster_youth": [1, 1],
            }
        ),
    }


def check_here(tmp_path: Path, frames: Frames) -> list[Finding]:
    findings = check_warehouse(frames, PLAN, tmp_path / "docs")
    to_frame(findings)  # every rule is in the catalogue and its messages format
    return findings


@pytest.fixture(params=["in-process", "worker"])
def check(request: pytest.FixtureRequest, monkeypatch: pytest.MonkeyPatch) -> Checker:
    """The suite run in this process, and through the warm check worker (the same findings either way)."""
    if request.param == "in-process":
        return check_here
    monkeypatch.setenv("PREFECT_HOME", str(request.getfixturevalue("check_worker_home")))

    def through_worker(tmp_path: Path, frames: Frames) -> list[Finding]:
        findings = check_remote(frames, PLAN, tmp_path / "docs", "full", None)
        assert findings is not None, "the check worker did not answer"
        to_frame(findings)
        return findings

    return through_worker


def where(findings: list[Finding]) -> list[tuple[str, str | None, str | None]]:
    return [(f.rule, f.sheet, f.column) for f in findings]


def test_consistent_warehouse_passes_and_writes_data_docs(tmp_path: Path, check: Checker) -> None:
    assert check(tmp_path, consistent()) == []
    index = tmp_path / "docs" / "index.html"
    assert index.is_file()
    html = index.read_text(encoding="utf-8")
    assert all(table in html for table in consistent())


def test_dates_as_timestamps_pass_too(tmp_path: Path, check: Checker) -> None:
    """DuckDB hands dates back as timestamps, PostgreSQL as datetime.date: both must work."""
    frames = consistent()
    for table, columns in {
        "fact_unit_month": ["period_month"],
        "fact_admission": ["period_month", "admitted_on"],
    }.items():
        frames[table] = frames[table].assign(**{c: pd.to_datetime(frames[table][c]) for c in columns})
    assert check(tmp_path, frames) == []


def test_empty_warehouse_passes(tmp_path: Path, check: Checker) -> None:
    frames = {table: pd.DataFrame() for table in consistent()}
    assert check(tmp_path, frames) == []
    assert (tmp_path / "docs" / "index.html").is_file()


def edit(table: str, row: int, **values: Any) -> Callable[[Frames], None]:
    def apply(frames: Frames) -> None:
        for column, value in values.items():
            frames[table].loc[row, column] = value

    return apply


def append(table: str, row: int, **values: Any) -> Callable[[Frames], None]:
    """Append a copy of ``row`` with some values changed."""

    def apply(frames: Frames) -> None:
        frame = frames[table]
        copy = frame.iloc[[row]].assign(**values)
        frames[table] = pd.concat([frame, copy], ignore_index=True)

    return apply


DEFECTS = {
    # keys present
    "unit key missing": (append("dim_unit", 1, unit_key=None), "warehouse.key_missing", "dim_unit", "unit_key"),
    "person key missing": (
        edit("fact_admission", 2, person_key=None),
        "warehouse.key_missing",
        "fact_admission",
        "person_key",
    ),
    # keys unique
    "unit key duplicated": (
        append("dim_unit", 0, unit_code="DB99"),
        "warehouse.key_duplicate",
        "dim_unit",
        "unit_key",
    ),
    "unit-month reported twice": (
        edit("fact_unit_month", 2, is_current=True),
        "warehouse.key_duplicate",
        "fact_unit_month",
        "unit_key, period_month",
    ),
    "person admitted twice": (
        edit("fact_admission", 3, is_current=True),
        "warehouse.key_duplicate",
        "fact_admission",
        "person_key",
    ),
    "target stated twice": (
        append("fact_target", 0, file_id=2),
        "warehouse.key_duplicate",
        "fact_target",
        "plan_key, unit_key, year, source",
    ),
    # references resolve
    "summary of an unknown unit": (
        edit("fact_unit_month", 1, unit_key=99),
        "warehouse.unit_unknown",
        "fact_unit_month",
        "unit_key",
    ),
    "admission in an unknown unit": (
        edit("fact_admission", 2, unit_key=99),
        "warehouse.unit_unknown",
        "fact_admission",
        "unit_key",
    ),
    "target for an unknown unit": (
        edit("fact_target", 5, unit_key=99),
        "warehouse.unit_unknown",
        "fact_target",
        "unit_key",
    ),
    # counts non-negative, ages plausible
    "negative count": (
        edit("fact_unit_month", 1, sympathizers=-3),
        "warehouse.count_negative",
        "fact_unit_month",
        "sympathizers",
    ),
    "negative target": (edit("fact_target", 2, target=-1), "warehouse.count_negative", "fact_target", "target"),
    "admitted under 18": (
        edit("fact_admission", 2, age_at_admission=17),
        "warehouse.age_out_of_range",
        "fact_admission",
        "age_at_admission",
    ),
    "admitted over 120": (
        edit("fact_admission", 0, age_at_admission=121),
        "warehouse.age_out_of_range",
        "fact_admission",
        "age_at_admission",
    ),
    "source not allowed": (
        edit("fact_admission", 1, source="party"),
        "warehouse.value_not_allowed",
        "fact_admission",
        "source",
    ),
    # dates inside the plan
    "month before the plan": (
        edit("fact_unit_month", 1, period_month=date(2024, 12, 1)),
        "warehouse.date_outside_plan",
        "fact_unit_month",
        "period_month",
    ),
    "admission after the plan": (
        edit("fact_admission", 2, admitted_on=date(2027, 1, 2)),
        "warehouse.date_outside_plan",
        "fact_admission",
        "admitted_on",
    ),
    # summary and admission facts agree
    "summary total differs from roster": (
        edit("unit_month_check", 0, roster_total=3),
        "warehouse.summary_roster_mismatch",
        "unit_month_check",
        "admitted_total",
    ),
    "summary youth differs from roster": (
        edit("unit_month_check", 1, roster_youth=0),
        "warehouse.summary_roster_mismatch",
        "unit_month_check",
        "admitted_youth",
    ),
    # a column GX cannot evaluate is reported, not skipped
    "column missing": (
        lambda frames: frames.update(fact_unit_month=frames["fact_unit_month"].drop(columns="trained")),
        "warehouse.check_error",
        "fact_unit_month",
        "trained",
    ),
}


@pytest.mark.parametrize(("defect", "rule", "table", "column"), DEFECTS.values(), ids=DEFECTS.keys())
def test_defect_is_found(
    tmp_path: Path, check: Checker, defect: Callable[[Frames], None], rule: str, table: str, column: str
) -> None:
    frames = consistent()
    defect(frames)
    assert where(check(tmp_path, frames)) == [(rule, table, column)]


def test_finding_quotes_sample_values(tmp_path: Path, check: Checker) -> None:
    frames = consistent()
    edit("fact_unit_month", 2, is_current=True)(frames)
    edit("unit_month_check", 0, roster_total=3)(frames)
    found = {f.rule: f for f in check(tmp_path, frames)}
    assert found["warehouse.key_duplicate"].value == "1/2025-01-01 ×2"
    mismatch = to_frame([found["warehouse.summary_roster_mismatch"]]).iloc[0]
    assert mismatch["value"] == "2/3"
    assert "roster_total" in mismatch["message_vi"] and "2/3" in mismatch["message_en"]


def test_gx_failure_becomes_one_finding(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    import great_expectations as gx

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError("context unavailable")

    monkeypatch.setattr(gx, "get_context", broken)
    findings = check_here(tmp_path, consistent())
    assert where(findings) == [("warehouse.check_failed", None, None)]
    assert "context unavailable" in str(to_frame(findings).loc[0, "message_en"])


def test_every_warehouse_rule_has_both_messages() -> None:
    catalogue = {rule: spec for rule, spec in rules().items() if rule.startswith("warehouse.")}
    assert "warehouse.check_failed" in catalogue
    for spec in catalogue.values():
        assert spec.severity == "error" and spec.message_vi and spec.message_en
