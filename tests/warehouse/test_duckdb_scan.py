"""The DuckDB 2.0 bug behind the national run's lost issues, and the slicing that avoids it."""

from __future__ import annotations

from pathlib import Path

import duckdb
import pandas as pd
import pytest

from pdv.warehouse.duckdb import SCAN_ROWS, DuckDBDestination

ROWS = 130_000  # above one row group (122,880)
_PROBE = "insert into dq select s.* from st as s where not exists (select 1 from dq as d where d.issue_id = s.issue_id)"


def _frame() -> pd.DataFrame:
    return pd.DataFrame({"issue_id": [f"id{i:08d}" for i in range(ROWS)], "v": ["x"] * ROWS}, dtype=object)


@pytest.mark.xfail(strict=True, reason="DuckDB 2.0 bug: when this passes, DuckDB is fixed and SCAN_ROWS can go")
def test_duckdb_still_loses_rows_probed_from_one_large_pandas_scan(tmp_path: Path) -> None:
    con = duckdb.connect(str(tmp_path / "x.duckdb"))
    con.execute("create table dq (issue_id varchar primary key, v varchar)")
    con.execute("begin")
    con.execute("create temporary table st as select * from dq limit 0")
    frame = _frame()
    con.register("f", frame)
    con.execute("insert into st select * from f")
    con.execute(_PROBE)
    assert con.execute("select count(*) from dq").fetchone() == (ROWS,)


def test_bulk_insert_in_slices_keeps_every_probed_row(tmp_path: Path) -> None:
    assert SCAN_ROWS < 122_880 < ROWS
    dest = DuckDBDestination(f"duckdb:///{tmp_path / 'x.duckdb'}")
    try:
        with dest.engine.begin() as conn:
            conn.exec_driver_sql("create table dq (issue_id varchar primary key, v varchar)")
        with dest.engine.begin() as conn:
            conn.exec_driver_sql("create temporary table st as select * from dq limit 0")
            dest.bulk_insert(conn, "st", _frame())
            conn.exec_driver_sql(_PROBE)
        assert int(dest.read_sql("select count(*) as n from dq")["n"].iloc[0]) == ROWS
    finally:
        dest.dispose()
