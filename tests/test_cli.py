"""The pdv command line, end to end on a temporary warehouse."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdv.cli import app
from pdv.settings import Settings
from tests.helpers import edit_plan

runner = CliRunner(env={"COLUMNS": "300"})
CONTRACT = {
    "severity",
    "rule",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "unit",
    "period",
    "message_vi",
    "message_en",
    "status",
}


def test_validate_reports_without_loading(raw_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDV_WAREHOUSE_DIR", str(tmp_path / "wh"))
    result = runner.invoke(app, ["validate", str(raw_dir / "plan"), "--raw", str(raw_dir), "--format", "json"])
    assert result.exit_code == 1, result.output
    found = json.loads(result.stdout)
    assert len(found) == 6 and set(found[0]) >= CONTRACT
    assert {f["file"] for f in found} == {"plan/000_cf347291d3b5098b.txt"}
    assert not (tmp_path / "wh").exists()


def test_validate_exits_zero_when_only_warnings(raw_dir: Path) -> None:
    edit_plan(raw_dir, "mỗi năm kết nạp 240", "mỗi năm kết nạp 232")
    edit_plan(raw_dir, "từ 70% trở lên", "từ 65% trở lên")
    edit_plan(raw_dir, "Nông lâm Trung bộ\t8\t10\t0", "Nông lâm Trung bộ\t10\t10\t0")
    result = runner.invoke(app, ["validate", str(raw_dir / "plan"), "--raw", str(raw_dir), "--format", "json"])
    found = json.loads(result.stdout)
    assert {f["severity"] for f in found} == {"warning"}, found
    assert result.exit_code == 0


@pytest.mark.usefixtures("prefect_harness")
def test_run_then_issues_json(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDV_WAREHOUSE_DIR", str(settings.warehouse_dir))  # outputs beside the test's warehouse
    args = ["--warehouse", settings.database_url]
    result = runner.invoke(app, ["run", "--raw", str(settings.raw_dir), *args])
    assert result.exit_code == 0, result.output
    issues = json.loads(runner.invoke(app, ["issues", "--format", "json", *args]).stdout)
    assert len(issues) == 6 and all(set(i) >= CONTRACT for i in issues)
    plan_level = [i for i in issues if i["rule"].startswith("plan.")]
    assert plan_level and all(i["row"] is None for i in plan_level)
    arithmetic = next(i for i in issues if i["rule"] == "annex.row_arithmetic")
    assert isinstance(arithmetic["row"], int) and arithmetic["status"] == "open"
    errors = json.loads(runner.invoke(app, ["issues", "--format", "json", "--severity", "error", *args]).stdout)
    assert {i["severity"] for i in errors} == {"error"} and len(errors) == 3
    edit_plan(settings.raw_dir, "Nông lâm Trung bộ\t8\t10\t0", "Nông lâm Trung bộ\t10\t10\t0")
    rerun = runner.invoke(app, ["run", "--raw", str(settings.raw_dir), *args])
    assert rerun.exit_code == 0, rerun.output
    open_now = json.loads(runner.invoke(app, ["issues", "--format", "json", *args]).stdout)
    every = json.loads(runner.invoke(app, ["issues", "--format", "json", "--all", *args]).stdout)
    assert len(open_now) == 4 and len(every) == 6  # row arithmetic and the column sums both fixed
    table = runner.invoke(app, ["issues", "--all", *args])
    assert table.exit_code == 0 and "annex.row_arithmetic" in table.stdout


def test_check_asks_for_full() -> None:
    """A run checks what it changed; `pdv check` exists for the whole warehouse and says so."""
    result = runner.invoke(app, ["check"])
    assert result.exit_code == 2 and "pdv check --full" in result.output and "Traceback" not in result.output
