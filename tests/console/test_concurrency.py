"""The console stays usable while a run writes: pages answer within 1 s (request timeout) on both databases."""

from __future__ import annotations

import fcntl
import os
import re
from datetime import date
from pathlib import Path

import httpx
import sqlalchemy as sa

from pdv.warehouse.duckdb import DuckDBDestination
from tests.console.conftest import PASSWORD, Console, wait_for
from tests.console.workbooks import report

PAGES = ["/", "/issues", "/issues?status=", "/units/SYT", "/runs", "/upload/status", "/extracts"]


def signed_in(base: str, name: str) -> httpx.Client:
    client = httpx.Client(base_url=base, timeout=30, follow_redirects=True)
    token = re.search(r'name="csrf" value="([^"]+)"', client.get("/login").text)
    assert token
    r = client.post("/login", data={"name": name, "password": PASSWORD, "csrf": token.group(1)})
    assert r.status_code == 200 and "Tổng quan" in r.text
    return client


def run_holds_warehouse(con: Console) -> bool:
    url = con.settings.database_url
    if url.startswith("duckdb"):
        fd = os.open(f"{DuckDBDestination(url).path}.lock", os.O_RDWR)
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:
            return True
        finally:
            os.close(fd)
        return False
    engine = sa.create_engine(url, poolclass=sa.pool.NullPool)
    with engine.connect() as conn:
        held = conn.exec_driver_sql(
            "select count(*) from pg_locks where locktype = 'advisory' and granted"
        ).scalar_one()
    engine.dispose()
    return bool(held)


def test_pages_answer_while_a_run_writes(live: tuple[str, Console, Path]) -> None:
    base, con, pause = live
    steward = signed_in(base, "ban")
    assert steward.get("/").status_code == 200  # the last good read the console may fall back on
    report(con.settings.raw_dir / "reports/2024/04/SYT_2024-04.xlsx", "SYT", "2024-04", date(2024, 5, 3))
    worker = con.app.state.worker
    worker.extra_env.update(PDV_PAUSE_AT="load", PDV_PAUSE_SECONDS="8")  # everything written, nothing committed
    token = re.search(r'name="csrf" value="([^"]+)"', steward.get("/runs").text)
    assert token
    assert steward.post("/runs", data={"csrf": token.group(1)}).status_code == 200
    wait_for(pause.exists)
    assert run_holds_warehouse(con)
    for path in PAGES:
        r = steward.get(path, timeout=1.0)  # a page that waited on the run would time out here
        assert r.status_code == 200, (path, r.text[-1000:])
        assert "Đã có lỗi" not in r.text
    assert run_holds_warehouse(con)  # the pages above were served while the run held the warehouse
    wait_for(lambda: not worker.busy)
    logs = [p.read_text()[-2000:] for p in (con.settings.console_dir / "runs").glob("*.log")]
    assert con.store.runs(1)[0]["status"] == "succeeded", logs
    page = steward.get("/units/SYT").text
    assert "reports/2024/04/SYT_2024-04.xlsx" in page  # the committed run is what the console reads next
    assert ("ban", "start_run") in [(a["actor"], a["action"]) for a in con.store.audit_log()]
