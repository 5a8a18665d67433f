"""The first-contact command times (``make bench --only commands``): whole processes, as a user starts them.

* ``pdv --help``                                       target ≤ 0.5 s
* ``pdv issues`` on the sample warehouse               target ≤ 1 s
* ``pdv validate`` of one single-unit workbook         target ≤ 1.5 s
* ``pdv run``: command start to the flow's first phase target ≤ 5 s (the local Prefect server running)
* the bloc sample's first ``pdv run`` and a run with one new file (whole process, and beyond the flow start)

Each time is the best of three runs (the first ``pdv run`` is measured once).
"""

from __future__ import annotations

import os
import shutil
import subprocess
import time
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent


def _timed(cmd: list[str], env: dict[str, str], cwd: Path = ROOT) -> tuple[float, float | None, str]:
    """Wall seconds of a whole process, and seconds until it printed its first phase line."""
    started = time.perf_counter()
    proc = subprocess.Popen(cmd, env=env, cwd=cwd, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, text=True)
    first: float | None = None
    lines: list[str] = []
    assert proc.stderr is not None
    for line in proc.stderr:
        lines.append(line)
        if first is None and line.startswith("pdv: files scanned"):
            # The scan's own seconds are part of the flow, not of its start-up.
            scan = float(line.rsplit("(", 1)[1].split(" s)")[0])
            first = time.perf_counter() - started - scan
    proc.wait()
    if proc.returncode not in (0, 1):
        raise RuntimeError(f"{cmd} exited {proc.returncode}: {''.join(lines[-20:])}")
    return time.perf_counter() - started, first, "".join(lines)


def _best(cmd: list[str], env: dict[str, str], n: int = 3) -> float:
    return round(min(_timed(cmd, env)[0] for _ in range(n)), 3)


def measure_commands(work: Path, base_env: dict[str, str]) -> dict[str, Any]:
    """Run the sample's first pipeline run into a fresh warehouse, then time the commands against it."""
    pdv = str(Path(os.environ.get("VIRTUAL_ENV", ROOT / ".venv")) / "bin" / "pdv")
    if not Path(pdv).exists():
        pdv = str(ROOT / ".venv" / "bin" / "pdv")
    wh = work / "sample-wh"
    raw = work / "sample-raw"
    shutil.rmtree(wh, ignore_errors=True)
    shutil.rmtree(raw, ignore_errors=True)
    shutil.copytree(ROOT / "data" / "raw", raw)
    held = raw / "reports" / "2025" / "12"
    spare = sorted(held.glob("*")) if held.exists() else []
    one_new = spare[0] if spare else None
    aside = work / "one-new-file"
    shutil.rmtree(aside, ignore_errors=True)
    aside.mkdir(parents=True)
    if one_new is not None:
        shutil.move(one_new, aside / one_new.name)
    home = work / "local-prefect-home"
    env = {k: v for k, v in base_env.items() if k != "PREFECT_API_URL"}
    env |= {"PREFECT_HOME": str(home), "PDV_WAREHOUSE_DIR": str(wh), "PDV_ORCHESTRATOR": "local"}
    url = f"duckdb:///{wh / 'warehouse.duckdb'}"
    out: dict[str, Any] = {}
    try:
        subprocess.run([pdv, "server", "stop"], env=env, capture_output=True, check=False)
        # A cold start of the local server is measured apart: it happens once per machine session.
        t0 = time.perf_counter()
        first_total, first_flow, _ = _timed([pdv, "run", "--raw", str(raw), "--warehouse", url], env)
        out["sample_first_run_s"] = round(first_total, 2)
        out["sample_first_run_flow_start_s"] = round(first_flow or 0, 2)
        out["sample_first_run_beyond_start_s"] = round(first_total - (first_flow or 0), 2)
        out["local_server_cold"] = "started by the first run"
        starts = []
        for _ in range(3):
            total, flow, _ = _timed([pdv, "run", "--raw", str(raw), "--warehouse", url], env)
            starts.append((flow or total, total))
        out["run_flow_start_s"] = round(min(s for s, _ in starts), 2)
        out["rerun_nothing_new_s"] = round(min(t for _, t in starts), 2)
        if one_new is not None:
            shutil.move(aside / one_new.name, one_new)
            total, flow, _ = _timed([pdv, "run", "--raw", str(raw), "--warehouse", url], env)
            out["one_new_file_s"] = round(total, 2)
            out["one_new_file_beyond_start_s"] = round(total - (flow or 0), 2)
        out["help_s"] = _best([pdv, "--help"], env)
        out["issues_s"] = _best([pdv, "issues", "--warehouse", url], env)
        workbook = ROOT / "tests" / "data" / "reports" / "dup_a_syt_2024-03.xlsx"
        out["validate_one_workbook_s"] = _best([pdv, "validate", str(workbook), "--warehouse", url], env)
        out["setup_s"] = round(time.perf_counter() - t0, 1)
    finally:
        subprocess.run([pdv, "server", "stop"], env=env, capture_output=True, check=False)
    out["targets"] = {
        "help_s": ("≤ 0.5 s", out.get("help_s", 99) <= 0.5),
        "issues_s": ("≤ 1 s", out.get("issues_s", 99) <= 1.0),
        "validate_one_workbook_s": ("≤ 1.5 s", out.get("validate_one_workbook_s", 99) <= 1.5),
        "run_flow_start_s": ("≤ 5 s", out.get("run_flow_start_s", 99) <= 5.0),
    }
    return out
