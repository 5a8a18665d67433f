"""Pipeline runs started from the console: one at a time, never inside the console's own process.

With ``PREFECT_API_URL`` set, a run is a flow run of the daily deployment (``flows/scheduled.py``),
followed through the Prefect API. Without it, the console's worker thread starts ``pdv run`` as a
child process on the same settings. Either way the run takes the warehouse's run lock, so a run
started by a schedule or by hand waits for (or is waited for by) the console's. Requests that arrive
while a run is going are folded into one next run.
"""

from __future__ import annotations

import logging
import os
import subprocess
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime

from pdv.console.store import Store
from pdv.settings import Settings

log = logging.getLogger(__name__)
DEPLOYMENT = "pdv-ingest-load/daily-ingest-load"
FINAL = ("COMPLETED", "FAILED", "CRASHED", "CANCELLED")


def run_env(settings: Settings) -> dict[str, str]:
    """The child's environment: the console's settings, so the run loads what the console shows."""
    env = dict(os.environ)
    env.update(
        PDV_RAW_DIR=str(settings.raw_dir),
        PDV_WAREHOUSE_DIR=str(settings.warehouse_dir),
        PDV_WAREHOUSE_URL=settings.database_url,
        PDV_ID_HASH_KEY=settings.id_hash_key,
    )
    return env


class RunWorker:
    """A thread that runs the pipeline on request; ``after_run`` refreshes the console's reads."""

    def __init__(
        self,
        settings: Settings,
        store: Store,
        after_run: Callable[[], None],
        mode: str | None = None,
        extra_env: dict[str, str] | None = None,
    ) -> None:
        self.settings = settings
        self.store = store
        self.after_run = after_run
        # The server the console was started with: the worker thread talks to it whatever Prefect
        # settings context another thread has entered.
        self.api_url = os.environ.get("PREFECT_API_URL", "")
        self.mode = mode or ("prefect" if self.api_url else "process")
        self.extra_env = dict(extra_env or {})
        self._wake = threading.Event()
        self._stop = threading.Event()
        self._lock = threading.Lock()
        self._queued: int | None = None
        self.current: int | None = None
        self._thread = threading.Thread(target=self._loop, name="pdv-console-runs", daemon=True)
        self._thread.start()

    def request(self, actor: str | None) -> int:
        """Ask for a run; a request while one is queued joins it (its id is returned)."""
        with self._lock:
            if self._queued is None:
                self._queued = self.store.add_run(actor, self.mode)
            queued = self._queued
        self._wake.set()
        return queued

    @property
    def busy(self) -> bool:
        return self.current is not None or self._queued is not None

    def stop(self) -> None:
        self._stop.set()
        self._wake.set()
        self._thread.join(timeout=5)

    def _loop(self) -> None:
        while not self._stop.is_set():
            self._wake.wait(timeout=1)
            self._wake.clear()
            with self._lock:
                run_id, self._queued = self._queued, None
                self.current = run_id
            if run_id is None:
                continue
            try:
                self._run(run_id)
            except Exception as exc:  # the worker must outlive any one failed run
                log.exception("console run %s failed to start", run_id)
                self.store.update_run(run_id, status="failed", finished_at=_now(), message=type(exc).__name__)
            finally:
                try:  # before the worker reads as idle, so an idle worker means fresh reads
                    self.after_run()
                except Exception:
                    log.exception("refresh after run %s failed", run_id)
                self.current = None

    def _run(self, run_id: int) -> None:
        self.store.update_run(run_id, status="running", started_at=_now())
        if self.mode == "prefect":
            status, message, flow_run = self._prefect_run(run_id)
        else:
            status, message, flow_run = self._child_run(run_id)
        self.store.update_run(run_id, status=status, finished_at=_now(), message=message, flow_run_id=flow_run)

    def _child_run(self, run_id: int) -> tuple[str, str, str | None]:
        logs = self.settings.console_dir / "runs"
        logs.mkdir(parents=True, exist_ok=True)
        with (logs / f"run-{run_id}.log").open("w", encoding="utf-8") as out:
            code = subprocess.call(
                [sys.executable, "-m", "pdv.cli", "run"],
                env=run_env(self.settings) | self.extra_env,
                stdout=out,
                stderr=subprocess.STDOUT,
                stdin=subprocess.DEVNULL,
            )
        status = {0: "succeeded", 3: "locked", 4: "unreachable"}.get(code, "failed")
        return status, f"pdv run exit code {code}", None

    def _prefect_run(self, run_id: int) -> tuple[str, str, str | None]:
        from prefect.client.orchestration import get_client
        from prefect.deployments import run_deployment
        from prefect.settings import PREFECT_API_URL, temporary_settings

        with temporary_settings(updates={PREFECT_API_URL: self.api_url}), get_client(sync_client=True) as client:
            started = run_deployment(DEPLOYMENT, timeout=0, as_subflow=False)
            flow_run_id = started.id  # type: ignore[union-attr]  # the sync form returns the FlowRun
            self.store.update_run(run_id, flow_run_id=str(flow_run_id))
            while not self._stop.is_set():
                state = client.read_flow_run(flow_run_id).state
                kind = state.type.value if state is not None else "PENDING"
                if kind in FINAL:
                    status = "succeeded" if kind == "COMPLETED" else kind.lower()
                    return status, str(state.name if state else kind), str(flow_run_id)
                time.sleep(2)
        return "cancelled", "console stopped", str(flow_run_id)


def _now() -> str:
    return datetime.now().isoformat(timespec="seconds")
