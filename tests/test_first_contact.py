"""A newcomer's first commands: quiet exits, clear errors, ``pdv init``, outputs per warehouse, honest counts."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdv.cli import app
from pdv.settings import PROJECT_ROOT, Settings
from pdv.warehouse import destination_for
from tests.conftest import BIN
from tests.helpers import run_pipeline

runner = CliRunner(env={"COLUMNS": "80"})
SAMPLE = PROJECT_ROOT / "tests" / "data" / "reports"


def pdv(*args: str, env: dict[str, str], cwd: Path | None = None) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [str(BIN / "pdv"), *args], env=env, cwd=cwd, capture_output=True, text=True, timeout=600, check=False
    )


def with_reports(raw: Path, *names: str) -> Path:
    for name in names:
        shutil.copy(SAMPLE / name, raw / "reports" / name)
    return raw


def test_run_and_issues_exit_quietly(prefect_server: tuple[str, dict[str, str]], raw_dir: Path, tmp_path: Path) -> None:
    """No leak report or traceback after the output, and one plain line per phase without a terminal."""
    _, env = prefect_server
    env = env | {"PDV_WAREHOUSE_DIR": str(tmp_path / "wh")}
    with_reports(raw_dir, "csv_summary_utf8.csv", "csv_roster_utf8.csv")
    url = f"duckdb:///{tmp_path / 'wh' / 'w.duckdb'}"
    done = pdv("run", "--raw", str(raw_dir), "--warehouse", url, env=env)
    assert done.returncode == 0, done.stderr
    for phase in ("files scanned", "files read and validated", "rows loaded", "extracts written"):
        assert f"pdv: {phase}: " in done.stderr
    listed = pdv("issues", "--warehouse", url, env=env)
    assert listed.returncode == 0, listed.stderr
    for out in (done, listed):
        assert "leaked" not in out.stderr and "Traceback" not in out.stderr, out.stderr[-2000:]


def test_out_of_memory_names_memory_not_an_unreachable_warehouse(
    prefect_server: tuple[str, dict[str, str]], raw_dir: Path, tmp_path: Path
) -> None:
    """DuckDB's memory limit comes from the settings; running out is one sentence, exit 5, nothing written."""
    _, env = prefect_server
    env = env | {"PDV_WAREHOUSE_DIR": str(tmp_path / "wh"), "PDV_DUCKDB_MEMORY_LIMIT": "3MB"}
    with_reports(raw_dir, "csv_summary_utf8.csv", "csv_roster_utf8.csv")
    url = f"duckdb:///{tmp_path / 'wh' / 'w.duckdb'}"
    done = pdv("run", "--raw", str(raw_dir), "--warehouse", url, env=env)
    assert done.returncode == 5, done.stderr
    assert "hết bộ nhớ" in done.stderr and "limit 3MB" in done.stderr
    assert "unreachable" not in done.stderr and "Traceback" not in done.stderr
    assert "Retry 1/" not in done.stderr  # not retried: it would only fail again
    again = pdv("run", "--raw", str(raw_dir), "--warehouse", url, env=env | {"PDV_DUCKDB_MEMORY_LIMIT": "1GB"})
    assert again.returncode == 0 and "nothing_new" not in again.stderr, again.stderr  # the failed run kept nothing


def test_an_unexpected_failure_prints_no_traceback(
    prefect_server: tuple[str, dict[str, str]], raw_dir: Path, tmp_path: Path
) -> None:
    """A task failing for a reason nobody planned for: one line each from Prefect's log, one for the person."""
    _, env = prefect_server
    env = env | {"PDV_WAREHOUSE_DIR": str(tmp_path / "wh")}
    with_reports(raw_dir, "csv_summary_utf8.csv", "csv_roster_utf8.csv")
    url = f"duckdb:///{tmp_path / 'wh' / 'w.duckdb'}"
    outputs = Settings(raw_dir=raw_dir, warehouse_dir=tmp_path / "wh", warehouse_url=url).outputs_dir
    outputs.mkdir(parents=True)
    (outputs / "extracts").write_text("a file where the extracts folder goes")
    done = pdv("run", "--raw", str(raw_dir), "--warehouse", url, env=env)
    assert done.returncode == 1, done.stderr
    assert "Traceback" not in done.stderr and 'File "' not in done.stderr, done.stderr[-3000:]
    assert "unexpected error: NotADirectoryError" in done.stderr


def test_the_local_server_is_started_once_and_records_the_runs(raw_dir: Path, tmp_path: Path) -> None:
    """Without PREFECT_API_URL, the first run starts the local server; the next one reuses it."""
    home = tmp_path / "prefect-home"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {"PREFECT_HOME": str(home), "PDV_WAREHOUSE_DIR": str(tmp_path / "wh"), "PDV_ORCHESTRATOR": "local"}
    url = f"duckdb:///{tmp_path / 'wh' / 'w.duckdb'}"
    try:
        first = pdv("run", "--raw", str(raw_dir), "--warehouse", url, env=env)
        assert first.returncode == 0, first.stderr
        state = json.loads((home / "pdv-server.json").read_text())
        second = pdv("run", "--raw", str(raw_dir), "--warehouse", url, env=env)
        assert second.returncode == 0, second.stderr
        assert json.loads((home / "pdv-server.json").read_text()) == state
        import httpx

        runs = httpx.post(f"http://127.0.0.1:{state['port']}/api/flow_runs/filter", json={}, timeout=10).json()
        assert sum(r["state"]["type"] == "COMPLETED" for r in runs) == 2
        status = pdv("server", "status", env=env)
        assert status.returncode == 0 and str(state["pid"]) in status.stderr
        # Beside the server, the warm check worker: the first run's checkpoint went through it.
        (worker_state,) = home.glob("pdv-check-*.json")
        worker = json.loads(worker_state.read_text())["pid"]
        assert "checked full: 5 tables" in (home / "pdv-check.log").read_text()
    finally:
        stopped = pdv("server", "stop", env=env)
    assert stopped.returncode == 0 and not (home / "pdv-server.json").exists()
    assert f"stopped the check worker (pid {worker})" in stopped.stderr
    assert not list(home.glob("pdv-check-*.json"))
    assert pdv("server", "status", env=env).returncode == 1


def test_a_raw_directory_without_reference_data_says_how_to_make_one(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    (raw / "plan").mkdir(parents=True)
    result = runner.invoke(app, ["run", "--raw", str(raw), "--warehouse", f"duckdb:///{tmp_path / 'w.duckdb'}"])
    assert result.exit_code == 2
    assert "pdv init" in result.output and "units.csv" in result.output
    assert ("Traceback" not in result.output and result.exception is None) or isinstance(result.exception, SystemExit)


def test_an_unwritable_warehouse_path_is_one_sentence(raw_dir: Path, tmp_path: Path) -> None:
    blocker = tmp_path / "file"
    blocker.write_text("not a folder")
    result = runner.invoke(app, ["run", "--raw", str(raw_dir), "--warehouse", f"duckdb:///{blocker / 'w.duckdb'}"])
    assert result.exit_code == 2, result.output
    assert "Không ghi được kho dữ liệu" in result.output and "--warehouse" in result.output


@pytest.mark.postgres
def test_a_wrong_postgres_password_names_the_fix(pg_server_url: str) -> None:
    import sqlalchemy as sa

    url = sa.make_url(pg_server_url).set(password="wrong-password")
    result = runner.invoke(app, ["issues", "--warehouse", url.render_as_string(hide_password=False)])
    assert result.exit_code == 2, result.output
    assert "PDV_WAREHOUSE_URL" in result.output and "wrong-password" not in result.output


def test_the_debug_flag_keeps_the_traceback(tmp_path: Path) -> None:
    raw = tmp_path / "raw"
    raw.mkdir()
    result = runner.invoke(app, ["--debug", "validate", str(raw), "--raw", str(raw)])
    assert result.exit_code != 0 and result.exception is not None and not isinstance(result.exception, SystemExit)


@pytest.mark.usefixtures("prefect_harness")
def test_init_makes_a_raw_directory_that_runs(tmp_path: Path) -> None:
    raw = tmp_path / "board"
    plan = PROJECT_ROOT / "data" / "raw" / "plan" / "000_cf347291d3b5098b.txt"
    result = runner.invoke(app, ["init", str(raw), "--plan", str(plan)])
    assert result.exit_code == 0, result.output
    with (raw / "reference" / "units.csv").open(encoding="utf-8") as fh:
        units = list(csv.DictReader(fh))
    codes = [u["unit_code"] for u in units]
    assert len(units) == 55 and len(set(codes)) == 55 and all(code.isascii() and code for code in codes)
    for name in ("unit_aliases.csv", "committees.csv", "unit_changes.csv"):
        assert (raw / "reference" / name).read_text(encoding="utf-8").count("\n") >= 1
    assert (raw / "reports").is_dir() and (raw / "plan" / plan.name).is_file()
    again = runner.invoke(app, ["init", str(raw), "--plan", str(plan)])
    assert again.exit_code == 2
    settings = Settings(raw_dir=raw, warehouse_dir=tmp_path / "wh", warehouse_url=f"duckdb:///{tmp_path / 'b.duckdb'}")
    run_pipeline(settings)
    dest = destination_for(settings.database_url)
    try:
        targets = dest.read_sql("select count(distinct unit_key) as n from fact_target where is_current")
        unknown = dest.read_sql(
            "select count(*) as n from dq_issue where rule like 'annex.unit_%' and severity = 'error'"
        )
    finally:
        dest.dispose()
    assert int(targets["n"][0]) == 55 and int(unknown["n"][0]) == 0


@pytest.mark.usefixtures("prefect_harness")
def test_a_missing_plan_holds_the_reports_back_with_one_error(settings: Settings) -> None:
    plan = next((settings.raw_dir / "plan").glob("*.txt"))
    kept = settings.raw_dir.parent / "kept-plan.txt"  # outside the raw directory
    plan.rename(kept)
    with_reports(settings.raw_dir, "csv_summary_utf8.csv", "csv_roster_utf8.csv")
    first = run_pipeline(settings)
    assert first.plan_problem is not None and "văn bản kế hoạch" in first.plan_problem[0]
    dest = destination_for(settings.database_url)
    try:
        issues = dest.read_sql("select rule, value, status from dq_issue")
        read = dest.read_sql("select count(*) as n from source_file where path like 'reports/%'")
        assert list(issues["rule"]) == ["plan.reports_held"] and issues["value"][0] == "2"
        assert int(read["n"][0]) == 0
        kept.rename(plan)
        second = run_pipeline(settings)
        assert second.plan_problem is None and second.files_new >= 3
        issues = dest.read_sql("select rule, status from dq_issue")
        assert set(issues.loc[issues["rule"] == "plan.reports_held", "status"]) == {"resolved"}
        assert "summary.period_outside_plan" not in set(issues["rule"])
        read = dest.read_sql("select count(*) as n from source_file where path like 'reports/%'")
        assert int(read["n"][0]) == 2
    finally:
        dest.dispose()


@pytest.mark.usefixtures("prefect_harness")
def test_each_warehouse_keeps_its_own_outputs(raw_dir: Path, tmp_path: Path) -> None:
    with_reports(raw_dir, "csv_summary_utf8.csv", "csv_roster_utf8.csv")
    other = tmp_path / "other"
    shutil.copytree(raw_dir, other)
    (other / "reports" / "csv_summary_utf8.csv").unlink()
    (other / "reports" / "csv_roster_utf8.csv").unlink()
    wh = tmp_path / "wh"
    first = Settings(raw_dir=raw_dir, warehouse_dir=wh)
    second = Settings(raw_dir=other, warehouse_dir=wh, warehouse_url=f"duckdb:///{tmp_path / 'other.duckdb'}")
    assert first.extracts_dir != second.extracts_dir and first.feedback_dir != second.feedback_dir
    run_pipeline(first)
    before = sorted(p.relative_to(first.outputs_dir) for p in first.outputs_dir.rglob("*") if p.is_file())
    assert any(p.parts[0] == "extracts" for p in before)
    run_pipeline(second)
    after = sorted(p.relative_to(first.outputs_dir) for p in first.outputs_dir.rglob("*") if p.is_file())
    assert after == before
    assert second.outputs_dir.is_dir() and second.outputs_dir.parent == wh


def test_issues_read_at_80_columns_and_as_csv_for_excel(monkeypatch: pytest.MonkeyPatch) -> None:
    from pdv import issueview

    rec = {
        "severity": "error",
        "rule": "summary.period_invalid",
        "file": "reports/a.csv",
        "sheet": None,
        "row": 3,
        "column": "Kỳ báo cáo",
        "value": "[/] \x1b[31m x",
        "unit": "SYT",
        "period": None,
        "message_vi": "Kỳ báo cáo không đúng dạng tháng " * 6,
        "status": "open",
    }
    from rich.console import Console

    console = Console(width=80, file=io.StringIO(), highlight=False, markup=False)
    monkeypatch.setattr(issueview, "_console", lambda: console)
    issueview.print_blocks([rec, rec | {"row": 4}, rec | {"file": "reports/b.csv"}])
    out = console.file.getvalue()  # type: ignore[attr-defined]
    lines = out.splitlines()
    assert all(len(line) <= 80 for line in lines)
    assert "reports/a.csv  2 vấn đề" in out and "reports/b.csv  1 vấn đề" in out
    assert "\x1b" not in out and "[/] [31m x" in out  # escape removed, markup shown as text
    text = issueview.as_csv([rec], ["severity", "rule", "value"])
    assert text.startswith("\ufeffseverity,rule,value\r\n")
    assert json.loads(issueview.as_json([rec]))[0]["value"] == rec["value"]


@pytest.fixture(params=["duckdb", "postgresql"])
def big_settings(request: pytest.FixtureRequest, raw_dir: Path, tmp_path: Path) -> Settings:
    url = f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    if request.param == "postgresql":
        url = str(request.getfixturevalue("pg_url"))
    return Settings(raw_dir=raw_dir, warehouse_dir=tmp_path / "wh", warehouse_url=url)


def test_every_counted_issue_is_stored(big_settings: Settings) -> None:
    """At least 200,000 issues in one run: the summary, load_run and dq_issue all hold every one.

    The findings are the reader's own for one real file, multiplied to 200,000 rows: what is checked
    is the load's staging, reconciliation and counting, not the readers (whose per-row cost at this
    size is the national-scale issue's).
    """
    import uuid
    from datetime import datetime

    import pandas as pd

    from pdv.findings import issue_id
    from pdv.history import UnitHistory
    from pdv.ingest import no_persons, read_batch, scan
    from pdv.warehouse.load import RunSummary, load_run

    with_reports(big_settings.raw_dir, "csv_summary_utf8.csv")
    files = scan(big_settings.raw_dir)
    parsed = read_batch([f for f in files if f.kind == "report"], big_settings, no_persons())
    item = parsed[0]
    n = 200_000
    base = item.findings.iloc[[0]] if not item.findings.empty else None
    rows = pd.RangeIndex(2, n + 2)
    findings = pd.DataFrame(
        {
            "issue_id": [issue_id("summary.period_invalid", item.raw.rel, None, r, "Kỳ báo cáo") for r in rows],
            "severity": "error",
            "rule": "summary.period_invalid",
            "file": item.raw.rel,
            "sheet": None,
            "row": pd.array(rows, dtype="Int64"),
            "column": "Kỳ báo cáo",
            "value": "13/2024",
            "unit": "SYT",
            "period": None,
            "message_vi": 'Kỳ báo cáo "13/2024" không đúng dạng tháng (ví dụ 03/2024).',
            "message_en": 'Period "13/2024" is not a month (e.g. 03/2024).',
        }
    )
    item.findings = pd.concat([x for x in (base, findings) if x is not None], ignore_index=True)
    expected = item.findings["issue_id"].nunique()
    dest = destination_for(big_settings.database_url)
    try:
        summary = load_run(
            dest,
            RunSummary(run_id=uuid.uuid4().hex, status="succeeded"),
            datetime.now(),
            str(big_settings.raw_dir),
            files,
            [(item, "key")],
            lambda: UnitHistory.load(big_settings.reference_dir),
        )
        stored = dest.read_sql("select count(*) as n from dq_issue where first_run_id = :run", run=summary.run_id)
        recorded = dest.read_sql("select issues_opened from load_run where run_id = :run", run=summary.run_id)
        of_file = dest.read_sql("select issue_id from dq_issue where file = :f", f=item.raw.rel)
        total = dest.read_sql("select count(*) as n from dq_issue")
    finally:
        dest.dispose()
    assert expected >= n
    assert set(item.findings["issue_id"]) <= set(of_file["issue_id"]), (len(of_file), int(total["n"][0]))
    assert summary.issues_opened == int(recorded["issues_opened"][0]) == int(stored["n"][0]) >= expected
