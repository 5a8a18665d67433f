"""Console upload check time for a one-unit workbook (target: at most 2 s), part of `make bench`.

Posts the workbook to the console's upload check (validation with the `pdv validate` readers and
rules, and the result page) through the ASGI app, five times after a warm-up, and writes
bench/results/console-upload.json.
"""

from __future__ import annotations

import json
import re
import shutil
import statistics
import sys
import tempfile
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from fastapi.testclient import TestClient  # noqa: E402

from pdv.console import accounts  # noqa: E402
from pdv.console.app import create_app  # noqa: E402
from pdv.settings import Settings  # noqa: E402
from tests.console.workbooks import report  # noqa: E402


def main() -> None:
    work = Path(tempfile.mkdtemp(prefix="pdv-console-bench-"))
    raw = work / "raw"
    for part in ("plan", "reference"):
        shutil.copytree(ROOT / "data" / "raw" / part, raw / part)
    settings = Settings(raw_dir=raw, warehouse_dir=work / "wh")
    app = create_app(settings, start_worker=False)
    accounts.add(app.state.store, settings, "syt", "unit", "SYT", "bench-password")
    # The console tests' own one-unit workbook (two admissions, consistent figures).
    content = report(work / "one-unit.xlsx", "SYT", "2024-05", date(2024, 6, 3)).read_bytes()
    times = []
    with TestClient(app) as client:
        token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
        assert token
        client.post("/login", data={"name": "syt", "password": "bench-password", "csrf": token.group(1)})
        for i in range(6):
            started = time.perf_counter()
            r = client.post("/upload", data={"csrf": token.group(1)}, files=[("files", ("one-unit.xlsx", content))])
            elapsed = time.perf_counter() - started
            assert r.status_code == 200 and "upload-result" in r.text, r.text[-500:]
            if i:  # the first request pays the imports
                times.append(elapsed)
    result = {
        "step": "console_upload_check",
        "median_seconds": round(statistics.median(times), 3),
        "max_seconds": round(max(times), 3),
        "target_seconds": 2.0,
        "met": max(times) <= 2.0,
    }
    out = ROOT / "bench" / "results" / "console-upload.json"
    out.write_text(json.dumps(result, indent=2) + "\n", encoding="utf-8")
    print(json.dumps(result))
    shutil.rmtree(work, ignore_errors=True)


if __name__ == "__main__":
    main()
