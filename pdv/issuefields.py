"""The issue-record contract's field names, importable without pandas (for the quick commands)."""

from __future__ import annotations

ISSUE_COLUMNS = [
    "issue_id",
    "severity",
    "rule",
    "file",
    "sheet",
    "row",
    "column",
    "value",
    "unit",
    "period",
    "message_vi",
    "message_en",
]

# The dq_issue table (sql/tables/03_dq_issue.sql): the record, renamed where SQL reserves the word,
# plus the issue's life over runs.
ISSUE_SQL_NAMES = {"row": "row_number", "column": "column_name"}
ISSUE_TABLE_COLUMNS = [
    *(ISSUE_SQL_NAMES.get(c, c) for c in ISSUE_COLUMNS),
    "status",
    "scope",
    "file_id",
    "first_run_id",
    "last_run_id",
    "resolved_run_id",
    "resolved_by_file",
]
