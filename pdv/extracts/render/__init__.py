"""Renderers of the Board's extracts: one reporting period as CSV, XLSX (laid out like the plan's annex) and HTML.

The caller computes the numbers; this module only lays them out. Headers are data (``headers.csv``), so the
Board can reword them without touching code. Every output is deterministic: identical input, identical bytes.
"""

from pdv.extracts.render.table import (
    AUTHOR,
    BEHIND_LEGEND,
    BOARD_NAME,
    BOARD_PARENT,
    FLAG_COLUMNS,
    INT_COLUMNS,
    MET,
    MONTHLY_COLUMNS,
    NO_DATA,
    NOT_MET,
    PARTY_NAME,
    PCT_COLUMNS,
    TEXT_COLUMNS,
    VIEW_VI,
    Column,
    ExtractMeta,
    Table,
    Value,
    columns,
    neutralise,
    period_label,
    prepare,
)
from pdv.extracts.render.to_csv import write_csv
from pdv.extracts.render.to_html import write_html
from pdv.extracts.render.to_xlsx import BEHIND_FILL_RGB, FIRST_DATA_ROW, HEADER_ROW, write_xlsx

__all__ = [
    "AUTHOR",
    "BEHIND_FILL_RGB",
    "BEHIND_LEGEND",
    "BOARD_NAME",
    "BOARD_PARENT",
    "FIRST_DATA_ROW",
    "FLAG_COLUMNS",
    "HEADER_ROW",
    "INT_COLUMNS",
    "MET",
    "MONTHLY_COLUMNS",
    "NOT_MET",
    "NO_DATA",
    "PARTY_NAME",
    "PCT_COLUMNS",
    "TEXT_COLUMNS",
    "VIEW_VI",
    "Column",
    "ExtractMeta",
    "Table",
    "Value",
    "columns",
    "neutralise",
    "period_label",
    "prepare",
    "write_csv",
    "write_html",
    "write_xlsx",
]
