"""Run a pandera schema lazily and turn its failure cases into findings.

Every frame validated here carries ``source_row`` (the row number as the source shows it) and a
unique index, so each failure maps back to a place in the file. Check names are rule suffixes.
"""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

import pandas as pd
import pandera.pandas as pa

from pdv.findings import Finding

# pandera's own check names mapped to our rule suffixes.
_BUILTIN = {
    "not_nullable": "value_missing",
    "field_uniqueness": "duplicate",
    "multiple_fields_uniqueness": "duplicate",
}


@dataclass
class Context:
    """Where the validated frame came from, and how to describe its rows in findings."""

    rule_prefix: str
    file: str | None
    sheet: str | None
    headers: Mapping[str, str]  # canonical column -> header as the unit wrote it
    raw: pd.DataFrame | None = None  # original cell text, same index, for the finding's value
    unit_col: str | None = "unit_name"
    period_col: str | None = None
    primary_col: Mapping[str, str] | None = None  # check name -> column reported for frame checks
    whole_row: frozenset[str] = frozenset()  # checks about the source row, reported without a period
    renamed: Mapping[str, str] | None = None  # check name -> rule suffix, where they differ
    # Frames combining several tables carry ``_file``, ``_sheet`` and ``_table`` per row; then each
    # table's headers are in ``table_headers`` (indexed by ``_table``).
    table_headers: Mapping[int, Mapping[str, str]] | None = None


def validate(
    frame: pd.DataFrame,
    schema: pa.DataFrameSchema,
    ctx: Context,
    non_blocking: frozenset[str] = frozenset(),
) -> tuple[pd.Series, list[Finding]]:
    """Validate ``frame``; return a per-row ``ok`` mask and the findings.

    A row is not ok when it breaks an error rule, unless that rule is in ``non_blocking``.
    Columns named ``<column>__<param>`` fill message parameters for failures on ``<column>``.
    """
    from pdv.findings import rules

    ok = pd.Series(True, index=frame.index)
    try:
        schema.validate(frame, lazy=True)
        return ok, []
    except pa.errors.SchemaErrors as err:
        cases = err.failure_cases
    cases = cases.assign(check=cases["check"].astype(str).str.replace(r"\(.*$", "", regex=True))
    cases["check"] = cases["check"].map(lambda c: _BUILTIN.get(c, c))
    primary = dict(ctx.primary_col or {})
    frame_level = cases["schema_context"] == "DataFrameSchema"
    # A frame-wide check fails once per column per row: keep one, on the column it is about.
    about = cases["check"].map(primary)
    # Prefer the case on the column the check is about (its value), then report it on that column.
    cases = cases.assign(_first=frame_level & (cases["column"] == about))
    cases = cases.sort_values("_first", ascending=False, kind="stable")
    cases.loc[frame_level & about.notna(), "column"] = about[frame_level & about.notna()]
    cases = cases.drop_duplicates(["check", "column", "index"])
    # Every value a finding quotes is looked up once per column for all cases: ``frame.at`` per case
    # cost most of the run when every row of a national file is wrong.
    idx_list = cases["index"].tolist()
    has_row = [i is not None and not (isinstance(i, float) and pd.isna(i)) and i in frame.index for i in idx_list]
    lookup = _Lookup(frame, [i for i, h in zip(idx_list, has_row, strict=True) if h])
    raw = _Lookup(ctx.raw, lookup.labels) if ctx.raw is not None else None
    extras = {c: [e for e in frame.columns if e.startswith(f"{c}__")] for c in set(cases["column"].dropna().astype(str))}
    findings = []
    blocked = []
    k = -1  # position among the cases that have a row
    for case, idx, row in zip(cases.itertuples(index=False), idx_list, has_row, strict=True):
        k += row
        rule = f"{ctx.rule_prefix}.{(ctx.renamed or {}).get(case.check, case.check)}"
        if rule not in rules():  # a check without a catalogued rule (e.g. a dtype) is still reported
            rule = "schema.unexpected"
        column = case.column if isinstance(case.column, str) else primary.get(case.check)
        value = case.failure_case
        if row and raw is not None and column is not None and column in raw.frame.columns:
            value = raw.raw(column, k)
        headers = ctx.headers
        if row and ctx.table_headers is not None:
            headers = ctx.table_headers[int(str(lookup.raw("_table", k)))]
        params: dict[str, object] = {"column": headers.get(column or "", column)}
        if row:
            for extra in extras.get(column or "", ()):
                params[extra.split("__", 1)[1]] = _fmt(lookup.raw(extra, k))
        findings.append(
            Finding(
                rule,
                (lookup.cell("_file", k) if row else None) or ctx.file,
                (lookup.cell("_sheet", k) if row else None) or ctx.sheet,
                int(str(lookup.raw("source_row", k))) if row and "source_row" in frame.columns else None,
                headers.get(column or "", column),
                None if value is None or (isinstance(value, float) and pd.isna(value)) else _fmt(value),
                (lookup.cell(ctx.unit_col, k) or lookup.cell("unit_name", k)) if row else None,
                lookup.cell(ctx.period_col, k) if row and case.check not in ctx.whole_row else None,
                params,
            )
        )
        if row and rules()[rule].severity == "error" and rule not in non_blocking:
            blocked.append(idx)
    if blocked:
        ok.loc[pd.Index(blocked).unique()] = False
    return ok, findings


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


class _Lookup:
    """Values of ``frame`` at the rows ``labels`` (index labels), one column at a time, read once."""

    def __init__(self, frame: pd.DataFrame, labels: list[object]) -> None:
        self.frame = frame
        self.labels = labels
        found: list[int] = frame.index.get_indexer(pd.Index(labels)).tolist() if labels else []
        # A label the vectorised lookup misses (a float 3.0 against an integer index) is found one by one.
        self.positions: list[int] = [
            int(p) if p >= 0 else int(frame.index.get_loc(label))  # type: ignore[arg-type]
            for p, label in zip(found, labels, strict=True)
        ]
        self._columns: dict[str, list[object]] = {}

    def raw(self, col: str, k: int) -> object:
        """The value in column ``col`` of the ``k``-th row, as stored."""
        if col not in self._columns:
            values = self.frame[col].to_numpy(dtype=object)
            self._columns[col] = [values[p] for p in self.positions]
        return self._columns[col][k]

    def cell(self, col: str | None, k: int) -> str | None:
        """The value as a finding quotes it (None when empty), or None without such a column."""
        if col is None or col not in self.frame.columns:
            return None
        value = self.raw(col, k)
        return None if value is None or (isinstance(value, float) and pd.isna(value)) else _fmt(value)
