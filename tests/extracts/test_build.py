"""Extracts built from the warehouse: every period, reproducible, rewritten only when data changed."""

from __future__ import annotations

import csv
import io
import json
import os
import shutil
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pytest

from pdv.extracts import build
from pdv.extracts.build import extract_period
from pdv.settings import Settings
from pdv.synthetic.demo import DemoResult
from pdv.warehouse import Destination, destination_for
from tests.demo_fixtures import raw_copy
from tests.helpers import run_pipeline

pytestmark = pytest.mark.usefixtures("prefect_harness")
Loaded = tuple[Settings, Destination, DemoResult]
PERIODS = ["2024-Q1", "2024-Q2", "2024-Q3", "2024-Q4", "2024-H1", "2024-H2", "2024"]


def test_run_leaves_an_extract_for_every_period(loaded: Loaded) -> None:
    settings, _, _ = loaded
    for period in PERIODS:
        folder = settings.extracts_dir / "2024" / period
        names = sorted(p.name for p in folder.iterdir())
        assert names == sorted(
            [f"tien-do-{period}.csv", f"tien-do-{period}.xlsx", f"tien-do-{period}.html", "manifest.json"]
        ), period
        manifest = json.loads((folder / "manifest.json").read_text(encoding="utf-8"))
        # As it is now: the 55 units of 2024 on the 50 that remain after the 2025 mergers.
        assert manifest["period"] == period and manifest["rows"]["units"] == 50
        for entry in manifest["files"].values():
            assert (folder / entry["name"]).exists()


def test_csv_holds_the_view_figures_with_vietnamese_headers(loaded: Loaded) -> None:
    settings, dest, _ = loaded
    data = (settings.extracts_dir / "2024" / "2024-Q2" / "tien-do-2024-Q2.csv").read_bytes()
    assert data.startswith(b"\xef\xbb\xbf")
    rows = list(csv.reader(io.StringIO(data.decode("utf-8-sig"))))
    header = rows[0]
    assert "Tên đơn vị" in header and any("Lũy kế" in h for h in header)
    view = dest.read_sql(
        "select unit_name, admitted_total from v_unit_progress"
        " where view = 'as_is' and period = '2024-Q2' and scope = 'period'"
    )
    assert len(rows) == 1 + len(view) + 1
    by_name = dict(zip(view["unit_name"], view["admitted_total"], strict=True))
    name_col = header.index("Tên đơn vị")
    admitted_col = next(i for i, h in enumerate(header) if h.startswith("Kết nạp trong kỳ") and "Tổng" in h)
    for row in rows[1:-1]:
        assert int(row[admitted_col]) == by_name[row[name_col]]
    assert int(rows[-1][admitted_col]) == int(view["admitted_total"].sum())


def test_same_state_gives_byte_identical_csv_and_manifest(loaded: Loaded, tmp_path: Path) -> None:
    settings, dest, _ = loaded
    first = extract_period(dest, settings, "2024-H1", tmp_path / "a")
    second = extract_period(dest, settings, "2024-H1", tmp_path / "b")
    for name in ("tien-do-2024-H1.csv", "manifest.json"):
        assert (first.directory / name).read_bytes() == (second.directory / name).read_bytes()
    again = extract_period(dest, settings, "2024-H1", tmp_path / "a")
    assert not again.written
    wb = openpyxl.load_workbook(first.directory / "tien-do-2024-H1.xlsx")
    assert wb.active is not None and wb.active.freeze_panes is not None


def _jobs(loaded: Loaded, folder: Path) -> list[build.ExtractResult | build._Pending]:
    settings, dest, _ = loaded
    return [build._gather(dest, settings, p, folder / p, "as_is") for p in PERIODS]


def _assert_same_files(here: list[build.ExtractResult], there: list[build.ExtractResult]) -> None:
    assert [r.period for r in there] == PERIODS
    for a, b in zip(here, there, strict=True):
        assert a.written and b.written
        names = sorted(p.name for p in a.directory.iterdir())
        assert names == sorted(p.name for p in b.directory.iterdir()) and len(names) == 4
        for name in names:
            assert (a.directory / name).read_bytes() == (b.directory / name).read_bytes(), (a.period, name)


def test_worker_processes_write_the_files_this_process_would(
    loaded: Loaded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """National periods render in worker processes (here every period, with min_units=0)."""
    pools: list[int] = []

    class Recording(build.ProcessPoolExecutor):
        def __init__(self, workers: int, **kwargs: Any) -> None:
            pools.append(workers)
            super().__init__(workers, **kwargs)

    monkeypatch.setattr(build, "ProcessPoolExecutor", Recording)
    here = build._render_all(_jobs(loaded, tmp_path / "here"), processes=2)  # bloc-sized: no worker
    assert pools == []
    there = build._render_all(_jobs(loaded, tmp_path / "workers"), processes=2, min_units=0)
    assert pools == [2]
    _assert_same_files(here, there)


def test_a_worker_that_dies_loses_no_period(
    loaded: Loaded, tmp_path: Path, monkeypatch: pytest.MonkeyPatch, caplog: pytest.LogCaptureFixture
) -> None:
    class Dying(build.ProcessPoolExecutor):
        def submit(self, fn: Any, /, *args: Any, **kwargs: Any) -> Any:
            if args[0].period == "2024-Q2":  # its worker exits in the middle, breaking the pool
                return super().submit(os._exit, 1)
            return super().submit(fn, *args, **kwargs)

    monkeypatch.setattr(build, "ProcessPoolExecutor", Dying)
    here = build._render_all(_jobs(loaded, tmp_path / "here"), processes=1)
    there = build._render_all(_jobs(loaded, tmp_path / "workers"), processes=2, min_units=0)
    _assert_same_files(here, there)
    assert "rendering 2024-Q2 in this process" in caplog.text


def test_a_past_period_changes_only_when_its_data_changes(demo: tuple[Path, DemoResult], tmp_path: Path) -> None:
    raw_demo, _ = demo
    raw = raw_copy(tmp_path)
    months = ["01", "02", "03", "10", "11"]
    for month in months:
        for src in (raw_demo / "reports" / "2024" / month).glob("*"):
            dst = raw / src.relative_to(raw_demo)
            dst.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(src, dst)
    settings = Settings(raw_dir=raw, warehouse_dir=tmp_path / "wh", warehouse_url=f"duckdb:///{tmp_path / 'wh.db'}")
    run_pipeline(settings)
    q1 = settings.extracts_dir / "2024" / "2024-Q1"
    q4 = settings.extracts_dir / "2024" / "2024-Q4"
    before = {p.name: p.read_bytes() for p in q1.iterdir()}
    q4_manifest = json.loads((q4 / "manifest.json").read_text(encoding="utf-8"))
    for src in (raw_demo / "reports" / "2024" / "12").glob("*"):
        dst = raw / src.relative_to(raw_demo)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    run_pipeline(settings)
    assert {p.name: p.read_bytes() for p in q1.iterdir()} == before
    after = json.loads((q4 / "manifest.json").read_text(encoding="utf-8"))
    assert after["data_cutoff"] == "2024-12" and q4_manifest["data_cutoff"] == "2024-11"
    added = after["changes"]["source_files_added"]
    assert added and all(p.startswith("reports/2024/12/") for p in added)
    assert "csv" in after["changes"]["outputs_changed"]
    dest = destination_for(settings.database_url)
    view = dest.read_sql(
        "select sum(admitted_total) as n from v_unit_progress where view = 'as_is' and period = '2024-Q4' and scope = 'period'"
    )
    csv_rows = pd.read_csv(q4 / "tien-do-2024-Q4.csv", encoding="utf-8-sig")
    admitted = next(c for c in csv_rows.columns if c.startswith("Kết nạp trong kỳ") and "Tổng" in c)
    assert int(csv_rows[admitted].iloc[-1]) == int(view.iloc[0]["n"])
    dest.dispose()
