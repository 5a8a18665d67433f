"""The warehouse checkpoint on what a run changed, and the full check (`pdv check --full`, weekly)."""

from __future__ import annotations

from datetime import date

import pytest

from flows.pipeline import pipeline
from pdv.settings import Settings
from pdv.steward import warehouse_checkpoint
from pdv.warehouse import Destination
from tests.console.workbooks import report


def _open_warehouse_issues(dest: Destination) -> set[tuple[str, str, str]]:
    frame = dest.read_sql("select rule, sheet, column_name from dq_issue where scope = 'warehouse' and status = 'open'")
    return set(map(tuple, frame.astype(str).values.tolist()))  # type: ignore[arg-type]


def _corrupt(dest: Destination, unit: str, month: str, admitted_union: int) -> None:
    with dest.engine.begin() as conn:
        conn.exec_driver_sql(
            f"update fact_unit_month set admitted_union = {admitted_union} where is_current and period_month = "
            f"date '{month}-01' and unit_key in (select unit_key from dim_unit where unit_code = '{unit}')"
        )


@pytest.mark.usefixtures("prefect_harness")
def test_a_run_checks_what_it_changed_and_the_full_check_everything(settings: Settings, dest: Destination) -> None:
    reports = settings.raw_dir / "reports" / "2024"
    report(reports / "03" / "SYT_2024-03.xlsx", "SYT", "2024-03", date(2024, 4, 3))
    pipeline(settings)  # the plan's first load: everything is checked
    assert _open_warehouse_issues(dest) == set()
    docs = (settings.gx_dir / "index.html").read_text(encoding="utf-8")
    assert "fact_unit_month.full" in docs

    _corrupt(dest, "SYT", "2024-03", -5)  # a defect the readers could never let in
    report(reports / "03" / "STP_2024-03.xlsx", "STP", "2024-03", date(2024, 4, 3))
    pipeline(settings)  # touches STP 2024-03 only: the SYT row is not re-checked
    assert _open_warehouse_issues(dest) == set()
    docs = (settings.gx_dir / "index.html").read_text(encoding="utf-8")
    assert "fact_unit_month.changed" in docs and "fact_unit_month.full" not in docs

    summary = pipeline(settings, full_check=True)  # nothing new, every row checked
    assert summary.files_new == 0 and summary.status == "succeeded"
    assert _open_warehouse_issues(dest) == {("warehouse.count_negative", "fact_unit_month", "admitted_union")}
    assert "fact_unit_month.full" in (settings.gx_dir / "index.html").read_text(encoding="utf-8")

    _corrupt(dest, "STP", "2024-03", -7)  # the same defect elsewhere: a changed-rows check does not resolve
    report(reports / "04" / "STP_2024-04.xlsx", "STP", "2024-04", date(2024, 5, 3))
    pipeline(settings)
    assert _open_warehouse_issues(dest) == {("warehouse.count_negative", "fact_unit_month", "admitted_union")}

    _corrupt(dest, "SYT", "2024-03", 1)
    _corrupt(dest, "STP", "2024-03", 1)
    pipeline(settings, full_check=True)  # repaired: only a full check can tell, and resolves it
    assert _open_warehouse_issues(dest) == set()
    resolved = dest.read_sql("select count(*) as n from dq_issue where scope = 'warehouse' and status = 'resolved'")
    assert int(resolved["n"].iloc[0]) == 1


def test_the_changed_rows_include_the_keys_they_are_checked_against(settings: Settings, dest: Destination) -> None:
    """Only touched unit-months, plus every current admission that shares a person key with them."""
    from tests.warehouse.test_format11 import run

    reports = settings.raw_dir / "reports" / "2024"
    report(reports / "03" / "SYT_2024-03.xlsx", "SYT", "2024-03", date(2024, 4, 3))
    report(reports / "03" / "STP_2024-03.xlsx", "STP", "2024-03", date(2024, 4, 3))
    run(settings, dest)
    _corrupt(dest, "STP", "2024-03", -1)
    units = dest.read_sql(  # the unit versions the March facts were loaded against
        "select u.unit_code, f.unit_key from fact_unit_month f join dim_unit u on u.unit_key = f.unit_key"
        " where f.is_current"
    )
    key = dict(zip(units["unit_code"], units["unit_key"], strict=True))
    # A person admitted by STP in March appears again, wrongly, in SYT's March.
    twin = dest.read_sql(f"select * from fact_admission where is_current and unit_key = {key['STP']}").head(1)
    syt_file = dest.read_sql(f"select file_id from fact_admission where unit_key = {key['SYT']}")["file_id"].iloc[0]
    twin = twin.assign(unit_key=key["SYT"], unit_code="SYT", file_id=syt_file, source_row=99)
    check = warehouse_checkpoint(settings)
    with dest.engine.connect() as conn, conn.begin():
        dest.bulk_insert(conn, "fact_admission", twin)
        conn.exec_driver_sql("create temporary table stage_touched (unit_key integer, period_month date, period varchar)")
        conn.exec_driver_sql(f"insert into stage_touched values ({key['SYT']}, date '2024-03-01', '2024-03')")
        changed = {(f.rule, f.sheet, f.column) for f in check(conn, False)}
        full = {(f.rule, f.sheet, f.column) for f in check(conn, True)}
        conn.rollback()
    negative = ("warehouse.count_negative", "fact_unit_month", "admitted_union")
    assert negative in full and negative not in changed  # STP's row is outside what changed
    duplicate = ("warehouse.key_duplicate", "fact_admission", "person_key")
    assert duplicate in changed and duplicate in full  # found through the STP row it shares a key with
