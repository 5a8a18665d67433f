"""Console fixtures: a small loaded warehouse (both databases), accounts, a client and a live server."""

from __future__ import annotations

import re
import socket
import threading
import time
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
import uvicorn
from fastapi import FastAPI
from fastapi.testclient import TestClient

from pdv.console import accounts
from pdv.console.app import create_app
from pdv.console.store import Store
from pdv.settings import Settings
from tests.console.workbooks import report
from tests.helpers import run_pipeline

PASSWORD = "mat-khau-thu-nghiem"
USERS = [("syt", "unit", "SYT"), ("stp", "unit", "STP"), ("ban", "steward", None), ("lanhdao", "board", None)]


@dataclass
class Console:
    settings: Settings
    store: Store
    app: FastAPI


@pytest.fixture
def console_settings(settings: Settings, prefect_harness: None) -> Settings:
    """A warehouse with the plan and three reports: SYT 2024-03 on time, STP 2024-03 late, SYT 2024-04 on time."""
    reports = settings.raw_dir / "reports" / "2024"
    report(reports / "03" / "SYT_2024-03.xlsx", "SYT", "2024-03", date(2024, 4, 3))
    report(reports / "03" / "STP_2024-03.xlsx", "STP", "2024-03", date(2024, 4, 20))
    return settings


@pytest.fixture
def loaded_console(console_settings: Settings) -> Settings:
    run_pipeline(console_settings)
    return console_settings


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
