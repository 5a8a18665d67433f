"""The run's issues in the warehouse: cross checks on the touched unit-months, then reconciliation
(open what was found, resolve what re-checked scopes no longer show, never delete)."""

from __future__ import annotations

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.findings import ISSUE_SQL_NAMES, ISSUE_TABLE_COLUMNS, to_frame
from pdv.ingest import RawFile
from pdv.settings import PROJECT_ROOT
from pdv.warehouse.base import Destination, query_frame
from pdv.warehouse.staging import stage, stage_frame
from schemas.report import cross_findings

CROSS_SQL = PROJECT_ROOT / "sql" / "queries" / "cross_check_state.sql"


def cross_checks(conn: Connection, touched: pd.DataFrame) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Roster against summary for every touched unit-month, on the reports now in force."""
    state = query_frame(conn, CROSS_SQL.read_text(encoding="utf-8"))
    state["period"] = pd.to_datetime(state["period_month"]).dt.strftime("%Y-%m")
    state["scope"] = "unitmonth:" + state["unit_code"] + "|" + state["period"]
    findings = cross_findings(state)
    frame = to_frame(findings)
    frame["scope"] = "unitmonth:" + frame["unit"].astype(str) + "|" + frame["period"].astype(str)
    frame["file_id"] = None
    scopes = pd.DataFrame({"scope": state["scope"], "resolver": state["path"]})
    return frame, scopes


def reconcile_issues(
    conn: Connection,
    dest: Destination,
    run_id: str,
    seen: list[RawFile],
    found: pd.DataFrame,
    scopes: pd.DataFrame,
    touched: pd.DataFrame,
) -> tuple[int, int]:
    """Open what this run found; resolve what re-checked scopes no longer show; never delete.

    Also resolved: issues of files that left the raw directory, and issues of an older submission for
    a unit-month whose report in force now comes from a newer file.
    """
    if "file_id" not in found:
        found["file_id"] = None
    found = found.drop_duplicates("issue_id").rename(columns=ISSUE_SQL_NAMES)
    found = found.assign(
        status="open", first_run_id=run_id, last_run_id=run_id, resolved_run_id=None, resolved_by_file=None
    )
    stage(conn, dest, "stage_issue", "dq_issue", found.reindex(columns=ISSUE_TABLE_COLUMNS))
    # Only a scope with open issues can have one to resolve: staging the others (one per unit-month at
    # national scale) would cost memory and time for nothing.
    open_scopes = query_frame(conn, "select distinct scope from dq_issue where status = 'open'")["scope"]
    scopes = scopes[scopes["scope"].isin(open_scopes)]
    stage_frame(
        conn, dest, "stage_scope", "scope varchar, resolver varchar", scopes.drop_duplicates("scope").astype(object)
    )
    stage_frame(
        conn, dest, "stage_present", "path varchar", pd.DataFrame({"path": [f.rel for f in seen]}, dtype=object)
    )
    before_open = conn.exec_driver_sql(
        "select count(*) from dq_issue d join stage_issue s on s.issue_id = d.issue_id where d.status = 'open'"
    ).scalar_one()
    params = {"run": run_id}
    conn.execute(
        sa.text("""
        update dq_issue set status = 'open', last_run_id = :run, resolved_run_id = null,
            resolved_by_file = null, file_id = s.file_id, severity = s.severity, scope = s.scope,
            message_vi = s.message_vi, message_en = s.message_en
        from stage_issue as s where dq_issue.issue_id = s.issue_id"""),
        params,
    )
    conn.exec_driver_sql("""
        insert into dq_issue select s.* from stage_issue as s
        where not exists (select 1 from dq_issue as d where d.issue_id = s.issue_id)""")
    resolved = 0
    for statement in _RESOLVE_SQL:
        resolved += conn.execute(sa.text(statement), params).rowcount or 0
    for table in ("stage_issue", "stage_scope", "stage_present"):
        conn.exec_driver_sql(f"drop table {table}")
    return len(found) - int(before_open or 0), resolved


_OPEN_NOT_FOUND = "status = 'open' and issue_id not in (select issue_id from stage_issue)"
_RESOLVE_SQL = [
    # A re-checked scope (re-read file, re-checked unit-month, the warehouse) no longer shows it.
    f"""update dq_issue set status = 'resolved', resolved_run_id = :run,
            resolved_by_file = (select resolver from stage_scope as c where c.scope = dq_issue.scope)
        where {_OPEN_NOT_FOUND} and scope in (select scope from stage_scope)""",
    # The file left the raw directory.
    f"""update dq_issue set status = 'resolved', resolved_run_id = :run, resolved_by_file = null
        where {_OPEN_NOT_FOUND} and scope like 'file:%' and file not in (select path from stage_present)""",
    # A newer file now provides the report in force for the issue's unit-month.
    f"""update dq_issue set status = 'resolved', resolved_run_id = :run, resolved_by_file = w.path
        from (
            select u.unit_code, t.period, s.path, f.file_id
            from fact_unit_month as f
            join stage_touched as t on t.unit_key = f.unit_key and t.period_month = f.period_month
            join dim_unit as u on u.unit_key = f.unit_key
            join source_file as s on s.file_id = f.file_id
            where f.is_current
        ) as w
        where {_OPEN_NOT_FOUND} and dq_issue.scope like 'file:%'
          and (dq_issue.rule like 'summary.%' or dq_issue.rule like 'roster.%')
          and dq_issue.unit = w.unit_code and dq_issue.period = w.period
          and dq_issue.file <> w.path and w.file_id > coalesce(dq_issue.file_id, 0)""",
]
