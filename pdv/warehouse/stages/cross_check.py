"""Stage 4, cross-check: every finding of the run, each with the scope it re-checks.

The files' own findings, the reference data's, placement on units that had ceased or not begun,
reports held by a locked month, roster against summary on the reports now in force, and why
reports were held back (the plan).
"""

from __future__ import annotations

from datetime import date

import pandas as pd
import sqlalchemy as sa
from sqlalchemy.engine import Connection

from pdv.findings import ISSUE_COLUMNS, Finding, to_frame
from pdv.history import UnitHistory
from pdv.warehouse.issues import cross_checks
from pdv.warehouse.locks import locked_findings
from pdv.warehouse.stages.state import LoadState, tagged


def cross_check(state: LoadState) -> None:
    conn = state.conn
    files = state.files
    scopes = [f"file:{p.raw.rel}" for p in files]
    state.found(
        tagged([p.findings for p in files], scope=scopes, file_id=[state.file_ids[p.raw.rel] for p in files])
        if files
        else pd.DataFrame(columns=[*ISSUE_COLUMNS, "scope", "file_id"]),
        pd.DataFrame({"scope": scopes, "resolver": [p.raw.rel for p in files]}),
    )
    state.found(state.moved_found)  # the later admission's file, not re-read: no scope of its own
    if state.reference_changed:
        path = state.history.path
        state.found(
            _scoped(to_frame(state.history.findings), f"file:{path}"),
            pd.DataFrame({"scope": [f"file:{path}"], "resolver": [path]}),
        )
    state.found(*_placement_findings(conn, state.history, state.placed))
    state.found(*locked_findings(conn, state.summary.run_id))
    if not state.touched.empty:
        state.found(*cross_checks(conn, state.touched))
    state.found(_scoped(to_frame(state.plan_findings), "plan"), pd.DataFrame({"scope": ["plan"], "resolver": [None]}))


def _scoped(findings: pd.DataFrame, scope: str | pd.Series) -> pd.DataFrame:
    return findings.assign(scope=scope)


_PLACE_RULES = {"succeeded": "unit.succeeded", "ended": "unit.dissolved", "not_started": "unit.not_started"}


def _placement_findings(
    conn: Connection, history: UnitHistory, placed: pd.DataFrame
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Reports naming a unit that had ceased or did not exist yet, for every unit-month placed."""
    rows = placed[placed["tbl"].isin(["fact_unit_month", "fact_admission"])]
    empty = pd.DataFrame(columns=[*ISSUE_COLUMNS, "scope", "file_id"]), pd.DataFrame(columns=["scope", "resolver"])
    if rows.empty:
        return empty
    ids = sorted({int(i) for i in rows["file_id"]})
    stmt = sa.text(
        "select s.file_id, s.path, min(h.header) as header from source_file as s"
        " left join source_header as h on h.file_id = s.file_id and h.column_name in ('unit_name', 'unit_code')"
        " where s.is_current and s.file_id in :ids group by s.file_id, s.path"
    ).bindparams(sa.bindparam("ids", expanding=True))
    files = pd.DataFrame(conn.execute(stmt, {"ids": ids}).fetchall(), columns=["file_id", "path", "header"])
    rows = rows.astype({"file_id": "int64"}).merge(files, on="file_id", how="inner")
    rows["period"] = pd.to_datetime(rows["period_month"]).dt.strftime("%Y-%m")
    rows["scope"] = "place:" + rows["unit_code"].astype(str) + "|" + rows["period"]
    scopes = rows[["scope", "path"]].rename(columns={"path": "resolver"})
    names = history.versions.groupby("unit_code")["unit_name"].last()
    findings = [
        Finding(
            _PLACE_RULES[r["status"]],
            r["path"],
            r["sheet"] if isinstance(r["sheet"], str) else None,
            int(r["source_row"]),
            r["header"] if isinstance(r["header"], str) else "unit_name",
            names.get(r["unit_code"], r["unit_code"]),
            r["unit_code"],
            r["period"],
            params={
                "since": r["since"].strftime("%d/%m/%Y") if isinstance(r["since"], date) else "",
                "successor": names.get(r["successor"], "") if isinstance(r["successor"], str) else "",
            },
        )
        for r in rows[rows["status"] != "ok"].to_dict("records")
    ]
    frame = to_frame(findings)
    frame["scope"] = "place:" + frame["unit"].astype(str) + "|" + frame["period"].astype(str)
    frame["file_id"] = None
    return frame, scopes
