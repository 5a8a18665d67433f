"""The floor: a bare DuckDB load of the same report CSVs, in a fresh process.

    python bench/floor.py RAW_DIR DB_FILE TIMINGS.json

``read_csv`` of every summary and every roster CSV into two tables (dates parsed, national ids kept
as text), the unit registry into a third, then one GROUP BY (admissions per province and month).
Nothing is validated: this is what loading the bytes costs, the baseline the pipeline is compared to.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

STARTED = time.perf_counter()

import duckdb  # noqa: E402  (timed as the import)


def main() -> None:
    raw, db, out = Path(sys.argv[1]), Path(sys.argv[2]), Path(sys.argv[3])
    imported = time.perf_counter()
    summaries = sorted(str(p) for p in (raw / "reports").rglob("*_BM1.csv"))
    rosters = sorted(str(p) for p in (raw / "reports").rglob("*_BM2.csv"))
    db.unlink(missing_ok=True)
    con = duckdb.connect(str(db))
    con.execute(
        "create table units as select * from read_csv(?, header = true)", [str(raw / "reference" / "units.csv")]
    )
    con.execute(
        "create table summary as select * from read_csv(?, header = true, dateformat = '%d/%m/%Y')", [summaries]
    )
    con.execute(
        "create table roster as select * from read_csv(?, header = true, dateformat = '%d/%m/%Y',"
        " types = {'Số định danh cá nhân': 'VARCHAR'})",
        [rosters],
    )
    rows = con.execute(
        """select regexp_extract("Mã đơn vị", '^[A-Z]+') as province, "Kỳ báo cáo" as period,
                  count(*) as units, sum("Kết nạp: Tổng số") as admitted
           from summary group by all order by all"""
    ).fetchall()
    counts = {t: con.execute(f"select count(*) from {t}").fetchone()[0] for t in ("units", "summary", "roster")}  # type: ignore[index]
    con.close()
    done = time.perf_counter()
    timings = {
        "import_s": round(imported - STARTED, 3),
        "command_s": round(done - imported, 3),
        "exit_code": 0,
        "rows": counts,
        "groups": len(rows),
        "files": len(summaries) + len(rosters),
    }
    out.write_text(json.dumps(timings) + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
