"""pdv.check_worker: the warm Great Expectations worker a run checks through, and every way it may fail.

That the worker's findings equal the in-process ones is tests/test_quality.py, run both ways.
"""

from __future__ import annotations

import contextlib
import json
import logging
import os
import signal
import socket
import stat
import threading
import time
from pathlib import Path

import pytest

from pdv import check_worker
from pdv.orchestrator import _alive
from tests.helpers import start_check_worker
from tests.test_quality import PLAN, consistent


def _check(tmp_path: Path) -> list | None:  # type: ignore[type-arg]
    return check_worker.check_remote(consistent(), PLAN, tmp_path / "docs", "changed", None)


def test_the_socket_is_for_its_user_alone(check_worker_home: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(check_worker_home))
    state = json.loads((check_worker_home / f"pdv-check-{check_worker.key()}.json").read_text())
    mode = os.stat(state["socket"]).st_mode
    assert stat.S_ISSOCK(mode) and stat.S_IMODE(mode) == 0o600


def test_the_worker_writes_data_docs_and_logs_each_request(
    check_worker_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(check_worker_home))
    assert _check(tmp_path) == []
    html = (tmp_path / "docs" / "index.html").read_text(encoding="utf-8")
    assert "fact_unit_month.changed" in html  # the Data Docs name the kind of check that ran
    log, deadline = check_worker_home / check_worker.LOG_FILE, time.monotonic() + 30
    while "checked changed: 5 tables" not in log.read_text():  # written just after the reply
        assert time.monotonic() < deadline, log.read_text()
        time.sleep(0.1)


def test_no_worker_means_the_run_checks_itself(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path / "empty-home"))
    assert _check(tmp_path) is None


def test_a_worker_of_other_code_refuses_and_the_run_checks_itself(
    check_worker_home: Path, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A run of changed code finding the old worker's socket (its own state file copied): refused, not used."""
    monkeypatch.setenv("PREFECT_HOME", str(check_worker_home))
    ours = check_worker_home / f"pdv-check-{check_worker.key()}.json"
    monkeypatch.setattr(check_worker, "key", lambda: "0ther0c0de00")
    (check_worker_home / "pdv-check-0ther0c0de00.json").write_text(ours.read_text())
    try:
        with caplog.at_level(logging.WARNING, logger="pdv.check_worker"):
            assert _check(tmp_path) is None
    finally:
        (check_worker_home / "pdv-check-0ther0c0de00.json").unlink()
    assert "worker runs code" in caplog.text and "checking in this process" in caplog.text


def _fake_worker(home: Path, behaviour: str) -> threading.Thread:
    """A socket recorded as this code's worker (this process's pid, so alive) that fails as told."""
    sock = home / "fake.sock"
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    server.bind(str(sock))
    server.listen(1)
    (home / f"pdv-check-{check_worker.key()}.json").write_text(json.dumps({"pid": os.getpid(), "socket": str(sock)}))

    def serve() -> None:
        conn, _ = server.accept()
        with conn, server:
            conn.recv(100)
            if behaviour == "garbage":
                conn.sendall(b"\x00\x00\x00\x00\x00\x00\x00\x05nope!")
            # "dies": closes mid-request, as a killed worker would

    thread = threading.Thread(target=serve, daemon=True)
    thread.start()
    return thread


@pytest.mark.parametrize("behaviour", ["dies", "garbage"])
def test_a_worker_that_fails_mid_request_leaves_the_run_to_check_itself(
    behaviour: str, monkeypatch: pytest.MonkeyPatch, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    home = tmp_path / "home"
    home.mkdir()
    monkeypatch.setenv("PREFECT_HOME", str(home))
    thread = _fake_worker(home, behaviour)
    with caplog.at_level(logging.WARNING, logger="pdv.check_worker"):
        assert _check(tmp_path) is None
    thread.join(10)
    assert "did not answer, checking in this process" in caplog.text


def test_a_long_prefect_home_puts_the_socket_in_a_private_folder(
    monkeypatch: pytest.MonkeyPatch, tmp_path: Path
) -> None:
    long_home = tmp_path / ("h" * 90)
    monkeypatch.setenv("PREFECT_HOME", str(long_home))
    sock = check_worker.socket_path()
    assert sock is not None and len(os.fsencode(sock)) <= 100
    assert sock.parent.name == f"pdv-{os.getuid()}" and stat.S_IMODE(sock.parent.stat().st_mode) == 0o700


def _wait_gone(pid: int, timeout: float = 60) -> None:
    deadline = time.monotonic() + timeout
    while _alive(pid):
        assert time.monotonic() < deadline, f"worker {pid} still running"
        time.sleep(0.1)
        with contextlib.suppress(ChildProcessError):
            os.waitpid(pid, os.WNOHANG)  # our child when started from this process: reap it


def test_stop_all_stops_the_worker_and_removes_its_files(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    pid = start_check_worker(tmp_path)
    sock = check_worker.socket_path()
    assert sock is not None and sock.exists()
    assert check_worker.stop_all() == [pid]
    _wait_gone(pid)
    assert not sock.exists() and not list(tmp_path.glob("pdv-check-*.json"))
    assert _check(tmp_path) is None


def test_an_idle_worker_stops_itself(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    pid = start_check_worker(tmp_path, idle_minutes=0.02)
    _wait_gone(pid)
    assert not list(tmp_path.glob("pdv-check-*"))


def test_a_killed_worker_is_replaced_by_the_next_start(monkeypatch: pytest.MonkeyPatch, tmp_path: Path) -> None:
    monkeypatch.setenv("PREFECT_HOME", str(tmp_path))
    first = check_worker.ensure_started(30)
    assert first is not None
    os.kill(first, signal.SIGKILL)
    _wait_gone(first)
    assert _check(tmp_path) is None  # its state file names a dead process
    second = start_check_worker(tmp_path)
    try:
        assert second != first and _check(tmp_path) == []
    finally:
        check_worker.stop_all()
    _wait_gone(second)
