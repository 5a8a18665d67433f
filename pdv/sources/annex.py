"""The plan's annex of per-unit targets, from a cell grid (document text or a pasted workbook).

The annex has a two-level header (STT | Đơn vị (type, name) | Năm YYYY over Tổng cộng / Đoàn viên
thanh niên / Đoàn viên công đoàn), repeated after each page break, and a closing note. Both input
forms are turned into the same grid of ``(row number, cells)`` and parsed here, so they give
identical results.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field

import pandas as pd

from pdv.column_maps import column_map
from pdv.findings import Finding
from pdv.textnorm import ascii_key, clean_text

Grid = Sequence[tuple[int, Sequence[str]]]
MEASURES = ["target_total", "target_youth", "target_union"]
_YEAR = re.compile(r"\b(19|20)\d{2}\b")
_INT = re.compile(r"^\d+$")
_TOTAL_LABELS = {"tong cong", "cong", "tong so"}


@dataclass
class AnnexTable:
    """Annex rows in long form: one row per unit and year, measures as parsed numbers."""

    frame: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    headers: dict[str, str] = field(default_factory=dict)


@dataclass
class _Layout:
    unit_cols: list[int]
    measures: dict[int, tuple[int, str]]  # column index -> (year, measure)
    labels: dict[int, str]  # column index -> header as written
    height: int
    signature: tuple[object, ...]


def _layout(grid: Grid, start: int) -> _Layout | None:
    """Read the header block starting at ``grid[start]`` (the row whose first cell is STT)."""
    cmap = column_map("annex")
    rows: list[list[str]] = []
    for _, cells in grid[start:]:
        if rows and cells and _INT.match(clean_text(cells[0])):
            break
        rows.append([clean_text(c) for c in cells])
        if len(rows) == 4:
            break
    width = max(len(r) for r in rows)
    levels = [r + [""] * (width - len(r)) for r in rows]
    roles: dict[int, str] = {}
    years: dict[int, int] = {}
    labels: dict[int, str] = {}
    for level in levels:
        year, role = None, None
        for col, text in enumerate(level):
            if text:
                match = _YEAR.search(text)
                role = cmap.get(ascii_key(text))
                year = int(match.group(0)) if match and role is None else year
                if role:
                    roles[col] = role
                    labels[col] = text
            elif role == "unit" and col not in roles:
                roles[col] = "unit"  # merged "Đơn vị" cell spanning type and name
            if year is not None and col not in years and (text or col > 0):
                years[col] = year
    if roles.get(0) != "stt":
        return None
    unit_cols = sorted(c for c, r in roles.items() if r == "unit")
    measures = {c: (years[c], r) for c, r in roles.items() if r in MEASURES and c in years}
    if not unit_cols or not measures:
        return None
    signature = (tuple(unit_cols), tuple(sorted(measures.items())))
    return _Layout(unit_cols, measures, labels, len(levels), signature)


def parse_annex_grid(grid: Grid, file: str, sheet: str | None) -> AnnexTable | None:
    """Parse the annex from a grid; None when the grid holds no annex header."""
    layout: _Layout | None = None
    findings: list[Finding] = []
    records: list[dict[str, object]] = []
    totals: list[tuple[int, list[str]]] = []
    i = 0
    while i < len(grid):
        rownum, raw = grid[i]
        cells = [clean_text(c) for c in raw]
        first = cells[0] if cells else ""
        if ascii_key(first) == "stt":
            found = _layout(grid, i)
            if found is not None:
                if layout is None:
                    layout = found
                elif found.signature != layout.signature:
                    findings.append(Finding("annex.header_mismatch", file, sheet, rownum))
                i += found.height
                continue
        if layout is not None and _INT.match(first):
            unit = [cells[c] if c < len(cells) else "" for c in layout.unit_cols]
            unit_type, unit_name = (unit[0], unit[-1]) if len(unit) > 1 else ("", unit[0])
            by_year: dict[int, dict[str, object]] = {}
            for col, (year, measure) in layout.measures.items():
                rec = by_year.setdefault(
                    year,
                    {
                        "source_row": rownum,
                        "stt": int(first),
                        "unit_type": unit_type,
                        "unit_name": unit_name,
                        "year": year,
                    },
                )
                rec[measure] = cells[col] if col < len(cells) else ""
            records.extend(by_year.values())
        elif layout is not None and ascii_key(" ".join(cells[:3])).strip() in _TOTAL_LABELS:
            totals.append((rownum, cells))
        i += 1
    if layout is None:
        return None
    frame = pd.DataFrame.from_records(
        records, columns=["source_row", "stt", "unit_type", "unit_name", "year", *MEASURES]
    )
    headers = {m: layout.labels[c] for c, (_, m) in layout.measures.items()}
    headers["unit_name"] = headers["unit_type"] = layout.labels.get(layout.unit_cols[0], "Đơn vị")
    table = AnnexTable(frame, findings, headers)
    for rownum, cells in totals:
        _check_total_row(table, layout, rownum, cells, file, sheet)
    return table


def _check_total_row(
    table: AnnexTable, layout: _Layout, rownum: int, cells: list[str], file: str, sheet: str | None
) -> None:
    numbers = table.frame[MEASURES].apply(pd.to_numeric, errors="coerce")
    sums = table.frame[["year"]].join(numbers).groupby("year").sum()
    for col, (year, measure) in layout.measures.items():
        stated = pd.to_numeric(cells[col] if col < len(cells) else "", errors="coerce")
        expected = sums.loc[year, measure] if year in sums.index else 0
        if stated != expected:
            table.findings.append(
                Finding(
                    "annex.total_row_mismatch",
                    file,
                    sheet,
                    rownum,
                    layout.labels.get(col),
                    cells[col] if col < len(cells) else "",
                    period=str(year),
                    params={"expected": int(float(str(expected)))},
                )
            )
