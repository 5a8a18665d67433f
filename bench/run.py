"""``make bench``: time the pipeline at scale against a bare DuckDB load of the same files.

    .venv/bin/python bench/run.py                        # everything, national scale
    .venv/bin/python bench/run.py --scale province       # a quick run
    .venv/bin/python bench/run.py --only floor,pipeline  # some steps (results of the others are kept)

Every step runs in a fresh process started by this script, which measures its wall time and its peak
resident memory (``ru_maxrss`` of that process and its descendants, from ``wait4``) and samples its
RSS every 0.2 s to attribute memory to the flow's tasks. Steps:

* ``generate``: the inputs (pdv/synthetic/scale.py), unless a complete set with the same seed is there;
* ``orchestrator``: a Prefect server started once for the whole benchmark (its start time is
  reported); and the cost of the *temporary* server ``pdv run`` starts when none is configured,
  measured as a trivial flow without a server minus the same flow with one;
* ``floor``: bench/floor.py, DuckDB ``read_csv`` of the same CSVs into tables plus one GROUP BY;
* ``pipeline``: ``pdv run`` (ingest, validate, load, GX checkpoint, feedback, all extracts) into a
  new DuckDB warehouse, against the running server: orchestrator start is excluded, Python start-up
  and imports are included (``import_s`` shows them);
* ``rerun``: ``pdv run`` again, nothing new;
* ``extract``: ``pdv extract --period <year>-Q3`` on that warehouse, into a new folder;
* ``postgres``: ``pdv run`` into a new PostgreSQL database (``PDV_BENCH_PG_URL``, else the server
  of ``.ci/postgres.sh`` on port 55434); the database server's own memory is not counted;
* ``files5000``: ``pdv run`` on 5,000 single-unit workbooks into a new DuckDB warehouse;
* ``incremental``: the same new month (January of the plan's second year, generated apart from the
  raw directory) added to a warehouse holding one month (December, loaded first, untimed) and to
  one holding the whole year (a copy of the ``pipeline`` step's warehouse); their ratio shows
  whether a month's cost grows with history.

Results: ``bench/results/latest.json`` (machine, versions, every step) and ``latest.md`` (a table
with the ratios to the floor and the targets of the performance issue). A failed step is recorded
(exit code, the end of its log) and the others still run. Work files go to ``bench/work/``.
"""

from __future__ import annotations

import argparse
import contextlib
import itertools
import json
import os
import platform
import re
import shutil
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import datetime
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from pdv.synthetic.scale import SCALES, default_raw_dir, read_marker  # noqa: E402

BENCH = ROOT / "bench"
WORK = BENCH / "work"
RESULTS = BENCH / "results"
PY = Path(sys.executable)
BIN = PY.parent
STEPS = (
    "generate", "orchestrator", "floor", "pipeline", "rerun", "extract", "postgres", "files5000", "incremental",
    "backtest", "commands",
)  # fmt: skip
EXTRA_STEPS = ("profile",)  # only when asked for (--only profile or --profile)
RSS_LIMIT_MB = 2048
MEMORY_TARGETS = {"pipeline", "postgres", "incremental_after_1_month", "incremental_after_12_months"}
TIME = Path("/usr/bin/time")  # GNU time: the peak RSS of the command alone
SAMPLE_S = 0.2


# --------------------------------------------------------------------------------------------------
# Running one step in a fresh process.
# --------------------------------------------------------------------------------------------------


@dataclass
class Measured:
    seconds: float
    peak_rss_mb: float
    exit_code: int
    log: Path
    timings: dict[str, Any] = field(default_factory=dict)
    samples: list[tuple[float, float]] = field(default_factory=list)  # (epoch seconds, RSS MB of the tree)
    timed_out: bool = False
    span: tuple[float, float] = (0.0, 0.0)  # epoch seconds: process started, process ended


def _tree_rss_mb(pid: int) -> float:
    """Resident memory of a process and its descendants (MB), from /proc."""
    total, todo = 0, [pid]
    while todo:
        p = todo.pop()
        try:
            with open(f"/proc/{p}/status", encoding="ascii", errors="replace") as fh:
                total += next((int(line.split()[1]) for line in fh if line.startswith("VmRSS:")), 0)
            for task in os.listdir(f"/proc/{p}/task"):
                with open(f"/proc/{p}/task/{task}/children", encoding="ascii") as fh:
                    todo += [int(c) for c in fh.read().split()]
        except (OSError, ValueError):
            continue
    return total / 1024


def _peak_from_time(path: Path) -> float | None:
    """``Maximum resident set size (kbytes)`` from ``/usr/bin/time -v -o path``, in MB."""
    with contextlib.suppress(OSError):
        hit = re.search(r"Maximum resident set size \(kbytes\): (\d+)", path.read_text(encoding="utf-8"))
        if hit:
            return int(hit.group(1)) / 1024
    return None


def measure(cmd: list[str], log: Path, env: dict[str, str], timeout: float) -> Measured:
    """Run ``cmd`` to completion; wall time, peak RSS and an RSS timeline.

    The peak comes from ``/usr/bin/time -v`` (the ``ru_maxrss`` of the command and its descendants,
    as GNU time's own child): a process started directly from this one would inherit this
    process's high-water mark in its ``ru_maxrss`` (Linux carries it over at exec).
    """
    log.parent.mkdir(parents=True, exist_ok=True)
    timings_path = log.with_suffix(".timings.json")
    timings_path.unlink(missing_ok=True)
    rusage_path = log.with_suffix(".rusage.txt")
    rusage_path.unlink(missing_ok=True)
    cmd = [c.replace("{timings}", str(timings_path)) for c in cmd]
    if TIME.exists():
        cmd = [str(TIME), "-v", "-o", str(rusage_path), *cmd]
    with log.open("w", encoding="utf-8") as out:
        out.write("$ " + " ".join(cmd) + "\n")
        out.flush()
        started, epoch = time.perf_counter(), time.time()
        proc = subprocess.Popen(cmd, stdout=out, stderr=subprocess.STDOUT, env=env, cwd=ROOT, start_new_session=True)
        samples: list[tuple[float, float]] = []
        timed_out = False
        while True:
            pid, status, usage = os.wait4(proc.pid, os.WNOHANG)
            if pid:
                break
            if time.perf_counter() - started > timeout:
                timed_out = True
                os.killpg(proc.pid, signal.SIGKILL)  # the step's own process group, started above
                pid, status, usage = os.wait4(proc.pid, 0)
                break
            samples.append((time.time(), _tree_rss_mb(proc.pid)))
            time.sleep(SAMPLE_S)
        seconds = time.perf_counter() - started
        span = (epoch, epoch + seconds)
        proc.returncode = os.waitstatus_to_exitcode(status)
    try:
        timings = json.loads(timings_path.read_text(encoding="utf-8"))
    except (OSError, ValueError):
        timings = {}
    peak = _peak_from_time(rusage_path) if TIME.exists() else usage.ru_maxrss / 1024  # kB on Linux
    return Measured(
        round(seconds, 2),
        round(peak if peak is not None else max((r for _, r in samples), default=0.0), 1),
        proc.returncode,
        log,
        timings,
        samples,
        timed_out,
        span,
    )


_TASK_LINE = re.compile(
    r"^(\d\d):(\d\d):(\d\d)\.(\d{3}) \| \w+\s+\| (?:Task run '(?P<task>[\w-]+?)(?:-[0-9a-f]{3})?'"
    r"|Flow run '[^']+') - (?P<what>Beginning flow run|Finished in state \w+)"
)


def phases(m: Measured) -> list[dict[str, Any]]:
    """Seconds and peak RSS per flow task, from Prefect's log lines (tasks run one after another),
    with the process's start-up (imports, Prefect client, flow run creation) and its exit."""
    marks: list[tuple[float, str]] = [(m.span[0], "process start")]
    day = datetime.fromtimestamp(m.span[0]).replace(hour=0, minute=0, second=0, microsecond=0)
    for line in m.log.read_text(encoding="utf-8", errors="replace").splitlines():
        hit = _TASK_LINE.match(line)
        if not hit:
            continue
        h, mi, s, ms = (int(hit.group(i)) for i in range(1, 5))
        at = day.timestamp() + h * 3600 + mi * 60 + s + ms / 1000
        name = hit.group("task") or ("flow start" if hit.group("what").startswith("Beginning") else "flow end")
        marks.append((at, name))
    if len(marks) == 1:
        return []
    marks.append((m.span[1], "process end"))
    labels = {
        "flow start": "(start-up: imports, Prefect client, flow run)",
        "flow end": "(flow: between tasks, artifacts)",
        "process end": "(exit: after the flow)",
    }
    out = []
    for (t0, _), (t1, name) in itertools.pairwise(marks):
        rss = [r for t, r in m.samples if t0 <= t <= t1]
        out.append(
            {
                "task": labels.get(name, name),
                "seconds": round(t1 - t0, 2),
                "peak_rss_mb": round(max(rss), 1) if rss else None,
            }
        )
    return out


# --------------------------------------------------------------------------------------------------
# Services: a Prefect server for the whole benchmark, a PostgreSQL server.
# --------------------------------------------------------------------------------------------------


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def base_env(home: Path) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("PREFECT_", "PDV_"))}
    env |= {
        "PREFECT_HOME": str(home),
        "PREFECT_SERVER_ANALYTICS_ENABLED": "false",
        "DO_NOT_TRACK": "1",
        "GX_ANALYTICS_ENABLED": "False",
        "PREFECT_LOGGING_LEVEL": "INFO",  # task log lines give the per-task breakdown
        "PYTHONUNBUFFERED": "1",
    }
    return env


@contextlib.contextmanager
def prefect_server(home: Path) -> Iterator[tuple[str, float]]:
    """``prefect server start`` on a free port; yields (API URL, seconds until healthy)."""
    import httpx

    port = _free_port()
    api = f"http://127.0.0.1:{port}/api"
    log = (WORK / "logs" / "prefect-server.log").open("w")
    started = time.perf_counter()
    proc = subprocess.Popen(
        [str(BIN / "prefect"), "server", "start", "--host", "127.0.0.1", "--port", str(port)],
        env=base_env(home),
        stdout=log,
        stderr=subprocess.STDOUT,
        cwd=ROOT,
    )
    try:
        while True:
            with contextlib.suppress(httpx.HTTPError):
                if httpx.get(f"{api}/health", timeout=2).status_code == 200:
                    break
            if proc.poll() is not None or time.perf_counter() - started > 180:
                raise RuntimeError(f"prefect server did not start; see {log.name}")
            time.sleep(0.2)
        yield api, round(time.perf_counter() - started, 2)
    finally:
        proc.terminate()
        try:
            proc.wait(30)
        except subprocess.TimeoutExpired:
            proc.kill()
        log.close()


def postgres_url() -> str:
    """PDV_BENCH_PG_URL, else the throw-away server of .ci/postgres.sh on port 55434 (not the tests')."""
    url = os.environ.get("PDV_BENCH_PG_URL")
    if url:
        return url
    env = {**os.environ, "PGPORT": "55434", "PGDATA_DIR": "/tmp/pdv-bench-pg-55434"}
    out = subprocess.run(
        ["bash", str(ROOT / ".ci" / "postgres.sh")], check=True, capture_output=True, text=True, env=env
    )
    return out.stdout.strip().splitlines()[-1]


def fresh_database(server_url: str, name: str) -> tuple[str, str]:
    """A new empty database on the server (dropped first if there); returns (URL, server version)."""
    import sqlalchemy as sa

    admin = sa.create_engine(server_url, isolation_level="AUTOCOMMIT", poolclass=sa.pool.NullPool)
    with admin.connect() as conn:
        conn.exec_driver_sql(f'drop database if exists "{name}" with (force)')
        conn.exec_driver_sql(f'create database "{name}"')
        version = str(conn.exec_driver_sql("show server_version").scalar_one())
    admin.dispose()
    return sa.make_url(server_url).set(database=name).render_as_string(hide_password=False), version


# --------------------------------------------------------------------------------------------------
# The benchmark.
# --------------------------------------------------------------------------------------------------


class Bench:
    def __init__(self, scale: str, seed: int, timeout: float) -> None:
        self.scale, self.seed, self.timeout = scale, seed, timeout
        self.steps: dict[str, dict[str, Any]] = {}
        self.env: dict[str, str] = {}
        self.extra: dict[str, Any] = {}
        self.home = WORK / "prefect-home"
        self.dir = WORK / scale

    # ---- helpers
    def raw(self, scale: str) -> Path:
        return default_raw_dir(scale)

    def next_month(self, scale: str) -> Path:
        """January of the following year, for the incremental step (not in the raw directory)."""
        return WORK / scale / "next"

    def ensure_data(self, scale: str) -> dict[str, Any]:
        marker = read_marker(self.raw(scale))
        following = (
            read_marker(self.next_month(scale)) if SCALES[scale].layout == "consolidated" else {"seed": self.seed}
        )
        if marker is None or marker.get("seed") != self.seed or following is None or following.get("seed") != self.seed:
            nxt = self.next_month(scale) if SCALES[scale].layout == "consolidated" else None
            # In a child process: this one stays small (see ``measure``).
            code = (
                "import sys; from pathlib import Path; from pdv.synthetic.scale import generate_scale; "
                "generate_scale(Path(sys.argv[1]), sys.argv[2], int(sys.argv[3]), clean=True, "
                "next_dir=Path(sys.argv[4]) if sys.argv[4] else None)"
            )
            args = [str(self.raw(scale)), scale, str(self.seed), str(nxt or "")]
            subprocess.run([str(PY), "-c", code, *args], check=True, cwd=ROOT)
            marker = read_marker(self.raw(scale))
        assert marker is not None
        return marker

    def pdv(
        self, name: str, args: list[str], env: dict[str, str] | None = None, profile: str | None = None
    ) -> Measured:
        env = dict(env or self.env)
        if profile:
            env["PDV_BENCH_PROFILE"] = profile
        cmd = [str(PY), str(BENCH / "child.py"), "{timings}", "pdv", *args]
        return measure(cmd, WORK / "logs" / f"{self.scale}-{name}.log", env, self.timeout)

    def record(self, name: str, m: Measured | None, **info: Any) -> dict[str, Any]:
        step: dict[str, Any] = {"step": name, "at": datetime.now().isoformat(timespec="seconds")}
        step["load_avg_1m_before"] = info.pop("load", None)
        if m is not None:
            ok = m.exit_code == 0 and not m.timed_out
            step |= {
                "status": "ok" if ok else ("timeout" if m.timed_out else "failed"),
                "seconds": m.seconds,
                "peak_rss_mb": m.peak_rss_mb,
                "sampled_peak_rss_mb": round(max((r for _, r in m.samples), default=0.0), 1),
                "exit_code": m.exit_code,
                "import_seconds": m.timings.get("import_s"),
                "command_seconds": m.timings.get("command_s"),
                "log": str(m.log.relative_to(ROOT)),
            }
            if not ok:
                lines = m.log.read_text(encoding="utf-8", errors="replace").splitlines()
                lines = [ln for ln in lines if not re.search(r"leaked|nanobind|skipped remainder", ln)]
                step["error"] = "\n".join(lines[-25:])
        step |= info
        self.steps[name] = step
        return step

    def run_pipeline(
        self, name: str, raw: Path, warehouse: Path, url: str | None = None, profile: str | None = None
    ) -> Measured:
        shutil.rmtree(warehouse, ignore_errors=True)
        warehouse.mkdir(parents=True)
        env = {**self.env, "PDV_WAREHOUSE_DIR": str(warehouse)}
        url = url or f"duckdb:///{warehouse / 'warehouse.duckdb'}"
        return self.pdv(name, ["run", "--raw", str(raw), "--warehouse", url], env, profile)

    # ---- steps
    def step_generate(self, only: set[str]) -> None:
        for scale in [self.scale, *(["files5000"] if "files5000" in only else [])]:
            started = time.perf_counter()
            marker = self.ensure_data(scale)
            self.extra.setdefault("data", {})[scale] = {
                k: marker[k] for k in ("units", "summary_rows", "roster_rows", "files", "bytes", "seconds", "seed")
            }
            self.steps[f"generate_{scale}"] = {
                "step": f"generate_{scale}",
                "status": "ok",
                "seconds": marker["seconds"],
                "note": f"pdv.synthetic.scale generator (in {time.perf_counter() - started:.1f} s this run, 0 when reused)",
            }

    def step_orchestrator(self, api: str, server_start: float) -> None:
        cmd = [str(PY), str(BENCH / "child.py"), "{timings}", "noop-flow"]
        temp_env = base_env(WORK / "prefect-temp-home")  # no PREFECT_API_URL: a temporary server
        load = os.getloadavg()[0]
        without = measure(cmd, WORK / "logs" / "noop-flow-temporary-server.log", temp_env, self.timeout)
        with_server = measure(cmd, WORK / "logs" / "noop-flow-running-server.log", self.env, self.timeout)
        self.record(
            "orchestrator_start",
            without,
            load=load,
            description="temporary Prefect server start (what `pdv run` pays without PREFECT_API_URL): "
            "trivial flow without a server minus the same flow against a running one",
            seconds=round(without.seconds - with_server.seconds, 2),
            trivial_flow_temporary_server_s=without.seconds,
            trivial_flow_running_server_s=with_server.seconds,
            dedicated_server_start_s=server_start,
        )

    def step_commands(self) -> None:
        """First-contact command times on the bloc sample (bench/commands.py), whatever the --scale."""
        import importlib.util

        spec = importlib.util.spec_from_file_location("bench_commands", BENCH / "commands.py")
        assert spec is not None and spec.loader is not None
        module = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(module)
        load = os.getloadavg()[0]
        found = module.measure_commands(WORK / "commands", self.env)
        self.steps["commands"] = {
            "step": "commands",
            "at": datetime.now().isoformat(timespec="seconds"),
            "load_avg_1m_before": load,
            "status": "ok",
            "seconds": found["run_flow_start_s"],
            "description": "pdv run: command start to the flow's first phase, local Prefect server running "
            "(and --help, issues, validate, the sample's first run and one new file: see details)",
            "target": "≤ 5 s to the flow; --help ≤ 0.5 s; issues ≤ 1 s; validate ≤ 1.5 s",
            "met": all(ok for _, ok in found["targets"].values()),
            "details": found,
        }
        # The bloc's daily run, what a Board sees every day: seconds beyond the flow's start.
        for name, key, limit, what in (
            ("bloc_first_run", "sample_first_run_beyond_start_s", 15.0, "the bloc sample's first pdv run"),
            ("bloc_one_new_file", "one_new_file_beyond_start_s", 3.0, "a pdv run with one new file on it"),
        ):
            if key in found:
                self.steps[name] = {
                    "step": name,
                    "at": self.steps["commands"]["at"],
                    "status": "ok",
                    "seconds": found[key],
                    "description": f"{what}: seconds beyond the flow's start (bench/commands.py)",
                    "target": f"≤ {limit:g} s beyond the flow's start",
                    "met": found[key] <= limit,
                }

    def step_floor(self) -> None:
        db = self.dir / "floor" / "floor.duckdb"
        db.parent.mkdir(parents=True, exist_ok=True)
        load = os.getloadavg()[0]
        cmd = [str(PY), str(BENCH / "floor.py"), str(self.raw(self.scale)), str(db), "{timings}"]
        m = measure(cmd, WORK / "logs" / f"{self.scale}-floor.log", self.env, self.timeout)
        self.record(
            "floor",
            m,
            load=load,
            description="bare DuckDB: read_csv of the report CSVs and the registry into tables + one GROUP BY",
            rows=m.timings.get("rows"),
        )

    def step_pipeline(self) -> None:
        load = os.getloadavg()[0]
        m = self.run_pipeline("pipeline", self.raw(self.scale), self.dir / "wh-duckdb")
        self.record(
            "pipeline",
            m,
            load=load,
            description="pdv run into a new DuckDB warehouse: ingest, validate, load, GX checkpoint, extracts "
            "(Prefect server already running; Python start-up and imports included)",
            phases=phases(m),
            summary=_run_summary(m.log),
        )

    def step_profile(self) -> None:
        """The pipeline step again, under pyinstrument, into its own warehouse (timings not compared)."""
        out = WORK / "profile" / f"{self.scale}-pipeline"
        out.parent.mkdir(parents=True, exist_ok=True)
        load = os.getloadavg()[0]
        m = self.run_pipeline("profile", self.raw(self.scale), self.dir / "wh-profile", profile=str(out))
        text = out.with_suffix(".txt")
        if text.exists():
            RESULTS.mkdir(parents=True, exist_ok=True)
            shutil.copyfile(text, RESULTS / f"profile-{self.scale}.txt")
        self.record(
            "profile",
            m,
            load=load,
            description="pdv run as the pipeline step, under pyinstrument (5 ms sampling): "
            f"bench/results/profile-{self.scale}.txt, HTML in {out.relative_to(ROOT)}.html",
            phases=phases(m),
        )

    def step_rerun(self) -> None:
        warehouse = self.dir / "wh-duckdb"
        env = {**self.env, "PDV_WAREHOUSE_DIR": str(warehouse)}
        load = os.getloadavg()[0]
        url = f"duckdb:///{warehouse / 'warehouse.duckdb'}"
        m = self.pdv("rerun", ["run", "--raw", str(self.raw(self.scale)), "--warehouse", url], env)
        parts = phases(m)
        start = next((p["seconds"] for p in parts if p["task"].startswith("(start-up")), None)
        self.record(
            "rerun",
            m,
            load=load,
            description="pdv run again with nothing new (Prefect server already running); beyond_start_s is "
            "the time after the start-up phase (Python imports, Prefect client, flow run creation)",
            phases=parts,
            beyond_start_s=round(m.seconds - start, 2) if start is not None else None,
            summary=_run_summary(m.log),
        )

    def step_extract(self) -> None:
        warehouse = self.dir / "wh-duckdb"
        out = self.dir / "extract-Q3"
        shutil.rmtree(out, ignore_errors=True)
        year = SCALES[self.scale].year
        env = {**self.env, "PDV_WAREHOUSE_DIR": str(warehouse)}
        url = f"duckdb:///{warehouse / 'warehouse.duckdb'}"
        load = os.getloadavg()[0]
        m = self.pdv("extract", ["extract", "--period", f"{year}-Q3", "--out", str(out), "--warehouse", url], env)
        self.record(
            "extract",
            m,
            load=load,
            description=f"pdv extract --period {year}-Q3 on the pipeline's warehouse (CSV, XLSX, HTML, manifest)",
        )

    def step_backtest(self) -> None:
        """The early warning's backtest (pdv backtest) on the demo reports and on the scale's generated data.

        The demo is loaded into its own warehouse; the scale's is the pipeline step's (or loaded here if
        that step has not run). Quality figures, not timings: the projection against the naive one.
        """
        results: dict[str, Any] = {}
        year = SCALES[self.scale].year
        sources = {
            "demo": (ROOT / "data" / "raw", WORK / "demo" / "wh-duckdb"),
            self.scale: (self.raw(self.scale), self.dir / "wh-duckdb"),
        }
        load = os.getloadavg()[0]
        last: Measured | None = None
        for name, (raw, warehouse) in sources.items():
            db = warehouse / "warehouse.duckdb"
            if not db.exists() or (name == self.scale and not self._pipeline_ok()):
                self.run_pipeline(f"backtest-load-{name}", raw, warehouse)
            env = {**self.env, "PDV_WAREHOUSE_DIR": str(warehouse)}
            last = m = self.pdv(
                f"backtest-{name}",
                ["backtest", "--year", str(year), "--format", "json", "--warehouse", f"duckdb:///{db}"],
                env,
            )
            text = m.log.read_text(encoding="utf-8", errors="replace")
            start = text.find("[")
            with contextlib.suppress(ValueError):
                rows, _ = json.JSONDecoder().raw_decode(text[start:]) if start >= 0 else ([], 0)
                june = next((r for r in rows if r["month"] == 6), None)
                results[name] = {"by_month": rows, "end_of_q2": june}
                if june is not None:
                    results[name]["beats_naive_by_q2"] = bool(june["mae"] < june["naive_mae"])
        self.record(
            "backtest",
            last,
            load=load,
            description=f"pdv backtest --year {year}: each month end's projection against the actual year end, "
            "and the naive projection (so far x 12 / months), on the demo reports and the scale's data",
            backtest=results,
        )

    def step_postgres(self) -> None:
        load = os.getloadavg()[0]
        try:
            server = postgres_url()
            url, version = fresh_database(server, f"pdv_bench_{self.scale}")
        except Exception as exc:  # no server: record it, go on
            self.record("postgres", None, load=load, status="failed", error=f"{type(exc).__name__}: {exc}")
            return
        self.extra["postgresql"] = version
        m = self.run_pipeline("postgres", self.raw(self.scale), self.dir / "wh-postgres", url=url)
        self.record(
            "postgres",
            m,
            load=load,
            description="pdv run into a new PostgreSQL database (server memory not counted)",
            phases=phases(m),
            summary=_run_summary(m.log),
        )

    def step_files5000(self) -> None:
        self.ensure_data("files5000")
        load = os.getloadavg()[0]
        m = self.run_pipeline("files5000", self.raw("files5000"), WORK / "files5000" / "wh-duckdb")
        self.record(
            "files5000",
            m,
            load=load,
            description="pdv run on 5,000 single-unit .xlsx reports (1,000 units x 5 months) into a new DuckDB warehouse",
            phases=phases(m),
            summary=_run_summary(m.log),
        )

    def step_incremental(self) -> None:
        """A new month (January of the next year) added to a warehouse holding one month (December)
        and to one holding the whole year (a copy of the pipeline step's warehouse)."""
        raw, nxt = self.raw(self.scale), self.next_month(self.scale) / "reports"
        year = SCALES[self.scale].year
        results: dict[str, Any] = {}
        for label, months in (("after_1_month", [12]), ("after_12_months", list(range(1, 13)))):
            base = self.dir / f"incremental-{label}"
            shutil.rmtree(base, ignore_errors=True)
            inc_raw = base / "raw"
            for part in ("plan", "reference"):
                shutil.copytree(raw / part, inc_raw / part, copy_function=os.link)
            for month in months:
                shutil.copytree(raw / "reports" / str(year) / f"{month:02d}",
                                inc_raw / "reports" / str(year) / f"{month:02d}", copy_function=os.link)  # fmt: skip
            full = self.dir / "wh-duckdb"
            setup_info: dict[str, Any]
            if len(months) == 12 and (full / "warehouse.duckdb").exists() and self._pipeline_ok():
                started = time.perf_counter()
                shutil.copytree(full, base / "wh")  # the year as the pipeline step loaded it
                setup_info = {
                    "setup": f"copy of {full.relative_to(ROOT)}",
                    "setup_seconds": round(time.perf_counter() - started, 2),
                }
            else:
                setup = self.run_pipeline(f"incremental-{label}-setup", inc_raw, base / "wh")
                setup_info = {"setup": "pdv run on the history", "setup_seconds": setup.seconds,
                              "setup_peak_rss_mb": setup.peak_rss_mb}  # fmt: skip
                if setup.exit_code != 0:
                    self.record(f"incremental_{label}", None, status="failed", error=f"setup failed, see {setup.log}")
                    continue
            shutil.copytree(nxt, inc_raw / "reports", copy_function=os.link, dirs_exist_ok=True)
            env = {**self.env, "PDV_WAREHOUSE_DIR": str(base / "wh")}
            url = f"duckdb:///{base / 'wh' / 'warehouse.duckdb'}"
            load = os.getloadavg()[0]
            m = self.pdv(f"incremental-{label}", ["run", "--raw", str(inc_raw), "--warehouse", url], env)
            results[label] = self.record(
                f"incremental_{label}",
                m,
                load=load,
                description=f"January {year + 1}'s files added to a warehouse holding {len(months)} month(s) of {year}",
                **setup_info,
                phases=phases(m),
                summary=_run_summary(m.log),
            )
        one, many = results.get("after_1_month", {}), results.get("after_12_months", {})
        if one.get("status") == "ok" and many.get("status") == "ok":
            self.steps["incremental_ratio"] = {
                "step": "incremental_ratio",
                "status": "ok",
                "seconds": None,
                "ratio": round(many["seconds"] / one["seconds"], 2),
                "description": "time to add a month to a year of history / time to add it to one month",
            }

    def _pipeline_ok(self) -> bool:
        step = self.steps.get("pipeline")
        if step is None:  # from an earlier partial run of the same scale
            with contextlib.suppress(OSError, ValueError):
                previous = json.loads((RESULTS / "latest.json").read_text(encoding="utf-8"))
                if previous.get("scale") == self.scale:
                    step = previous["steps"].get("pipeline")
        return bool(step and step.get("status") == "ok")

    # ---- the whole run
    def run(self, only: set[str]) -> None:
        (WORK / "logs").mkdir(parents=True, exist_ok=True)
        self.step_generate(only)  # reuses a complete set with the same seed
        with prefect_server(self.home) as (api, server_start):
            self.env = {**base_env(self.home), "PREFECT_API_URL": api}
            for name in [*STEPS[1:], *EXTRA_STEPS]:
                if name not in only:
                    continue
                print(f"[bench] {self.scale}: {name} …", flush=True)
                started = time.perf_counter()
                if name == "orchestrator":
                    self.step_orchestrator(api, server_start)
                else:
                    getattr(self, f"step_{name}")()
                print(f"[bench] {self.scale}: {name} done in {time.perf_counter() - started:.1f} s", flush=True)


def _run_summary(log: Path) -> str | None:
    """The CLI's closing line (status, files, rows, issues)."""
    text = log.read_text(encoding="utf-8", errors="replace")
    hit = re.search(r"^(succeeded|nothing_new|failed|partial)[^\n]*(?:\n[^\n|]+)?", text, re.M)
    return " ".join(hit.group(0).split()) if hit else None


# --------------------------------------------------------------------------------------------------
# Targets and reports.
# --------------------------------------------------------------------------------------------------


def evaluate(steps: dict[str, dict[str, Any]], scale: str) -> None:
    """Ratios to the floor and the issue's targets (those stated for national scale apply there)."""
    floor = steps.get("floor", {}).get("seconds") if steps.get("floor", {}).get("status") == "ok" else None
    duck = steps.get("pipeline", {})
    national = scale == "national"
    for name, step in steps.items():
        secs = step.get("seconds")
        if (
            floor
            and isinstance(secs, int | float)
            and step.get("exit_code") is not None  # a measured process (not generation, not a ratio)
            and name != "orchestrator_start"  # a difference of two runs
            and step.get("status") == "ok"
        ):
            step["ratio_to_floor"] = round(secs / floor, 2)
        rss = step.get("peak_rss_mb")
        if national and isinstance(rss, int | float) and name != "floor":
            step["rss_target_mb"] = RSS_LIMIT_MB
            step["rss_met"] = rss <= RSS_LIMIT_MB
    targets: dict[str, tuple[str, Any]] = {
        "pipeline": ("≤ 4× floor", lambda s: floor is not None and s["seconds"] <= 4 * floor),
        "rerun": (
            "≤ 2 s beyond orchestrator start",
            lambda s: s.get("beyond_start_s") is not None and s["beyond_start_s"] <= 2.0,
        ),
        "extract": ("≤ 1 s", lambda s: s["seconds"] <= 1.0),
        "postgres": (
            "≤ 2× DuckDB pipeline",
            lambda s: duck.get("status") == "ok" and s["seconds"] <= 2 * duck["seconds"],
        ),
        "files5000": ("≤ 60 s", lambda s: s["seconds"] <= 60.0),
        "incremental_ratio": ("≤ 1.25 (same cost whatever the history)", lambda s: s["ratio"] <= 1.25),
    }
    for name, (text, check) in targets.items():
        if name not in steps:
            continue
        step = steps[name]
        step["target"] = (
            text if (national or name in ("files5000", "incremental_ratio", "rerun")) else text + " (national)"
        )
        step["met"] = bool(step.get("status") == "ok" and check(step))
        if name == "postgres" and duck.get("status") == "ok" and step.get("status") == "ok":
            step["ratio_to_duckdb_pipeline"] = round(step["seconds"] / duck["seconds"], 2)


def machine() -> dict[str, Any]:
    from importlib.metadata import version

    cpu = next(
        (
            ln.split(":", 1)[1].strip()
            for ln in Path("/proc/cpuinfo").read_text().splitlines()
            if ln.startswith("model name")
        ),
        platform.processor(),
    )
    mem = next(int(ln.split()[1]) for ln in Path("/proc/meminfo").read_text().splitlines() if ln.startswith("MemTotal"))
    commit = subprocess.run(["git", "rev-parse", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    dirty = bool(
        subprocess.run(["git", "status", "--porcelain"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    )
    return {
        "cpu": cpu,
        "cores": os.cpu_count(),
        "memory_gb": round(mem / 1024 / 1024, 1),
        "os": platform.platform(),
        "python": platform.python_version(),
        "versions": {
            p: version(p)
            for p in ("duckdb", "pandas", "numpy", "pandera", "prefect", "great-expectations", "sqlalchemy", "psycopg")
        },
        "git_commit": commit + ("+dirty" if dirty else ""),
    }


def _fmt(value: Any, spec: str = "") -> str:
    if value is None or value == "":
        return "–"
    if isinstance(value, bool):
        return "yes" if value else "**no**"
    return format(value, spec) if spec else str(value)


def markdown(report: dict[str, Any]) -> str:
    m = report["machine"]
    lines = [
        f"# Benchmark: {report['scale']} scale ({report['finished_at']})",
        "",
        f"{m['cpu']}, {m['cores']} cores, {m['memory_gb']} GB; Python {m['python']}; "
        + ", ".join(f"{k} {v}" for k, v in m["versions"].items())
        + (f"; PostgreSQL {report['postgresql']}" if report.get("postgresql") else "")
        + f"; commit `{m['git_commit']}`.",
        "",
        "Data: "
        + "; ".join(
            f"{k}: {v['units']:,} units, {v['summary_rows']:,} summary rows, {v['roster_rows']:,} roster rows, "
            f"{v['files']:,} files ({v['bytes'] / 1e6:.0f} MB)"
            for k, v in report.get("data", {}).items()
        ),
        "",
        "| step | status | seconds | import s | peak RSS MB | × floor | target | met |",
        "|---|---|---:|---:|---:|---:|---|---|",
    ]
    for step in report["steps"].values():
        secs = step.get("seconds") if step.get("seconds") is not None else step.get("ratio")
        target = step.get("target", "")
        met = step.get("met")
        if step.get("beyond_start_s") is not None:
            target += f" (measured: {step['beyond_start_s']} s)"
        # The memory target is the pipeline's, PostgreSQL's and a new month's; any other step
        # shows it only when it is over.
        if step.get("rss_met") is False or (step["step"] in MEMORY_TARGETS and "rss_met" in step):
            target = (target + "; " if target else "") + f"RSS ≤ {RSS_LIMIT_MB} MB"
            met = step["rss_met"] if met is None else (met and step["rss_met"])
        lines.append(
            "| {} | {} | {} | {} | {} | {} | {} | {} |".format(
                step["step"] + (" (ratio)" if step["step"] == "incremental_ratio" else ""),
                step.get("status", ""),
                _fmt(secs),
                _fmt(step.get("import_seconds")),
                _fmt(step.get("peak_rss_mb")),
                _fmt(step.get("ratio_to_floor")),
                target or "–",
                _fmt(met),
            )
        )
    lines += [
        "",
        "Seconds are wall time of a fresh process (Python start-up and imports included, `import s` is their part);",
        "the Prefect server runs throughout, so `pdv run` steps exclude orchestrator start, reported as",
        "`orchestrator_start`. Peak RSS is the largest resident set of the step's processes (GNU time).",
    ]
    slow = [(n, s) for n, s in report["steps"].items() if s.get("phases")]
    for name, step in slow:
        lines += ["", f"### {name}: time per flow task", "", "| task | seconds | peak RSS MB |", "|---|---:|---:|"]
        lines += [f"| {p['task']} | {p['seconds']} | {_fmt(p['peak_rss_mb'])} |" for p in step["phases"]]
    failed = [s for s in report["steps"].values() if s.get("status") in ("failed", "timeout")]
    for step in failed:
        lines += ["", f"### {step['step']} {step['status']}", "", "```", step.get("error", "")[-3000:], "```"]
    return "\n".join(lines) + "\n"


def write_results(bench: Bench, only: set[str]) -> None:
    RESULTS.mkdir(parents=True, exist_ok=True)
    path = RESULTS / "latest.json"
    previous: dict[str, Any] = {}
    with contextlib.suppress(OSError, ValueError):
        previous = json.loads(path.read_text(encoding="utf-8"))
    kept = previous.get("scale") == bench.scale and not set(STEPS) <= only  # a partial run updates the last one
    steps = dict(previous.get("steps", {})) if kept else {}
    steps.update(bench.steps)
    order = [
        "generate_" + bench.scale, "generate_files5000", "orchestrator_start", "floor", "pipeline", "rerun", "extract",
        "postgres", "files5000", "incremental_after_1_month", "incremental_after_12_months", "incremental_ratio",
        "profile", "backtest",
    ]  # fmt: skip
    steps = {k: steps[k] for k in [*order, *sorted(set(steps) - set(order))] if k in steps}
    evaluate(steps, bench.scale)
    report = {
        "scale": bench.scale,
        "seed": bench.seed,
        "finished_at": datetime.now().isoformat(timespec="seconds"),
        "machine": machine(),
        "data": {**(previous.get("data", {}) if kept else {}), **bench.extra.get("data", {})},
        "postgresql": bench.extra.get("postgresql") or previous.get("postgresql"),
        "steps": steps,
    }
    tmp = path.with_suffix(".json.tmp")
    tmp.write_text(json.dumps(report, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(tmp, path)
    (RESULTS / "latest.md").write_text(markdown(report), encoding="utf-8")
    print((RESULTS / "latest.md").read_text(encoding="utf-8"))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--scale", default="national", choices=[s for s in SCALES if s != "files5000"])
    parser.add_argument(
        "--only", default=",".join(STEPS), help=f"comma-separated steps of: {', '.join(STEPS + EXTRA_STEPS)}"
    )
    parser.add_argument("--seed", type=int, default=2024)
    parser.add_argument("--timeout", type=float, default=3600, help="seconds before a step is killed")
    parser.add_argument(
        "--profile", action="store_true", help="also run the pipeline under pyinstrument (step profile)"
    )
    args = parser.parse_args()
    only = {s.strip() for s in args.only.split(",") if s.strip()} | ({"profile"} if args.profile else set())
    unknown = only - set(STEPS) - set(EXTRA_STEPS)
    if unknown:
        parser.error(f"unknown steps: {', '.join(sorted(unknown))}")
    bench = Bench(args.scale, args.seed, args.timeout)
    try:
        bench.run(only)
    finally:
        write_results(bench, only)


if __name__ == "__main__":
    main()
