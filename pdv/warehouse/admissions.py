"""Admitted once, in the right order: a new file may bring an earlier admission of someone already loaded.

The read phase keeps the earlier (new) row; here, in the run's transaction, the later row already in the
warehouse is taken out of the facts (as it would have been had the files arrived in order), its file
gets the ``roster.duplicate_person`` error, and its unit-month is re-checked with the others touched.
"""

from __future__ import annotations

import pandas as pd
from sqlalchemy.engine import Connection

from pdv.findings import Finding, to_frame
from pdv.parse import month_label
from pdv.warehouse.base import Destination, query_frame

# Rows of earlier runs' files that a row of this run precedes (admission date, then decision number).
_LATER_SQL = """
with fresh as (
    select a.person_key, a.unit_code, a.period_month, a.admitted_on, a.decision_no
    from fact_admission as a
    join source_file as s on s.file_id = a.file_id
    where s.run_id = :run
),
older as (
    select a.file_id, a.sheet, a.source_row, a.unit_code, a.unit_key, a.period_month, a.person_key,
           a.admitted_on, a.decision_no, s.path
    from fact_admission as a
    join source_file as s on s.file_id = a.file_id and s.is_current
    where s.run_id <> :run and a.person_key in (select person_key from fresh)
)
select o.file_id, o.sheet, o.source_row, o.unit_code, o.unit_key, o.period_month, o.person_key, o.path,
       min(f.unit_code) as first_unit, min(f.period_month) as first_month,
       min(h.header) as id_header
from older as o
join fresh as f on f.person_key = o.person_key
left join source_header as h on h.file_id = o.file_id and h.sheet is not distinct from o.sheet
                             and h.column_name = 'national_id'
where (f.unit_code <> o.unit_code or f.period_month <> o.period_month)
  and (f.admitted_on < o.admitted_on
       or (f.admitted_on = o.admitted_on and f.decision_no < o.decision_no))
group by o.file_id, o.sheet, o.source_row, o.unit_code, o.unit_key, o.period_month, o.person_key, o.path
"""


def move_later_admissions(conn: Connection, dest: Destination, run_id: str) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Take loaded admissions that this run's rows precede out of the facts.

    Returns the unit-months they counted for (``tbl``, ``unit_key``, ``old_key``, ``period_month``, for
    the re-check) and their findings, scoped to their files.
    """
    later = query_frame(conn, _LATER_SQL, run=run_id)
    empty = pd.DataFrame(columns=["tbl", "unit_key", "old_key", "period_month"])
    if later.empty:
        return empty, pd.DataFrame()
    keys = later[["file_id", "person_key"]].drop_duplicates()
    conn.exec_driver_sql("drop table if exists stage_later")
    conn.exec_driver_sql("create temporary table stage_later (file_id bigint, person_key varchar)")
    dest.bulk_insert(conn, "stage_later", keys.astype({"file_id": "int64", "person_key": object}))
    for table in ("fact_admission", "restricted_person"):
        conn.exec_driver_sql(
            f"delete from {table} where exists (select 1 from stage_later as l"
            f" where l.file_id = {table}.file_id and l.person_key = {table}.person_key)"
        )
    conn.exec_driver_sql("drop table stage_later")
    months = pd.to_datetime(later["period_month"])
    findings = [
        Finding(
            "roster.duplicate_person",
            r["path"],
            r["sheet"] if isinstance(r["sheet"], str) else None,
            int(r["source_row"]),
            r["id_header"] if isinstance(r["id_header"], str) else None,
            None,
            r["unit_code"],
            month,
            {"other_unit": r["first_unit"], "other_period": first},
        )
        for r, month, first in zip(
            later.to_dict("records"),
            month_label(months),
            month_label(pd.to_datetime(later["first_month"])),
            strict=True,
        )
    ]
    frame = to_frame(findings)
    frame["scope"] = "file:" + frame["file"].astype(str)
    frame["file_id"] = frame["file"].map(dict(zip(later["path"], later["file_id"], strict=False)))
    touched = pd.DataFrame(
        {"tbl": "fact_admission", "unit_key": later["unit_key"], "old_key": later["unit_key"], "period_month": months}
    )
    return touched, frame
