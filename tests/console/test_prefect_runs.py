"""Console runs with a Prefect server configured: a flow run of the daily deployment, followed to its end."""

from __future__ import annotations

import subprocess
import time
from datetime import date
from pathlib import Path

import httpx
import pytest

from pdv.console.runner import DEPLOYMENT, RunWorker, run_env
from pdv.console.store import Store
from pdv.settings import Settings
from tests.conftest import BIN
from tests.console.conftest import wait_for
from tests.console.workbooks import report

ROOT = Path(__file__).resolve().parents[2]


def test_a_console_run_is_a_flow_run_of_the_daily_deployment(
    loaded_console: Settings,
    prefect_server: tuple[str, dict[str, str]],
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    api, prefect_env = prefect_server
    settings = loaded_console
    report(settings.raw_dir / "reports" / "2024" / "04" / "SYT_2024-04.xlsx", "SYT", "2024-04", date(2024, 5, 3))
    env = {k: v for k, v in run_env(settings).items() if not k.startswith("PREFECT_")} | prefect_env
    # `pdv serve` is the small office's runner: it registers the deployments and executes their runs.
    log = (tmp_path / "serve.log").open("w")
    serving = subprocess.Popen([str(BIN / "pdv"), "serve"], env=env, cwd=ROOT, stdout=log, stderr=subprocess.STDOUT)
    worker = None
    try:
        deadline = time.monotonic() + 180
        while httpx.get(f"{api}/deployments/name/{DEPLOYMENT}", timeout=5).status_code != 200:
            assert serving.poll() is None, (tmp_path / "serve.log").read_text()
            assert time.monotonic() < deadline, "the deployments were not registered"
            time.sleep(1)
        # The worker thread reads Prefect's settings from the environment (threads start without the
        # test harness's settings context).
        monkeypatch.setenv("PREFECT_API_URL", api)
        store = Store(tmp_path / "console.sqlite")
        refreshed: list[bool] = []
        worker = RunWorker(settings, store, lambda: refreshed.append(True), mode="prefect")
        run_id = worker.request("ban")
        wait_for(lambda: store.runs()[0]["status"] not in ("queued", "running"), seconds=300, step=1)
        run = store.runs()[0]
        assert run["id"] == run_id and run["mode"] == "prefect"
        assert run["status"] == "succeeded", ((tmp_path / "serve.log").read_text()[-3000:], run)
        assert refreshed == [True]
        flow_run = httpx.get(f"{api}/flow_runs/{run['flow_run_id']}", timeout=5).json()
        assert flow_run["state"]["type"] == "COMPLETED" and flow_run["deployment_id"] is not None
    finally:
        if worker is not None:
            worker.stop()
        serving.terminate()
        serving.wait(30)
        log.close()
    from pdv.warehouse import destination_for

    dest = destination_for(settings.database_url)
    try:
        months = dest.read_sql(
            "select cast(f.period_month as varchar) as m from fact_unit_month f join dim_unit u on u.unit_key = f.unit_key"
            " where f.is_current and u.unit_code = 'SYT'"
        )
    finally:
        dest.dispose()
    assert any(m.startswith("2024-04") for m in months["m"])  # the new report went in through the deployment
