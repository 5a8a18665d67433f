"""Fixtures for tests that need the demo reports and a warehouse loaded with them (see conftest.py)."""

from __future__ import annotations

import contextlib
import shutil
from collections.abc import Iterator
from pathlib import Path

import pytest

from pdv.settings import PROJECT_ROOT, Settings
from pdv.synthetic.demo import DemoResult, generate
from pdv.warehouse import Destination, destination_for
from tests.helpers import pg_database, run_pipeline

RAW = PROJECT_ROOT / "data" / "raw"


def raw_copy(root: Path) -> Path:
    raw = root / "raw"
    shutil.copytree(RAW / "plan", raw / "plan")
    shutil.copytree(RAW / "reference", raw / "reference")
    return raw


@pytest.fixture(scope="session")
def demo(tmp_path_factory: pytest.TempPathFactory) -> tuple[Path, DemoResult]:
    """A raw directory with the demo reports, and the generator's truth about them."""
    raw = raw_copy(tmp_path_factory.mktemp("demo"))
    result = generate(raw / "reports", raw / "reference" / "units.csv", next((raw / "plan").glob("*.txt")))
    return raw, result


@pytest.fixture(scope="session", params=["duckdb", "postgresql"])
def loaded(
    request: pytest.FixtureRequest,
    demo: tuple[Path, DemoResult],
    tmp_path_factory: pytest.TempPathFactory,
    prefect_harness: None,
) -> Iterator[tuple[Settings, Destination, DemoResult]]:
    """The demo loaded once per database (read-only tests share it)."""
    raw, result = demo
    wh = tmp_path_factory.mktemp("wh")
    with contextlib.ExitStack() as stack:
        url = f"duckdb:///{wh / 'warehouse.duckdb'}"
        if request.param == "postgresql":
            url = stack.enter_context(pg_database(request.getfixturevalue("pg_server_url"), "pdv_demo"))
        settings = Settings(raw_dir=raw, warehouse_dir=wh, warehouse_url=url)
        run_pipeline(settings)
        dest = destination_for(url)
        yield settings, dest, result
        dest.dispose()
