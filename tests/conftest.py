"""Shared fixtures: settings on a temporary warehouse, both databases, one Prefect harness."""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

import pdv  # noqa: F401  (offline Prefect/GX environment)
from pdv.settings import PROJECT_ROOT, Settings
from pdv.warehouse import Destination, destination_for
from tests.helpers import pg_database

DATA = Path(__file__).parent / "data"
PLAN_TEXT = PROJECT_ROOT / "data" / "raw" / "plan" / "000_cf347291d3b5098b.txt"


@pytest.fixture(scope="session")
def pg_server_url() -> str:
    """URL of the test PostgreSQL server: PDV_TEST_PG_URL, or one started by .ci/postgres.sh.

    Never skipped: PostgreSQL is part of the suite, so a missing server fails loudly.
    """
    url = os.environ.get("PDV_TEST_PG_URL")
    if not url:
        out = subprocess.run(
            ["bash", str(PROJECT_ROOT / ".ci" / "postgres.sh")], check=True, capture_output=True, text=True
        )
        url = out.stdout.strip().splitlines()[-1]
        os.environ["PDV_TEST_PG_URL"] = url
    return url


@pytest.fixture
def pg_url(pg_server_url: str) -> Iterator[str]:
    """A fresh, empty PostgreSQL database for one test."""
    with pg_database(pg_server_url) as url:
        yield url


@pytest.fixture
def raw_dir(tmp_path: Path) -> Path:
    """A copy of the project's raw inputs (plan and reference data), safe to modify."""
    raw = tmp_path / "raw"
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / "plan", raw / "plan")
    shutil.copytree(PROJECT_ROOT / "data" / "raw" / "reference", raw / "reference")
    (raw / "reports").mkdir()
    return raw


@pytest.fixture(params=["duckdb", "postgresql"])
def warehouse_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """Each warehouse test runs on both databases."""
    if request.param == "duckdb":
        return f"duckdb:///{tmp_path / 'wh' / 'warehouse.duckdb'}"
    return str(request.getfixturevalue("pg_url"))


@pytest.fixture
def settings(raw_dir: Path, tmp_path: Path, warehouse_url: str) -> Settings:
    return Settings(raw_dir=raw_dir, warehouse_dir=tmp_path / "wh", warehouse_url=warehouse_url)


@pytest.fixture
def dest(settings: Settings) -> Iterator[Destination]:
    d = destination_for(settings.database_url)
    yield d
    d.dispose()


BIN = Path(sys.executable).parent


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture(scope="session")
def prefect_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, dict[str, str]]]:
    """A real `prefect server start` on 127.0.0.1 with its own PREFECT_HOME, for subprocess runs."""
    home = tmp_path_factory.mktemp("prefect-home")
    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    env = {k: v for k, v in os.environ.items() if not k.startswith("PREFECT_")}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_API_URL": api,
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "PREFECT_LOGGING_LEVEL": "INFO",
    }
    log = (home / "server.log").open("w")
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    deadline = time.monotonic() + 120
    while True:
        try:
            if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        assert proc.poll() is None, (home / "server.log").read_text()
        assert time.monotonic() < deadline, "prefect server did not start"
        time.sleep(1)
    yield api, env
    proc.terminate()
    proc.wait(30)
    log.close()


@pytest.fixture(scope="session")
def prefect_harness() -> Iterator[None]:
    """One temporary Prefect server for every flow test in the session."""
    from prefect.testing.utilities import prefect_test_harness

    with prefect_test_harness(server_startup_timeout=120):
        yield


@pytest.fixture(scope="session")
def check_worker_home(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Path]:
    """A PREFECT_HOME with a warm check worker (pdv/check_worker.py) ready in it, stopped at the end."""
    from pdv import check_worker
    from tests.helpers import start_check_worker

    home = tmp_path_factory.mktemp("check-home")
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PREFECT_HOME", str(home))
        start_check_worker(home)
    yield home
    with pytest.MonkeyPatch.context() as mp:
        mp.setenv("PREFECT_HOME", str(home))
        check_worker.stop_all()


def pytest_unconfigure(config: pytest.Config) -> None:
    """What `pdv` does at exit, for the test process too: no "nanobind: leaked" report after the summary."""
    from pdv.orchestrator import release_at_exit

    release_at_exit()


from tests.demo_fixtures import demo, loaded  # noqa: E402, F401  (shared by warehouse and extract tests)
