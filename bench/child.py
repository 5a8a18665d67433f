"""One benchmark step in a fresh process: a ``pdv`` command run in-process, timed in two parts.

    python bench/child.py TIMINGS.json pdv run --raw DIR --warehouse URL
    python bench/child.py TIMINGS.json noop-flow        # a trivial Prefect flow (orchestrator start)

Writes ``{"import_s", "command_s", "exit_code"}`` to TIMINGS.json: the time to import the CLI (the
Python start-up and imports a user pays on every command) apart from the command itself. The parent
(bench/run.py) measures the wall time and peak RSS of the whole process, exit included. With
``PDV_BENCH_PROFILE=path`` set, the command runs under pyinstrument and ``path.txt``/``path.html``
are written (the import is not profiled).
"""

from __future__ import annotations

import json
import os
import sys
import time
import traceback
from pathlib import Path
from typing import Any

STARTED = time.perf_counter()


def _noop_flow() -> int:
    from prefect import flow

    @flow(name="pdv-bench-noop")
    def noop() -> int:
        return 1

    return 0 if noop() == 1 else 1


def _run(command: list[str], times: dict[str, float]) -> int:
    """Import what the command needs (timed apart), then run it."""
    import pdv  # noqa: F401  (offline Prefect/GX settings, as the CLI does)

    app: Any = None
    if command[:1] == ["pdv"]:
        from pdv.cli import app
    elif command == ["noop-flow"]:
        import prefect  # noqa: F401  (imported before the clock starts, as the CLI's imports are)
    else:
        raise SystemExit(f"unknown command {command!r}")
    times["imported"] = time.perf_counter()
    profile = os.environ.get("PDV_BENCH_PROFILE")
    profiler = None
    if profile:
        from pyinstrument import Profiler

        profiler = Profiler(interval=0.005)
        profiler.start()
    code = 1
    try:
        if app is None:
            code = _noop_flow()
        else:
            result = app(command[1:], standalone_mode=False)
            code = int(result) if isinstance(result, int) else 0
    except SystemExit as exc:
        code = exc.code if isinstance(exc.code, int) else 1
    except Exception:
        traceback.print_exc()
        code = 1
    finally:
        times["done"] = time.perf_counter()
        if profiler is not None:
            profiler.stop()
            Path(f"{profile}.txt").write_text(profiler.output_text(unicode=True, color=False), encoding="utf-8")
            Path(f"{profile}.html").write_text(profiler.output_html(), encoding="utf-8")
    return code


def main() -> None:
    out, command = Path(sys.argv[1]), sys.argv[2:]
    times: dict[str, float] = {}
    code = _run(command, times)
    timings = {
        "import_s": round(times["imported"] - STARTED, 3),
        "command_s": round(times["done"] - times["imported"], 3),
        "exit_code": code,
    }
    out.write_text(json.dumps(timings) + "\n", encoding="utf-8")
    if command[:1] == ["pdv"]:
        from pdv.orchestrator import end_process

        end_process(code)  # as the ``pdv`` executable ends (pdv.cli.cli)
    sys.exit(code)


if __name__ == "__main__":
    main()
