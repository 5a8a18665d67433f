"""Scheduled flows and their deployments (time zone Asia/Ho_Chi_Minh).

* ``daily-ingest-load``: ingest, validate and load everything new, every day at 06:00; its warehouse
  checkpoint covers what the run changed.
* ``weekly-full-check``: the same run on Mondays at 05:00, its checkpoint over every row.
* ``quarter-extract``, ``half-extract``, ``year-extract``: the Board's extract for the period that
  just ended, on the 6th day after it ends (after the reporting deadline on the 5th).

``pdv deploy`` registers them on a Prefect server for a process work pool; ``pdv serve`` runs them
in one process for a small office.
"""

from __future__ import annotations

import contextlib
from dataclasses import asdict
from datetime import date, datetime
from typing import Any
from zoneinfo import ZoneInfo

from prefect import flow, get_run_logger
from prefect.schedules import Cron

from flows.pipeline import pipeline, warehouse
from pdv.extracts.build import extract_period
from pdv.settings import PROJECT_ROOT, get_settings

TIME_ZONE = "Asia/Ho_Chi_Minh"
WORK_POOL = "pdv"


@flow(name="pdv-ingest-load")
def ingest_and_load(
    raw_dir: str | None = None, warehouse_url: str | None = None, full_check: bool = False
) -> dict[str, Any]:
    """The daily run: the pipeline on the configured raw directory and warehouse (weekly: with the
    warehouse checkpoint over every row)."""
    settings = get_settings(raw_dir=raw_dir, warehouse_url=warehouse_url)
    return asdict(pipeline(settings, full_check=full_check))


def last_ended_period(period_type: str, today: date) -> str:
    """The latest quarter, half or year that ended before ``today``."""
    if period_type not in ("quarter", "half", "year"):
        raise ValueError(f"period_type must be quarter, half or year, not {period_type!r}")
    size = {"quarter": 3, "half": 6, "year": 12}[period_type]
    done = (today.month - 1) // size  # periods of this type already over this year
    year, index = (today.year, done) if done else (today.year - 1, 12 // size)
    return {"quarter": f"{year}-Q{index}", "half": f"{year}-H{index}", "year": str(year)}[period_type]


@flow(name="pdv-board-extract")
def board_extract(period_type: str, as_of: date | None = None, warehouse_url: str | None = None) -> str:
    """The Board's extract for the period of this type that ended last."""
    settings = get_settings(warehouse_url=warehouse_url)
    period = last_ended_period(period_type, as_of or datetime.now(ZoneInfo(TIME_ZONE)).date())
    with warehouse(settings) as dest:
        result = extract_period(dest, settings, period)
    get_run_logger().info("extract %s %s in %s", period, "written" if result.written else "unchanged", result.directory)
    return period


SCHEDULES: list[tuple[str, Any, str, dict[str, Any]]] = [
    ("daily-ingest-load", ingest_and_load, "0 6 * * *", {}),
    ("weekly-full-check", ingest_and_load, "0 5 * * 1", {"full_check": True}),
    ("quarter-extract", board_extract, "0 6 6 1,4,7,10 *", {"period_type": "quarter"}),
    ("half-extract", board_extract, "0 6 6 1,7 *", {"period_type": "half"}),
    ("year-extract", board_extract, "0 6 6 1 *", {"period_type": "year"}),
]


def _parameters(base: dict[str, Any], raw_dir: str | None, warehouse_url: str | None) -> dict[str, Any]:
    params = dict(base)
    if warehouse_url:
        params["warehouse_url"] = warehouse_url
    if raw_dir and "period_type" not in base:
        params["raw_dir"] = raw_dir
    return params


def runner_deployments(raw_dir: str | None = None, warehouse_url: str | None = None) -> list[Any]:
    """The deployments for ``prefect.serve`` (one process runs them on schedule)."""
    return [
        fn.to_deployment(
            name, schedules=[Cron(cron, timezone=TIME_ZONE)], parameters=_parameters(params, raw_dir, warehouse_url)
        )
        for name, fn, cron, params in SCHEDULES
    ]


def deploy(work_pool: str = WORK_POOL, raw_dir: str | None = None, warehouse_url: str | None = None) -> list[str]:
    """Register the deployments on the Prefect server (``PREFECT_API_URL``) for a process work pool."""
    from prefect.client.orchestration import get_client
    from prefect.client.schemas.actions import WorkPoolCreate
    from prefect.exceptions import ObjectAlreadyExists

    # A second deploy keeps the existing pool.
    with get_client(sync_client=True) as client, contextlib.suppress(ObjectAlreadyExists):
        client.create_work_pool(WorkPoolCreate(name=work_pool, type="process"))
    names = []
    for name, fn, cron, params in SCHEDULES:
        entry = f"flows/scheduled.py:{fn.fn.__name__}"
        remote = fn.from_source(source=str(PROJECT_ROOT), entrypoint=entry)
        remote.deploy(
            name,
            work_pool_name=work_pool,
            build=False,
            push=False,
            print_next_steps=False,
            schedules=[Cron(cron, timezone=TIME_ZONE)],
            parameters=_parameters(params, raw_dir, warehouse_url),
        )
        names.append(f"{fn.name}/{name}")
    return names
