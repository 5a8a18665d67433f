"""The Prefect server a ``pdv run`` records its flow run on, kept running between runs.

Why: Prefect's temporary server costs a fresh Python process that imports the whole Prefect server
and checks its database on every ``pdv run`` (9-20 s on 2 cores, more than Prefect's 20 s limit on
a brand-new machine). Instead, the first run starts one local server (``python -m pdv.orchestrator``)
detached from the command, and later runs find it through a small state file in ``PREFECT_HOME``.
The server stops itself after ``Settings.orchestrator_idle_minutes`` without a request, so nothing
lingers on a machine that is not being used.

With ``PREFECT_API_URL`` set (a real Prefect server, see the README), none of this is used.

This module imports only the standard library and httpx at the top: ``pdv run`` starts the server
first, then imports Prefect and pandas while the server boots.
"""

from __future__ import annotations

import atexit
import contextlib
import fcntl
import json
import logging
import os
import signal
import socket
import subprocess
import sys
import threading
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any, NoReturn

STATE_FILE = "pdv-server.json"
LOG_FILE = "pdv-server.log"


class OrchestratorUnavailable(RuntimeError):
    """The local Prefect server did not answer in time."""


def prefect_home() -> Path:
    return Path(os.environ.get("PREFECT_HOME", Path.home() / ".prefect")).expanduser()


@dataclass(frozen=True)
class LocalServer:
    """A running local server: its process and API address."""

    pid: int
    port: int

    @property
    def api_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api"


def configured_api_url() -> str | None:
    """The Prefect API this process is already pointed at (environment or an active Prefect settings context)."""
    if os.environ.get("PREFECT_API_URL"):
        return os.environ["PREFECT_API_URL"]
    if "prefect" in sys.modules:  # e.g. under prefect_test_harness, which sets it in a settings context
        from prefect.settings import get_current_settings

        url = get_current_settings().api.url
        return str(url) if url else None
    return None


def healthy(api_url: str, timeout: float = 1.0) -> bool:
    import httpx

    try:
        return httpx.get(f"{api_url}/health", timeout=timeout).status_code == 200
    except httpx.HTTPError:
        return False


def _read_state(home: Path) -> LocalServer | None:
    try:
        data = json.loads((home / STATE_FILE).read_text())
        return LocalServer(int(data["pid"]), int(data["port"]))
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@contextlib.contextmanager
def _start_lock(home: Path) -> Any:
    """Two commands started at once start one server: the second waits, then finds the first's."""
    home.mkdir(parents=True, exist_ok=True)
    fd = os.open(home / "pdv-server.lock", os.O_CREAT | os.O_RDWR, 0o644)
    try:
        fcntl.flock(fd, fcntl.LOCK_EX)
        yield
    finally:
        os.close(fd)


def current_server() -> LocalServer | None:
    """The recorded local server if its process is alive (it may still be starting)."""
    server = _read_state(prefect_home())
    return server if server is not None and _alive(server.pid) else None


def ensure_started(idle_minutes: float) -> LocalServer:
    """The local server, started detached if none is running. Returns at once; see ``wait_ready``."""
    home = prefect_home()
    with _start_lock(home):
        server = current_server()
        if server is not None:
            return server
        port = _free_port()
        log = (home / LOG_FILE).open("ab")
        proc = subprocess.Popen(
            [sys.executable, "-m", "pdv.orchestrator", str(port), str(idle_minutes * 60)],
            stdin=subprocess.DEVNULL,
            stdout=log,
            stderr=subprocess.STDOUT,
            start_new_session=True,  # outlives the command, and a Ctrl-C in the terminal does not stop it
            env=os.environ | {"PREFECT_API_URL": ""},
        )
        log.close()
        server = LocalServer(proc.pid, port)
        tmp = home / f"{STATE_FILE}.tmp"
        tmp.write_text(json.dumps({"pid": proc.pid, "port": port}))
        tmp.replace(home / STATE_FILE)
        return server


def wait_ready(server: LocalServer, timeout: float) -> None:
    """Wait until the server answers; its first start creates and migrates its database."""
    deadline = time.monotonic() + timeout
    while not healthy(server.api_url, timeout=2):
        if not _alive(server.pid):
            raise OrchestratorUnavailable(f"the local Prefect server exited; see {prefect_home() / LOG_FILE}")
        if time.monotonic() > deadline:
            raise OrchestratorUnavailable(
                f"the local Prefect server did not answer within {timeout:.0f} s; see {prefect_home() / LOG_FILE}"
            )
        time.sleep(0.2)


def stop() -> LocalServer | None:
    """Stop the local server, if one runs; returns what was stopped."""
    server = current_server()
    if server is not None:
        os.kill(server.pid, signal.SIGTERM)
        for _ in range(100):
            if not _alive(server.pid):
                break
            time.sleep(0.1)
    with contextlib.suppress(FileNotFoundError):
        (prefect_home() / STATE_FILE).unlink()
    return server


def release_at_exit() -> None:
    """At process exit: flush Prefect's log and event workers, stop the daemon threads left running, and
    drop the one third-party registration that keeps DuckDB's types alive through interpreter teardown.

    Why: those daemon threads are still running when the interpreter finalises, so what their frames
    reference is never freed, and DuckDB's bindings (nanobind) then report their types and constants
    as leaked, a hundred lines after the command's output. Stopped first, everything is freed in order.
    """
    if "prefect" in sys.modules:
        _stop_prefect()
    for thread in threading.enumerate():
        # Great Expectations' progress bars leave tqdm's monitor thread running.
        if thread.name == "tqdm_monitor" and hasattr(thread, "exit"):
            with contextlib.suppress(Exception):
                thread.exit()
    # duckdb_engine registers its TRY_CAST compiler on SQLAlchemy's TryCast class. That class outlives the
    # duckdb_engine module at exit, so the module's namespace (and through it DuckDB's types) is never cleared.
    dispatcher = getattr(getattr(sys.modules.get("sqlalchemy"), "TryCast", None), "_compiler_dispatcher", None)
    if dispatcher is not None:
        dispatcher.specs.pop("duckdb", None)


def end_process(code: int | str | None) -> NoReturn:
    """Leave as ``sys.exit(code)`` would, without the interpreter's teardown of every module.

    Why: tearing down what a run imports (Prefect, Great Expectations, pandas, SciPy, DuckDB) took about
    1.4 s after every command's last line. By then nothing is left to write: Prefect's workers are
    drained, the atexit handlers (logging's flush among them) are run here, and stdout and stderr are
    flushed. A non-daemon thread still running would be cut off, so then the exit is the normal one.
    """
    release_at_exit()
    main = threading.main_thread()
    if any(t is not main and t.is_alive() and not t.daemon for t in threading.enumerate()):
        sys.exit(code)
    if code is None or isinstance(code, int):
        status = code or 0
    else:  # sys.exit("message"): the message on stderr, status 1
        print(code, file=sys.stderr)
        status = 1
    run_handlers = getattr(atexit, "_run_exitfuncs", None)
    if run_handlers is None:  # not CPython: keep the normal exit
        sys.exit(status)
    run_handlers()
    for stream in (sys.stdout, sys.stderr):
        with contextlib.suppress(Exception):
            stream.flush()
    os._exit(status)


def _stop_prefect() -> None:
    with contextlib.suppress(Exception):
        from prefect._internal.concurrency.threads import get_global_loop, get_run_sync_loop
        from prefect.events.worker import EventsWorker
        from prefect.logging.handlers import APILogWorker

        APILogWorker.drain_all(timeout=10)
        EventsWorker.drain_all(timeout=10)
        for loop in (get_run_sync_loop(), get_global_loop()):
            loop.shutdown()
            loop.thread.join(10)


def serve(port: int, idle_seconds: float) -> None:
    """Run Prefect's API (no UI, as its temporary server does) until idle for ``idle_seconds``."""
    import uvicorn

    os.environ["PREFECT__SERVER_EPHEMERAL"] = "1"  # API and the services a temporary server runs
    os.environ["PREFECT_UI_ENABLED"] = "0"
    from prefect.server.api.server import create_app

    app = create_app(ephemeral=True, final=True)
    last = [time.monotonic()]

    async def touched(scope: Any, receive: Any, send: Any) -> None:
        last[0] = time.monotonic()
        await app(scope, receive, send)

    server = uvicorn.Server(uvicorn.Config(touched, host="127.0.0.1", port=port, log_level="warning", lifespan="on"))

    def watchdog() -> None:
        while not server.should_exit:
            time.sleep(5)
            if time.monotonic() - last[0] > idle_seconds:
                server.should_exit = True

    threading.Thread(target=watchdog, daemon=True).start()
    server.run()
    state = _read_state(prefect_home())
    if state is not None and state.pid == os.getpid():
        with contextlib.suppress(FileNotFoundError):
            (prefect_home() / STATE_FILE).unlink()


if __name__ == "__main__":
    import pdv  # noqa: F401  (offline Prefect environment)

    serve(int(sys.argv[1]), float(sys.argv[2]))


class _Brief(logging.Formatter):
    """A formatter that leaves out tracebacks: the console shows the one-line message, the Prefect
    server's log (the run page) keeps the traceback for maintainers."""

    def __init__(self, inner: logging.Formatter | None) -> None:
        super().__init__()
        self.inner = inner or logging.Formatter()

    def format(self, record: logging.LogRecord) -> str:
        saved = record.exc_info, record.exc_text, record.stack_info
        record.exc_info, record.exc_text, record.stack_info = None, None, None
        try:
            return self.inner.format(record)
        finally:
            record.exc_info, record.exc_text, record.stack_info = saved


def brief_console_logs() -> None:
    """No traceback from Prefect's console log handlers (call after Prefect has set up logging)."""
    from prefect.logging.handlers import PrefectConsoleHandler

    loggers = [logging.getLogger(), *(logging.getLogger(n) for n in list(logging.root.manager.loggerDict))]
    for logger in loggers:
        for handler in getattr(logger, "handlers", []):
            if isinstance(handler, PrefectConsoleHandler) and not isinstance(handler.formatter, _Brief):
                handler.setFormatter(_Brief(handler.formatter))

