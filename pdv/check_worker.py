"""A warm Great Expectations checker kept beside the local Prefect server (``python -m pdv.check_worker``).

Why: importing Great Expectations takes about 5 s on 2 cores, more than everything else a run with one
new file does. The first ``pdv run`` on the local orchestrator starts this worker detached, as it starts
the server; the worker imports GX once (while that first run reads its files) and then answers check
requests on a Unix socket in ``PREFECT_HOME`` (mode 0600, so only its own user can connect) until it has
been idle for the orchestrator's idle time. ``pdv server stop`` stops it too.

A run sends the frames it would check as Arrow IPC streams (data only: nothing is unpickled) and gets
the findings back. Whenever no worker answers, or anything about the request fails, the run checks in
its own process: the findings never depend on whether a worker ran. The worker is keyed by the code it
runs (this module, ``pdv/quality.py``, the Python executable, GX's version), so a checkout with other
code starts its own worker instead of using a stale one.

This module imports only the standard library at the top: ``pdv run`` starts the worker before its heavy
imports.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import logging
import os
import signal
import socket
import struct
import subprocess
import sys
import tempfile
import time
from dataclasses import asdict
from functools import cache
from importlib import metadata
from pathlib import Path
from typing import TYPE_CHECKING

from pdv.orchestrator import _alive, _start_lock, prefect_home

if TYPE_CHECKING:
    import pandas as pd

    from pdv.findings import Finding

log = logging.getLogger(__name__)

LOG_FILE = "pdv-check.log"
_UNITS = "__units__"  # the unit dimension the facts' keys are looked up in, sent beside the tables
_MAX_SOCKET_PATH = 100  # bytes; sun_path holds 108 on Linux
_MAX_HEADER = 1 << 20
_REPLY_TIMEOUT_S = 900.0  # a worker alive but stuck: the run gives up on it and checks itself
_REQUEST_TIMEOUT_S = 120.0  # a run that stopped sending mid-request (killed): the worker moves on


@cache
def key() -> str:
    """What the worker's answers depend on: its code, the interpreter, Great Expectations' version."""
    here = Path(__file__).resolve()
    digest = hashlib.sha256()
    for part in (here.read_bytes(), here.with_name("quality.py").read_bytes()):
        digest.update(part)
    digest.update(f"{sys.executable}\0{metadata.version('great_expectations')}".encode())
    return digest.hexdigest()[:12]


def _state_file() -> Path:
    return prefect_home() / f"pdv-check-{key()}.json"


def socket_path() -> Path | None:
    """This code's worker socket: in ``PREFECT_HOME``, or when that path is too long for a Unix socket, in a
    private folder of the temporary directory; None if neither is usable."""
    home = prefect_home()
    path = home / f"pdv-check-{key()}.sock"
    if len(os.fsencode(path)) <= _MAX_SOCKET_PATH:
        return path
    private = Path(tempfile.gettempdir()) / f"pdv-{os.getuid()}"
    private.mkdir(mode=0o700, exist_ok=True)
    info = private.stat()
    if info.st_uid != os.getuid() or info.st_mode & 0o077:
        return None  # not ours alone: another user could connect
    where = hashlib.sha256(os.fsencode(home.resolve())).hexdigest()[:8]
    path = private / f"{where}-{key()}.sock"
    return path if len(os.fsencode(path)) <= _MAX_SOCKET_PATH else None


def _recorded(state: Path) -> tuple[int, Path] | None:
    """The worker recorded in ``state``, if its process is alive: its pid and socket."""
    try:
        data = json.loads(state.read_text())
        pid, sock = int(data["pid"]), Path(data["socket"])
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return (pid, sock) if _alive(pid) else None


def ensure_started(idle_minutes: float) -> int | None:
    """This code's worker, started detached if none is running; its pid (None: no worker possible here)."""
    sock = socket_path()
    if sock is None:
        return None
    with _start_lock(prefect_home()):
        running = _recorded(_state_file())
        if running is not None:
            return running[0]
        with (prefect_home() / LOG_FILE).open("ab") as out:
            proc = subprocess.Popen(
                [sys.executable, "-m", "pdv.check_worker", str(sock), str(idle_minutes * 60), str(_state_file())],
                stdin=subprocess.DEVNULL,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,  # outlives the command, like the local server
            )
        tmp = _state_file().with_suffix(".tmp")
        tmp.write_text(json.dumps({"pid": proc.pid, "socket": str(sock)}))
        tmp.replace(_state_file())
        return proc.pid


def stop_all() -> list[int]:
    """Stop every check worker recorded in ``PREFECT_HOME`` (any code version); their pids."""
    stopped = []
    for state in sorted(prefect_home().glob("pdv-check-*.json")):
        running = _recorded(state)
        if running is not None:
            with contextlib.suppress(ProcessLookupError):
                os.kill(running[0], signal.SIGTERM)
                stopped.append(running[0])
            for _ in range(50):  # it removes its socket on the way out
                if not _alive(running[0]):
                    break
                time.sleep(0.1)
        with contextlib.suppress(FileNotFoundError):
            state.unlink()
    return stopped


# --------------------------------------------------------------------------------------------------
# The wire: length-prefixed blocks, a JSON header then one Arrow IPC stream per frame.
# --------------------------------------------------------------------------------------------------


def _send_block(conn: socket.socket, data: bytes) -> None:
    conn.sendall(struct.pack("!Q", len(data)))
    conn.sendall(data)


def _recv_exact(conn: socket.socket, n: int) -> bytes:
    buf = bytearray(n)
    view, got = memoryview(buf), 0
    while got < n:
        k = conn.recv_into(view[got:], n - got)
        if k == 0:
            raise ConnectionError("the other side closed the connection")
        got += k
    return bytes(buf)


def _recv_block(conn: socket.socket, limit: int | None = None) -> bytes:
    (n,) = struct.unpack("!Q", _recv_exact(conn, 8))
    if limit is not None and n > limit:
        raise ValueError(f"block of {n} bytes, more than {limit}")
    return _recv_exact(conn, n)


def _to_arrow(frame: pd.DataFrame) -> bytes:
    import pyarrow as pa

    table = pa.Table.from_pandas(frame, preserve_index=False)
    sink = pa.BufferOutputStream()
    with pa.ipc.new_stream(sink, table.schema) as writer:
        writer.write_table(table)
    return bytes(sink.getvalue())


def _from_arrow(data: bytes) -> pd.DataFrame:
    import pyarrow as pa

    return pa.ipc.open_stream(pa.py_buffer(data)).read_all().to_pandas()


# --------------------------------------------------------------------------------------------------
# The run's side.
# --------------------------------------------------------------------------------------------------


def check_remote(
    frames: dict[str, pd.DataFrame],
    plan_years: tuple[int, int],
    docs_dir: Path,
    mode: str,
    units: pd.DataFrame | None,
) -> list[Finding] | None:
    """``check_warehouse``'s findings from the warm worker; None when there is none or it did not answer."""
    running = _recorded(_state_file())
    if running is None:
        return None
    pid, sock = running
    from pdv.findings import Finding

    started = time.perf_counter()
    try:
        tables = {name: frame for name, frame in frames.items() if frame is not None}
        if units is not None:
            tables[_UNITS] = units
        blocks = [_to_arrow(frame) for frame in tables.values()]
        header = {
            "key": key(),
            "tables": list(tables),
            "plan_years": list(plan_years),
            "docs_dir": str(docs_dir),
            "mode": mode,
        }
        with socket.socket(socket.AF_UNIX, socket.SOCK_STREAM) as conn:
            conn.settimeout(_REPLY_TIMEOUT_S)
            conn.connect(str(sock))
            _send_block(conn, json.dumps(header).encode())
            for block in blocks:
                _send_block(conn, block)
            reply = json.loads(_recv_block(conn, _MAX_HEADER * 64))
        if "error" in reply:
            raise RuntimeError(reply["error"])
        findings = [Finding(**f) for f in reply["findings"]]
    except Exception as exc:  # any failure: the run checks in its own process instead
        log.warning(
            "check worker (pid %s) did not answer, checking in this process: %s: %s", pid, type(exc).__name__, exc
        )
        return None
    log.info("checked by the warm worker (pid %s) in %.2f s", pid, time.perf_counter() - started)
    return findings


# --------------------------------------------------------------------------------------------------
# The worker's side.
# --------------------------------------------------------------------------------------------------


def _answer(conn: socket.socket) -> str:
    """Read one request, check it, reply; a line for the worker's log."""
    from pdv.quality import check_warehouse

    header = json.loads(_recv_block(conn, _MAX_HEADER))
    if header.get("key") != key():
        _send_block(conn, json.dumps({"error": f"worker runs code {key()}, not {header.get('key')}"}).encode())
        return "refused a request from other code"
    frames = {name: _from_arrow(_recv_block(conn)) for name in header["tables"]}
    units = frames.pop(_UNITS, None)
    started = time.perf_counter()
    years = (int(header["plan_years"][0]), int(header["plan_years"][1]))
    findings = check_warehouse(frames, years, Path(header["docs_dir"]), mode=str(header["mode"]), units=units)
    _send_block(conn, json.dumps({"findings": [asdict(f) for f in findings]}, default=str).encode())
    rows, took = sum(len(f) for f in frames.values()), time.perf_counter() - started
    return f"checked {header['mode']}: {len(frames)} tables, {rows} rows, {len(findings)} findings in {took:.2f} s"


def serve(sock: Path, idle_seconds: float, state: Path) -> None:
    """Listen first (a run may connect while GX imports), import GX, answer until idle."""
    with contextlib.suppress(FileNotFoundError):
        sock.unlink()  # a worker killed before it could clean up
    server = socket.socket(socket.AF_UNIX, socket.SOCK_STREAM)
    old = os.umask(0o177)
    try:
        server.bind(str(sock))
    finally:
        os.umask(old)
    server.listen(8)
    try:
        import great_expectations  # noqa: F401  (the point of this process)

        import pdv.quality  # noqa: F401

        print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} worker {os.getpid()} ready on {sock}", flush=True)
        server.settimeout(idle_seconds)
        while True:
            try:
                conn, _ = server.accept()
            except TimeoutError:
                break
            with conn:
                conn.settimeout(_REQUEST_TIMEOUT_S)
                try:
                    line = _answer(conn)
                except Exception as exc:  # one bad request never stops the worker
                    line = f"request failed: {type(exc).__name__}: {exc}"
            print(f"{time.strftime('%Y-%m-%d %H:%M:%S')} {line}", flush=True)
    finally:
        server.close()
        with contextlib.suppress(FileNotFoundError):
            sock.unlink()
        running = _recorded(state)
        if running is not None and running[0] == os.getpid():
            with contextlib.suppress(FileNotFoundError):
                state.unlink()


if __name__ == "__main__":
    import pdv  # noqa: F401  (offline GX settings)

    signal.signal(signal.SIGTERM, lambda *_: sys.exit(0))  # through serve's cleanup
    serve(Path(sys.argv[1]), float(sys.argv[2]), Path(sys.argv[3]))
