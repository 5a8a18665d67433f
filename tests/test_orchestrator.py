"""pdv.orchestrator.end_process: the exit a command would make, without the interpreter's teardown."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import pytest

from pdv.settings import PROJECT_ROOT

SCRIPT = """
import atexit, sys, threading, time
from pdv.orchestrator import end_process
mode = sys.argv[1]
atexit.register(lambda: open(sys.argv[2], "a").write("atexit ran\\n"))
print("output before the exit", flush=False)  # left in the buffer: end_process must flush it
if mode == "thread":
    threading.Thread(target=lambda: (time.sleep(0.5), open(sys.argv[2], "a").write("thread finished\\n"))).start()
end_process({"ok": 0, "fail": 3, "message": "lỗi / failed", "thread": 0}[mode])
"""


def _end(mode: str, tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], str]:
    marks = tmp_path / f"{mode}.txt"
    proc = subprocess.run(
        [sys.executable, "-c", SCRIPT, mode, str(marks)],
        capture_output=True,
        text=True,
        cwd=PROJECT_ROOT,
        timeout=60,
    )
    return proc, marks.read_text(encoding="utf-8") if marks.exists() else ""


@pytest.mark.parametrize(("mode", "status"), [("ok", 0), ("fail", 3), ("message", 1)])
def test_end_process_keeps_the_status_output_and_atexit_handlers(mode: str, status: int, tmp_path: Path) -> None:
    proc, marks = _end(mode, tmp_path)
    assert proc.returncode == status, proc.stderr
    assert "output before the exit" in proc.stdout
    assert "atexit ran" in marks
    assert ("lỗi / failed" in proc.stderr) == (mode == "message")


def test_end_process_waits_for_a_running_thread(tmp_path: Path) -> None:
    proc, marks = _end("thread", tmp_path)
    assert proc.returncode == 0, proc.stderr
    assert "thread finished" in marks and "atexit ran" in marks
