"""A real Prefect server on 127.0.0.1: deployments, schedules, a worker running the daily flow."""

from __future__ import annotations

import subprocess
import sys
import time
from datetime import date
from pathlib import Path

import httpx

from flows.scheduled import SCHEDULES, TIME_ZONE, last_ended_period, runner_deployments

BIN = Path(sys.executable).parent


def test_last_ended_period() -> None:
    assert last_ended_period("quarter", date(2024, 4, 6)) == "2024-Q1"
    assert last_ended_period("half", date(2024, 7, 6)) == "2024-H1"
    assert last_ended_period("half", date(2025, 1, 6)) == "2024-H2"
    assert last_ended_period("year", date(2025, 1, 6)) == "2024"
    assert last_ended_period("quarter", date(2025, 1, 6)) == "2024-Q4"


def test_serve_deployments_carry_the_schedules() -> None:
    deployments = runner_deployments(warehouse_url="duckdb:////tmp/x.duckdb")
    crons = {d.name: (d.schedules[0].schedule.cron, d.schedules[0].schedule.timezone) for d in deployments}
    assert crons == {name: (cron, TIME_ZONE) for name, _, cron, _ in SCHEDULES}


def test_deploy_schedule_and_run_on_a_worker(
    prefect_server: tuple[str, dict[str, str]], raw_dir: Path, tmp_path: Path
) -> None:
    api, env = prefect_server
    warehouse = f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    env = env | {"PDV_WAREHOUSE_DIR": str(tmp_path / "wh")}
    deployed = subprocess.run(
        [str(BIN / "pdv"), "deploy", "--raw", str(raw_dir), "--warehouse", warehouse],
        env=env,
        capture_output=True,
        text=True,
        timeout=300,
    )
    assert deployed.returncode == 0, deployed.stdout + deployed.stderr
    deployments = httpx.post(f"{api}/deployments/filter", json={}, timeout=30).json()
    by_name = {d["name"]: d for d in deployments}
    assert set(by_name) == {name for name, *_ in SCHEDULES}
    for name, _, cron, params in SCHEDULES:
        [schedule] = by_name[name]["schedules"]
        assert (schedule["schedule"]["cron"], schedule["schedule"]["timezone"]) == (cron, TIME_ZONE)
        assert schedule["active"]
        assert by_name[name]["work_pool_name"] == "pdv"
        for key, value in params.items():
            assert by_name[name]["parameters"][key] == value
    daily = by_name["daily-ingest-load"]
    assert daily["parameters"] == {"raw_dir": str(raw_dir), "warehouse_url": warehouse}
    run = _create_flow_run(api, daily["id"], env)
    worker = subprocess.run(
        [str(BIN / "prefect"), "worker", "start", "--pool", "pdv", "--type", "process", "--run-once"],
        env=env,
        capture_output=True,
        text=True,
        timeout=600,
    )
    state = {}
    for _ in range(120):
        state = httpx.get(f"{api}/flow_runs/{run['id']}", timeout=30).json()["state"]
        if state["type"] in ("COMPLETED", "FAILED", "CRASHED", "CANCELLED"):
            break
        time.sleep(2)
    assert state["type"] == "COMPLETED", (state, worker.stdout[-4000:], worker.stderr[-4000:], _server_log(env))
    artifacts = httpx.post(f"{api}/artifacts/filter", json={}, timeout=30).json()
    keys = {a["key"] for a in artifacts}
    assert {"pdv-validation-summary", "pdv-data-docs", "pdv-extract-manifest"} <= keys
    summary = next(a for a in artifacts if a["key"] == "pdv-validation-summary")
    assert "rows_loaded" in str(summary["data"])
    assert (tmp_path / "wh" / "warehouse.duckdb").exists()


def _create_flow_run(api: str, deployment_id: str, env: dict[str, str]) -> dict:
    """A flow run of the deployment, asked again on a 5xx: Prefect's SQLite server answers "database is
    locked" now and then under load (PrefectHQ/prefect#10188, #18934), which is the server's, not ours."""
    for _ in range(5):
        created = httpx.post(f"{api}/deployments/{deployment_id}/create_flow_run", json={}, timeout=30)
        if created.status_code < 500:
            break
        time.sleep(2)
    assert created.status_code == 201, (created.status_code, created.text, _server_log(env))
    return created.json()


def _server_log(env: dict[str, str]) -> str:
    """The end of the test server's log, for a failure's message."""
    log = Path(env["PREFECT_HOME"]) / "server.log"
    return log.read_text(errors="replace")[-4000:] if log.exists() else ""
