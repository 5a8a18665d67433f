"""Every annex rule, each on a copy of the real plan with one defect introduced."""

from __future__ import annotations

from pathlib import Path

import pandas as pd
import pytest

from pdv.findings import to_frame
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.plan import read_plan_text
from schemas.annex import validate_annex
from tests.conftest import PLAN_TEXT

REGISTRY = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
ROW_5 = "5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\t4\t2\t2"


def check(tmp_path: Path, old: str | None = None, new: str = "") -> tuple[pd.DataFrame, pd.DataFrame]:
    text = PLAN_TEXT.read_text(encoding="utf-8")
    if old is not None:
        assert old in text
        text = text.replace(old, new, 1)
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    doc = read_plan_text(path, "plan/plan.txt", Settings())
    rows, findings = validate_annex(doc, REGISTRY, "plan/plan.txt", None)
    return rows, to_frame(findings)


def only(findings: pd.DataFrame, rule: str) -> pd.DataFrame:
    hit = findings[findings["rule"] == rule]
    assert not hit.empty, f"{rule} not reported; got {sorted(findings['rule'])}"
    return hit


def line_of(fragment: str) -> int:
    return next(i for i, line in enumerate(PLAN_TEXT.read_text(encoding="utf-8").splitlines(), 1) if fragment in line)


def test_real_annex_findings(tmp_path: Path) -> None:
    rows, findings = check(tmp_path)
    assert len(rows) == 110  # every unit-year loads; the arithmetic slip is flagged, not dropped
    got = {
        (r.rule, r.severity, None if pd.isna(r.period) else r.period, None if pd.isna(r.row) else int(r.row))
        for r in findings.itertuples()
    }
    assert got == {
        ("annex.row_arithmetic", "error", "2024", line_of("Trường Cao đẳng Cơ điện")),
        ("annex.unit_name_differs", "warning", None, line_of("Cơ quan Tinh đoàn")),
        ("plan.annex_total_above_target", "warning", "2024", None),
        ("plan.annex_components_mismatch", "error", "2024", None),
        ("plan.youth_share_below_minimum", "warning", "2024", None),
        ("plan.annex_total_below_target", "error", "2025", None),
    }
    arithmetic = only(findings, "annex.row_arithmetic").iloc[0]
    assert (arithmetic["column"], arithmetic["value"], arithmetic["unit"]) == ("Tổng cộng", "8", "TCDCDXD")
    assert "(10)" in arithmetic["message_vi"]
    share = only(findings, "plan.youth_share_below_minimum").iloc[0]
    assert share["value"] == "67.2" and "70" in share["message_vi"]


@pytest.mark.parametrize(
    ("new", "rule", "column", "value"),
    [
        ("5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\t\t2\t2", "annex.value_missing", "Tổng cộng", None),
        ("5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\tbốn\t2\t2", "annex.value_missing", "Tổng cộng", "bốn"),
        # Hostile inputs: a target the warehouse's integers cannot hold, digits of another script.
        ("5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\t3000000000\t2\t2", "annex.value_missing", "Tổng cộng", None),
        ("5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\t1e309\t2\t2", "annex.value_missing", "Tổng cộng", "1e309"),
        ("5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\t٤\t2\t2", "annex.value_missing", "Tổng cộng", "٤"),
        (
            "5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\t-4\t-2\t-2",
            "annex.value_negative",
            "Tổng cộng",
            "-4",
        ),
        (
            "5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\t4.5\t2.5\t2",
            "annex.value_not_integer",
            "Tổng cộng",
            "4.5",
        ),
        ("5\tĐảng bộ\tCục Hải quan Bình Định\t4\t2\t2\t5\t2\t2", "annex.row_arithmetic", "Tổng cộng", "5"),
        (
            "5\tBan cán sự\tCục Hải quan Bình Định\t4\t2\t2\t4\t2\t2",
            "annex.unit_type",
            "Đơn vị",
            "Ban cán sự",
        ),
        (
            "5\tĐảng bộ\tCục Hải quan Bình Dương\t4\t2\t2\t4\t2\t2",
            "annex.unknown_unit",
            "Đơn vị",
            "Cục Hải quan Bình Dương",
        ),
        ("5\tĐảng bộ\tCục Thuế tỉnh Bình Định\t4\t2\t2\t4\t2\t2", "annex.duplicate", "Đơn vị", None),
    ],
)
def test_row_rules(tmp_path: Path, new: str, rule: str, column: str, value: str | None) -> None:
    rows, findings = check(tmp_path, ROW_5, new)
    hit = only(findings, rule).iloc[0]
    assert hit["row"] == line_of(ROW_5)
    assert hit["column"] == column
    if value is not None:
        assert hit["value"] == value
    assert hit["message_vi"] and hit["message_en"]
    blocking = rule != "annex.row_arithmetic"
    assert (len(rows) < 110) == blocking


def test_unknown_unit_suggests_the_closest(tmp_path: Path) -> None:
    _, findings = check(tmp_path, ROW_5, ROW_5.replace("Hải quan", "Hải quaan"))
    assert "Cục Hải quan Bình Định" in only(findings, "annex.unknown_unit").iloc[0]["message_vi"]


def test_names_match_whatever_the_spelling(tmp_path: Path) -> None:
    spelled = "5\tĐảng bộ\t  CỤC HẢI  QUAN bình định \t4\t2\t2\t4\t2\t2"
    rows, findings = check(tmp_path, ROW_5, spelled)
    assert "annex.unknown_unit" not in set(findings["rule"])
    assert (rows["unit_code"] == "CHQ").sum() == 2


def test_year_outside_plan(tmp_path: Path) -> None:
    _, findings = check(tmp_path, "\t\t\tNăm 2024\t\t\tNăm 2025\t\t", "\t\t\tNăm 2024\t\t\tNăm 2026\t\t")
    assert only(findings, "annex.year_outside_plan").iloc[0]["value"] == "2026"


def test_repeated_header_that_differs_is_flagged(tmp_path: Path) -> None:
    header = "\t\t\tNăm 2024\t\t\tNăm 2025\t\t\n\t\t\tTổng cộng\tĐoàn viên thanh niên\tĐoàn viên công đoàn\tTổng cộng"
    text = PLAN_TEXT.read_text(encoding="utf-8")
    second = text.index(header, text.index(header) + 1)
    path = tmp_path / "plan.txt"
    path.write_text(
        text[:second]
        + header.replace("Năm 2025", "Năm 2024", 1).replace("Năm 2024", "Năm 2025", 1)
        + text[second + len(header) :],
        encoding="utf-8",
    )
    doc = read_plan_text(path, "plan/plan.txt", Settings())
    assert doc.annex is not None
    assert [f.rule for f in doc.annex.findings] == ["annex.header_mismatch"]


def test_plan_totals_agree_when_the_annex_is_balanced(tmp_path: Path) -> None:
    text = PLAN_TEXT.read_text(encoding="utf-8").replace("mỗi năm kết nạp 240", "mỗi năm kết nạp 260")
    text = text.replace("theo 70%", "theo 60%").replace("từ 70% trở lên", "từ 60% trở lên")
    text = text.replace("Nông lâm Trung bộ\t8\t10\t0", "Nông lâm Trung bộ\t8\t8\t0")
    path = tmp_path / "plan.txt"
    path.write_text(text, encoding="utf-8")
    doc = read_plan_text(path, "plan/plan.txt", Settings())
    _, findings = validate_annex(doc, REGISTRY, "plan/plan.txt", None)
    rules = {f.rule for f in findings}
    assert "plan.annex_total_above_target" not in rules
    assert "plan.annex_components_mismatch" not in rules
    assert "plan.youth_share_below_minimum" not in rules
    assert "plan.annex_total_below_target" in rules  # 2025 still adds up to 232 < 260
