"""Faults: two runs at once, SIGKILL at several points, and PostgreSQL stopping mid-run."""

from __future__ import annotations

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
import uuid
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pdv.settings import PROJECT_ROOT, Settings
from pdv.warehouse import destination_for
from tests.helpers import pg_database

BIN = Path(sys.executable).parent
RUN_COLUMNS = {"run_id", "first_run_id", "last_run_id", "resolved_run_id"}
TABLES = {
    "dim_unit": "unit_key",
    "dim_plan": "plan_key",
    "dim_period": "period",
    "fact_target": "file_id, unit_key, year, source",
    "fact_unit_month": "file_id, unit_key, period_month",
    "fact_admission": "file_id, person_key",
    "restricted_person": "person_key, file_id",
    "source_file": "file_id",
    "source_header": "file_id, sheet, column_name",
    "dq_issue": "issue_id",
}


def state(url: str) -> dict[str, pd.DataFrame]:
    """The warehouse's data, without what differs between two runs of the same input (run ids)."""
    dest = destination_for(url)
    try:
        out = {}
        for table, key in TABLES.items():
            frame = dest.read_sql(f"select * from {table} order by {key}")
            out[table] = frame.drop(columns=[c for c in frame.columns if c in RUN_COLUMNS])
        runs = dest.read_sql("select status from load_run")
        out["_failed_or_partial_runs"] = runs[~runs["status"].isin(["succeeded", "nothing_new", "failed"])]
        return out
    finally:
        dest.dispose()


def assert_same(a: dict[str, pd.DataFrame], b: dict[str, pd.DataFrame]) -> None:
    for table in a:
        pd.testing.assert_frame_equal(
            a[table].reset_index(drop=True), b[table].reset_index(drop=True), check_dtype=False, obj=table
        )


@pytest.fixture
def small_raw(raw_dir: Path) -> Path:
    """The plan plus the reports of two months (a quick but complete run)."""
    for month in ("02", "03"):
        src = PROJECT_ROOT / "data" / "raw" / "reports" / "2024" / month
        shutil.copytree(src, raw_dir / "reports" / "2024" / month)
    return raw_dir


@pytest.fixture(params=["duckdb", "postgresql"])
def urls(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[tuple[str, str]]:
    """Two empty warehouses of one kind: one for the faulty runs, one for the reference run."""
    if request.param == "duckdb":
        yield f"duckdb:///{tmp_path / 'a' / 'w.duckdb'}", f"duckdb:///{tmp_path / 'b' / 'w.duckdb'}"
        return
    server = request.getfixturevalue("pg_server_url")
    with pg_database(server, "pdv_ops") as a, pg_database(server, "pdv_ops") as b:
        yield a, b


def pdv_run(raw: Path, url: str, wh: Path, env: dict[str, str], **extra: str) -> subprocess.Popen[str]:
    env = env | {"PDV_WAREHOUSE_DIR": str(wh), **extra}
    return subprocess.Popen(
        [str(BIN / "pdv"), "run", "--raw", str(raw), "--warehouse", url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )


def finish(proc: subprocess.Popen[str]) -> str:
    out, _ = proc.communicate(timeout=600)
    assert proc.returncode == 0, out[-3000:]
    return out


def test_two_runs_at_once_equal_one_run(
    prefect_server: tuple[str, dict[str, str]], small_raw: Path, urls: tuple[str, str], tmp_path: Path
) -> None:
    _, env = prefect_server
    first, second = (pdv_run(small_raw, urls[0], tmp_path / "wh-a", env) for _ in range(2))
    outputs = [finish(first), finish(second)]
    assert sum("nothing_new" in o for o in outputs) == 1  # the second waited for the lock, then found nothing new
    finish(pdv_run(small_raw, urls[1], tmp_path / "wh-b", env))
    assert_same(state(urls[0]), state(urls[1]))


@pytest.mark.parametrize("point", ["read", "load", "extract"])
def test_sigkill_at_any_point_leaves_the_warehouse_whole(
    prefect_server: tuple[str, dict[str, str]], small_raw: Path, urls: tuple[str, str], tmp_path: Path, point: str
) -> None:
    _, env = prefect_server
    marker = tmp_path / "paused"
    victim = pdv_run(small_raw, urls[0], tmp_path / "wh-a", env, PDV_PAUSE_AT=point, PDV_PAUSE_FILE=str(marker))
    deadline = time.monotonic() + 300
    while not marker.exists():
        assert victim.poll() is None, victim.communicate()[0][-3000:]
        assert time.monotonic() < deadline, f"the run never reached {point}"
        time.sleep(0.2)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(30)
    finish(pdv_run(small_raw, urls[0], tmp_path / "wh-a", env))
    finish(pdv_run(small_raw, urls[1], tmp_path / "wh-b", env))
    assert_same(state(urls[0]), state(urls[1]))
    for csv in (tmp_path / "wh-b" / "extracts").rglob("*.csv"):
        twin = tmp_path / "wh-a" / csv.relative_to(tmp_path / "wh-b")
        assert twin.read_bytes() == csv.read_bytes(), csv.name


@pytest.mark.usefixtures("prefect_harness")
def test_postgres_stopping_mid_run_is_retried_then_fails_clearly(
    small_raw: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    import flows.pipeline as fp

    pgdata = Path(f"/tmp/pdv-pg-stop-{uuid.uuid4().hex[:8]}")  # the postgres user must reach it
    with socket.socket() as sock:  # a free port: a fixed one may be taken (make bench's server, say)
        sock.bind(("127.0.0.1", 0))
        port = sock.getsockname()[1]
    env = os.environ | {"PGPORT": str(port), "PGDATA_DIR": str(pgdata)}
    url = (
        subprocess.run(
            ["bash", str(PROJECT_ROOT / ".ci" / "postgres.sh")], env=env, check=True, capture_output=True, text=True
        )
        .stdout.strip()
        .splitlines()[-1]
    )
    attempts = []
    read_batch, load_run = fp.read_batch, fp.load_run

    def read_then_stop_postgres(*args, **kwargs):  # type: ignore[no-untyped-def]
        parsed = read_batch(*args, **kwargs)
        pg_ctl = next(Path("/usr/lib/postgresql").glob("*/bin/pg_ctl"))
        cmd = [str(pg_ctl), "-D", str(pgdata), "stop", "-m", "immediate"]
        subprocess.run(["runuser", "-u", "postgres", "--", *cmd] if os.getuid() == 0 else cmd, check=True)
        return parsed

    def counted_load(*args, **kwargs):  # type: ignore[no-untyped-def]
        attempts.append(1)
        return load_run(*args, **kwargs)

    monkeypatch.setattr(fp, "read_batch", read_then_stop_postgres)
    monkeypatch.setattr(fp, "load_run", counted_load)
    settings = Settings(raw_dir=small_raw, warehouse_dir=tmp_path / "wh", warehouse_url=url)
    state_ = fp.pipeline(settings, return_state=True)
    assert state_.is_failed()
    assert len(attempts) == 3  # the first try and two retries
    assert "warehouse unreachable" in (state_.message or "") and "Traceback" not in (state_.message or "")
    shutil.rmtree(pgdata, ignore_errors=True)
