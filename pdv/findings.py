"""Data-quality findings: the issue-record contract shared by every reader, schema and check.

A finding names where (file, sheet, row as the source shows it, column as written), what (value,
unit, period), which rule, and says why in Vietnamese (for units and stewards) and English.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field
from functools import cache
from importlib import resources
from typing import Any

import pandas as pd

from pdv.issuefields import ISSUE_COLUMNS, ISSUE_SQL_NAMES, ISSUE_TABLE_COLUMNS

__all__ = ["ISSUE_COLUMNS", "ISSUE_SQL_NAMES", "ISSUE_TABLE_COLUMNS"]


class _Blank(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return ""


@dataclass(frozen=True)
class Rule:
    rule: str
    severity: str
    message_vi: str
    message_en: str


@cache
def rules() -> dict[str, Rule]:
    """The rule catalogue (``pdv/rules*.csv``): id, severity and message templates."""
    catalogue: dict[str, Rule] = {}
    for path in sorted(resources.files("pdv").iterdir(), key=lambda p: p.name):
        if path.name.startswith("rules") and path.name.endswith(".csv"):
            with path.open(encoding="utf-8") as fh:
                catalogue.update({r["rule"]: Rule(**r) for r in csv.DictReader(fh)})
    return catalogue


@dataclass
class Finding:
    """One data-quality finding; ``params`` fill the message templates."""

    rule: str
    file: str | None = None
    sheet: str | None = None
    row: int | None = None
    column: str | None = None
    value: str | None = None
    unit: str | None = None
    period: str | None = None
    params: dict[str, Any] = field(default_factory=dict)

    def record(self) -> dict[str, Any]:
        """The persisted issue record (see ``ISSUE_COLUMNS``)."""
        spec = rules()[self.rule]
        # Fields read directly: dataclasses.asdict deep-copies ``params``, the larger part of the cost
        # of a national file whose every row is wrong.
        data: dict[str, Any] = {name: getattr(self, name) for name in _FIELDS}
        params = _Blank({**self.params, **{k: ("" if v is None else v) for k, v in data.items()}})
        data["row"] = None if self.row is None else int(self.row)
        data["value"] = None if self.value is None else str(self.value)
        return {
            "issue_id": issue_id(self.rule, self.file, self.sheet, self.row, self.column, self.unit, self.period),
            "severity": spec.severity,
            **data,
            "message_vi": spec.message_vi.format_map(params),
            "message_en": spec.message_en.format_map(params),
        }


_FIELDS = ("rule", "file", "sheet", "row", "column", "value", "unit", "period")


def issue_id(*parts: object) -> str:
    """Stable identity of a finding: the same problem found again keeps its id."""
    text = "\x1f".join("" if p is None else str(p) for p in parts)
    return hashlib.sha256(text.encode()).hexdigest()[:20]


def to_frame(findings: Iterable[Finding]) -> pd.DataFrame:
    """Findings as a DataFrame with the issue columns, one row per distinct issue."""
    records = [f.record() for f in findings]
    if not records:  # most files: a copy of one empty frame costs a tenth of building it
        return _empty_frame().copy()
    frame = pd.DataFrame(records, columns=ISSUE_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame.drop_duplicates("issue_id").reset_index(drop=True)


@cache
def _empty_frame() -> pd.DataFrame:
    frame = pd.DataFrame([], columns=ISSUE_COLUMNS)
    frame["row"] = frame["row"].astype("Int64")
    return frame


def has_errors(frame: pd.DataFrame) -> bool:
    return bool((frame["severity"] == "error").any())
