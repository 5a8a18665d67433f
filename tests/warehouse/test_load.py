"""Loading the warehouse through the real flow, on DuckDB and PostgreSQL."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest

from pdv.history import UnitHistory
from pdv.ingest import content_key, process_file, reference_version, scan
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from pdv.warehouse import Destination
from pdv.warehouse.load import RunSummary, load_run
from tests.helpers import assert_same_state, edit_plan, pg_database, run_pipeline, snapshot
from tests.sources.test_plan import annex_rows

pytestmark = pytest.mark.usefixtures("prefect_harness")
ROW_24_OLD = "Nông lâm Trung bộ\t8\t10\t0"
ROW_24_NEW = "Nông lâm Trung bộ\t10\t10\t0"


def expected_targets() -> pd.DataFrame:
    """The annex's targets computed independently from the raw text lines."""
    rows = []
    for stt, unit_type, _name, *n in annex_rows():
        for year, (t, y, u) in ((2024, n[0:3]), (2025, n[3:6])):
            rows.append(
                {
                    "year": year,
                    "stt": int(stt),
                    "unit_type": unit_type,
                    "target_total": int(t),
                    "target_youth": int(y),
                    "target_union": int(u),
                }
            )
    return pd.DataFrame(rows).sort_values(["year", "stt"]).reset_index(drop=True)


def targets_view(dest: Destination) -> pd.DataFrame:
    return dest.read_sql("select * from v_unit_targets order by year, stt")


def test_run_loads_the_annex_targets(settings: Settings, dest: Destination) -> None:
    summary = run_pipeline(settings)
    assert summary.status == "succeeded"
    view = targets_view(dest)
    assert list(view.columns) == [
        "year",
        "stt",
        "unit_code",
        "unit_type",
        "unit_name",
        "target_total",
        "target_youth",
        "target_union",
    ]
    got = view[["year", "stt", "unit_type", "target_total", "target_youth", "target_union"]]
    pd.testing.assert_frame_equal(got, expected_targets(), check_dtype=False)
    assert view["unit_code"].nunique() == 55
    tinh_doan = view[view["unit_code"] == "TDOAN"].iloc[0]
    assert tinh_doan["unit_name"] == "Cơ quan Tỉnh đoàn Bình Định"  # registry name, not the typo
    issues = dest.read_sql("select rule, status from dq_issue")
    assert len(issues) == 6 and set(issues["status"]) == {"open"}
    plan = dest.read_sql(
        "select plan_no, plan_date, year_from, year_to, yearly_target, min_youth_share_pct from dim_plan"
    )
    assert plan.iloc[0].tolist() == ["104-KH/ĐUK", pd.Timestamp("2024-03-06").date(), 2024, 2025, 240, 70.0]
    files = dest.read_sql("select path, status, rows_read, rows_loaded, rows_rejected from source_file")
    assert files.iloc[0].tolist() == ["plan/000_cf347291d3b5098b.txt", "loaded", 55, 55, 0]


def test_loading_the_same_input_again_changes_nothing(settings: Settings, dest: Destination) -> None:
    run_pipeline(settings)
    before = snapshot(dest)
    again = run_pipeline(settings)
    assert again.status == "nothing_new" and again.files_new == 0
    assert_same_state(before, snapshot(dest))
    runs = dest.read_sql("select status from load_run order by started_at")
    assert runs["status"].tolist() == ["succeeded", "nothing_new"]


def test_changed_annex_replaces_targets_keeping_history(settings: Settings, dest: Destination) -> None:
    run_pipeline(settings)
    keys_before = dest.read_sql("select unit_code, unit_key from dim_unit order by unit_code")
    edit_plan(settings.raw_dir, ROW_24_OLD, ROW_24_NEW)
    summary = run_pipeline(settings)
    assert summary.files_new == 1 and summary.issues_resolved >= 1
    row = targets_view(dest).query("unit_code == 'TCDCDXD' and year == 2024").iloc[0]
    assert row["target_total"] == 10
    history = dest.read_sql("select is_current, count(*) as n from fact_target group by is_current order by is_current")
    assert history.to_dict("records") == [{"is_current": False, "n": 330}, {"is_current": True, "n": 330}]
    resolved = dest.read_sql("select status, resolved_by_file from dq_issue where rule = 'annex.row_arithmetic'")
    assert resolved.iloc[0].tolist() == ["resolved", "plan/000_cf347291d3b5098b.txt"]
    still_open = dest.read_sql("select rule from dq_issue where status = 'open'")["rule"]
    assert "plan.annex_total_below_target" in set(still_open)
    pd.testing.assert_frame_equal(
        keys_before, dest.read_sql("select unit_code, unit_key from dim_unit order by unit_code")
    )


def test_reference_change_rereads_unchanged_files(settings: Settings, dest: Destination) -> None:
    aliases = settings.reference_dir / "unit_aliases.csv"
    original = aliases.read_text(encoding="utf-8")
    aliases.write_text("alias,unit_code,note\n", encoding="utf-8")
    run_pipeline(settings)
    unknown = dest.read_sql("select unit, status, message_vi from dq_issue where rule = 'annex.unknown_unit'")
    assert len(unknown) == 1 and "Cơ quan Tỉnh đoàn Bình Định" in unknown.iloc[0]["message_vi"]
    assert "TDOAN" not in set(targets_view(dest)["unit_code"])
    aliases.write_text(original, encoding="utf-8")
    run_pipeline(settings)
    assert dest.read_sql("select status from dq_issue where rule = 'annex.unknown_unit'").iloc[0, 0] == "resolved"
    assert "TDOAN" in set(targets_view(dest)["unit_code"])


def test_bad_file_is_reported_and_the_others_still_load(settings: Settings, dest: Destination) -> None:
    (settings.raw_dir / "plan" / "phu-luc.xlsx").write_bytes(b"PK\x03\x04 this is not a workbook")
    (settings.raw_dir / "plan" / "old.xls").write_bytes(b"\xd0\xcf\x11\xe0" + b"\0" * 100)
    run_pipeline(settings)
    assert len(targets_view(dest)) == 110
    bad = dest.read_sql("select file, rule, severity from dq_issue where file like '%.xls%' order by file")
    assert bad.values.tolist() == [
        ["plan/old.xls", "file.unsupported_format", "error"],
        ["plan/phu-luc.xlsx", "file.unreadable", "error"],
    ]
    status = dest.read_sql("select path, status from source_file order by path")
    assert dict(status.values.tolist())["plan/phu-luc.xlsx"] == "quarantined"


def test_removed_file_resolves_its_issues(settings: Settings, dest: Destination) -> None:
    bad = settings.raw_dir / "plan" / "broken.xlsx"
    bad.write_bytes(b"garbage")
    run_pipeline(settings)
    bad.unlink()
    run_pipeline(settings)
    row = dest.read_sql("select status, resolved_by_file from dq_issue where file = 'plan/broken.xlsx'")
    assert row.iloc[0]["status"] == "resolved" and pd.isna(row.iloc[0]["resolved_by_file"])
    assert not dest.read_sql("select is_current from source_file where path = 'plan/broken.xlsx'").iloc[0, 0]


def test_a_failed_load_writes_nothing(settings: Settings, dest: Destination, monkeypatch: pytest.MonkeyPatch) -> None:
    run_pipeline(settings)
    before = snapshot(dest)
    edit_plan(settings.raw_dir, ROW_24_OLD, ROW_24_NEW)
    files = scan(settings.raw_dir)
    ref = reference_version(files)
    registry = UnitRegistry.load(settings.reference_dir)
    parsed = [(process_file(f, registry, settings), content_key(f, ref)) for f in files if f.kind == "plan_text"]

    def boom(*args: object) -> tuple[int, int]:
        raise RuntimeError("disk full")

    monkeypatch.setattr("pdv.warehouse.stages.reconcile.reconcile_issues", boom)
    with pytest.raises(RuntimeError):
        history = UnitHistory.load(settings.reference_dir, registry)
        load_run(dest, RunSummary("r-fail", "succeeded"), pd.Timestamp.now(), "raw", files, parsed, history)
    assert_same_state(before, snapshot(dest))


def test_both_databases_give_the_same_rows(raw_dir: Path, tmp_path: Path, pg_url: str) -> None:
    from pdv.warehouse import destination_for

    results = []
    for url in (f"duckdb:///{tmp_path / 'd' / 'w.duckdb'}", pg_url):
        run_pipeline(Settings(raw_dir=raw_dir, warehouse_dir=tmp_path / "d", warehouse_url=url))
        d = destination_for(url)
        issues = d.read_sql(
            "select issue_id, severity, rule, file, sheet, row_number, column_name, value, unit, period,"
            " message_vi, message_en, status from dq_issue order by issue_id"
        )
        results.append((targets_view(d), issues))
        d.dispose()
    for a, b in zip(results[0], results[1], strict=True):
        pd.testing.assert_frame_equal(a, b, check_dtype=False)


def test_duckdb_options_in_the_url_override_the_defaults(tmp_path: Path) -> None:
    from pdv.warehouse.duckdb import DuckDBDestination

    def limit(url: str) -> str:
        dest = DuckDBDestination(url)
        with dest.engine.connect() as conn:
            value = str(conn.exec_driver_sql("select current_setting('memory_limit')").scalar_one())
        dest.dispose()
        assert dest.path == tmp_path / "w.duckdb"  # the options are not part of the file's name
        return value

    default = limit(f"duckdb:///{tmp_path / 'w.duckdb'}")
    chosen = limit(f"duckdb:///{tmp_path / 'w.duckdb'}?memory_limit=300MB")
    assert chosen != default
    assert chosen.startswith("286")  # 300 MB is 286.1 MiB


@pytest.fixture
def clean_url(warehouse_url: str, tmp_path: Path, request: pytest.FixtureRequest) -> Iterator[str]:
    """A second empty warehouse on the same database as ``warehouse_url``."""
    if warehouse_url.startswith("duckdb"):
        yield f"duckdb:///{tmp_path / 'clean' / 'warehouse.duckdb'}"
        return
    with pg_database(request.getfixturevalue("pg_server_url"), "pdv_clean") as url:
        yield url


@pytest.mark.parametrize(
    "where",
    ["pdv.warehouse.stages.settle.ensure_dates", "pdv.warehouse.stages.reconcile.reconcile_issues",
     "pdv.warehouse.stages.marts._refresh_progress"],
)  # fmt: skip
def test_a_load_retried_after_a_failure_gives_the_same_rows(
    settings: Settings, dest: Destination, tmp_path: Path, clean_url: str, monkeypatch: pytest.MonkeyPatch, where: str
) -> None:
    """The load task's retry starts its transaction again from the run's parsed files: what the failed
    attempt did to them (in memory) must not change what the retry writes."""
    import importlib

    from pdv.warehouse import destination_for

    for month in ("02", "03"):  # reports too: their rows are what a retry could lose
        src = PROJECT_ROOT / "data" / "raw" / "reports" / "2024" / month
        shutil.copytree(src, settings.raw_dir / "reports" / "2024" / month)
    clean = Settings(raw_dir=settings.raw_dir, warehouse_dir=tmp_path / "clean", warehouse_url=clean_url)
    run_pipeline(clean)
    module, name = where.rsplit(".", 1)
    real, calls = getattr(importlib.import_module(module), name), []

    def fails_once(*args: object, **kwargs: object) -> object:
        calls.append(1)
        if len(calls) == 1:
            raise ConnectionResetError("the warehouse went away mid-load")
        return real(*args, **kwargs)

    monkeypatch.setattr(where, fails_once)
    run_pipeline(settings)
    assert len(calls) == 2  # failed once, then retried
    other = destination_for(clean_url)
    try:
        assert other.read_sql("select count(*) as n from fact_unit_month")["n"].iloc[0] > 0
        assert_same_state(*(_without_run_ids(snapshot(d)) for d in (other, dest)))
    finally:
        other.dispose()


def _without_run_ids(state: dict[str, pd.DataFrame]) -> dict[str, pd.DataFrame]:
    return {t: f.drop(columns=[c for c in f.columns if c.endswith("run_id")]) for t, f in state.items()}
