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
    findings = []
    for case in cases.itertuples(index=False):
        rule = f"{ctx.rule_prefix}.{(ctx.renamed or {}).get(case.check, case.check)}"
        if rule not in rules():  # a check without a catalogued rule (e.g. a dtype) is still reported
            rule = "schema.unexpected"
        idx = case.index
        has_row = idx is not None and not (isinstance(idx, float) and pd.isna(idx)) and idx in frame.index
        column = case.column if isinstance(case.column, str) else primary.get(case.check)
        value = case.failure_case
        if has_row and ctx.raw is not None and column in ctx.raw.columns:
            value = ctx.raw.at[idx, column]
        headers = ctx.headers
        if has_row and ctx.table_headers is not None:
            headers = ctx.table_headers[int(str(frame.at[idx, "_table"]))]
        params: dict[str, object] = {"column": headers.get(column or "", column)}
        if has_row:
            for extra in frame.columns:
                if extra.startswith(f"{column}__"):
                    params[extra.split("__", 1)[1]] = _fmt(frame.at[idx, extra])
        findings.append(
            Finding(
                rule,
                (_cell(frame, idx, "_file") if has_row else None) or ctx.file,
                (_cell(frame, idx, "_sheet") if has_row else None) or ctx.sheet,
                int(str(frame.at[idx, "source_row"])) if has_row and "source_row" in frame.columns else None,
                headers.get(column or "", column),
                None if value is None or (isinstance(value, float) and pd.isna(value)) else _fmt(value),
                (_cell(frame, idx, ctx.unit_col) or _cell(frame, idx, "unit_name")) if has_row else None,
                _cell(frame, idx, ctx.period_col) if has_row and case.check not in ctx.whole_row else None,
                params,
            )
        )
        if has_row and rules()[rule].severity == "error" and rule not in non_blocking:
            ok.at[idx] = False
    return ok, findings


def _fmt(value: object) -> str:
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return str(value)


def _cell(frame: pd.DataFrame, idx: object, col: str | None) -> str | None:
    if col is None or col not in frame.columns:
        return None
    value = frame.at[idx, col]
    return None if value is None or (isinstance(value, float) and pd.isna(value)) else _fmt(value)
