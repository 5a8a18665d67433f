"""Console fixtures: a small loaded warehouse (both databases), accounts, a client and a live server."""

from __future__ import annotations

import re
import shutil
import socket
import threading
import time
import uuid
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import sqlalchemy as sa
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pdv.console import accounts
from pdv.console.app import create_app
from pdv.console.store import Store
from pdv.settings import Settings
from tests.console.workbooks import report
from tests.demo_fixtures import raw_copy
from tests.helpers import run_pipeline

PASSWORD = "mat-khau-thu-nghiem"
USERS = [("syt", "unit", "SYT"), ("stp", "unit", "STP"), ("ban", "steward", None), ("lanhdao", "board", None)]


@dataclass
class Console:
    settings: Settings
    store: Store
    app: FastAPI


@pytest.fixture(scope="module", params=["duckdb", "postgresql"])
def console_base(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory, prefect_harness: None
) -> Iterator[Settings]:
    """Loaded once per module and database: the plan and two reports (SYT 2024-03 on time, STP 2024-03 late)."""
    root = tmp_path_factory.mktemp("console-base")
    raw = raw_copy(root)
    reports = raw / "reports" / "2024" / "03"
    report(reports / "SYT_2024-03.xlsx", "SYT", "2024-03", date(2024, 4, 3))
    report(reports / "STP_2024-03.xlsx", "STP", "2024-03", date(2024, 4, 20))
    url = f"duckdb:///{root / 'wh' / 'warehouse.duckdb'}"
    if request.param == "postgresql":
        url = _new_database(request.getfixturevalue("pg_server_url"))
    settings = Settings(raw_dir=raw, warehouse_dir=root / "wh", warehouse_url=url)
    run_pipeline(settings)
    yield settings
    if request.param == "postgresql":
        _drop_database(url)


def _admin(url: str) -> sa.Engine:
    server = sa.make_url(url).set(database="postgres")
    return sa.create_engine(server, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)


def _new_database(server_url: str, template: str | None = None) -> str:
    name = f"pdv_console_{uuid.uuid4().hex[:10]}"
    admin = _admin(server_url)
    with admin.connect() as conn:
        if template:  # a template database must have no other sessions
            conn.exec_driver_sql(
                f"select pg_terminate_backend(pid) from pg_stat_activity where datname = '{template}'"
                " and pid <> pg_backend_pid()"
            )
        conn.exec_driver_sql(f'create database "{name}"' + (f' template "{template}"' if template else ""))
    admin.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False)


def _drop_database(url: str) -> None:
    admin = _admin(url)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'drop database if exists "{sa.make_url(url).database}" with (force)')
    admin.dispose()


@pytest.fixture
def loaded_console(console_base: Settings, tmp_path: Path) -> Iterator[Settings]:
    """A private copy of the loaded base (raw inputs, warehouse and its files) for one test."""
    raw, wh = tmp_path / "raw", tmp_path / "wh"
    shutil.copytree(console_base.raw_dir, raw)
    shutil.copytree(console_base.warehouse_dir, wh, ignore=shutil.ignore_patterns("console"))
    url = console_base.database_url
    if url.startswith("duckdb"):
        url = f"duckdb:///{wh / 'warehouse.duckdb'}"
    else:
        url = _new_database(url, template=sa.make_url(url).database)
    settings = Settings(raw_dir=raw, warehouse_dir=wh, warehouse_url=url)
    # Outputs belong to their warehouse (Settings.outputs_dir): the copy's database has its own name.
    copied = wh / console_base.outputs_dir.name
    if copied != settings.outputs_dir and copied.exists():
        copied.rename(settings.outputs_dir)
    yield settings
    if not url.startswith("duckdb"):
        _drop_database(url)


def make_console(settings: Settings, start_worker: bool = False, run_env: dict[str, str] | None = None) -> Console:
    app = create_app(settings, "127.0.0.1", start_worker=start_worker, run_mode="process", run_env=run_env)
    store = app.state.store
    for name, role, unit in USERS:
        accounts.add(store, settings, name, role, unit, PASSWORD)
    return Console(settings, store, app)


@pytest.fixture
def console(loaded_console: Settings) -> Console:
    return make_console(loaded_console)


def csrf_of(client: TestClient, path: str = "/login") -> str:
    html = client.get(path).text
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, html[:500]
    return found.group(1)


def sign_in(client: TestClient, name: str, password: str = PASSWORD) -> None:
    token = csrf_of(client)
    response = client.post("/login", data={"name": name, "password": password, "csrf": token}, follow_redirects=False)
    assert response.status_code == 303, response.text[:500]


@pytest.fixture
def client_for(console: Console) -> Iterator[object]:
    clients: list[TestClient] = []

    def make(name: str | None = None) -> TestClient:
        client = TestClient(console.app)
        client.__enter__()
        clients.append(client)
        if name:
            sign_in(client, name)
        return client

    yield make
    for c in clients:
        c.__exit__(None, None, None)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@pytest.fixture
def live(loaded_console: Settings, prefect_harness: None) -> Iterator[tuple[str, Console, Path]]:
    """The console served by uvicorn on a free port, its runs in child processes on the test Prefect server.

    Yields (base URL, console, pause file): a child started with PDV_PAUSE_AT set writes the pause file
    when it reaches the point.
    """
    from prefect.settings import PREFECT_API_URL

    pause = loaded_console.warehouse_dir / "paused"
    env = {"PREFECT_API_URL": str(PREFECT_API_URL.value()), "PDV_PAUSE_FILE": str(pause)}
    con = make_console(loaded_console, start_worker=True, run_env=env)
    port = free_port()
    server = uvicorn.Server(uvicorn.Config(con.app, host="127.0.0.1", port=port, log_level="warning"))
    thread = threading.Thread(target=server.run, daemon=True)
    thread.start()
    deadline = time.monotonic() + 30
    while not server.started:
        assert time.monotonic() < deadline, "console did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", con, pause
    server.should_exit = True
    thread.join(15)


def wait_for(predicate: object, seconds: float = 240, step: float = 0.25) -> None:
    deadline = time.monotonic() + seconds
    while not predicate():  # type: ignore[operator]
        assert time.monotonic() < deadline, "condition not reached in time"
        time.sleep(step)
