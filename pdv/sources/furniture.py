"""Form furniture around a report table: rows that are not data and not an error.

STT columns are never mapped, so they are ignored already; here go section rows, note rows, the
place-and-date line, the signature block (patterns in ``furniture.csv``) and rows without a single
figure, and unit names merged down the rows of their months.
"""

from __future__ import annotations

import csv
import re
from functools import cache, lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

import numpy as np

from pdv.textnorm import ascii_key, map_cells

if TYPE_CHECKING:
    from pdv.sources.spreadsheet import Sheet

# A row is a report only if one of these holds something: a summary row with all its counts empty
# is not a report (format 1.1), a roster row with only a name is a signer or a heading.
FIGURES = {
    "summary": ("admitted_total", "admitted_youth", "admitted_union", "recognized_full", "trained", "sympathizers"),
    "roster": (
        "birth_date",
        "gender",
        "ethnicity",
        "religion",
        "national_id",
        "source",
        "admitted_on",
        "decision_no",
    ),
}


@cache
def _patterns() -> dict[str, re.Pattern[str]]:
    with resources.files("pdv.sources").joinpath("furniture.csv").open(encoding="utf-8") as fh:
        rows = list(csv.DictReader(fh))
    kinds = sorted({r["kind"] for r in rows})
    return {k: re.compile("|".join(f"(?:{r['pattern']})" for r in rows if r["kind"] == k)) for k in kinds}


def furniture_kind(value: object) -> str:
    """``note``, ``place_date`` or ``signature`` for a cell of form furniture, else ''."""
    return _kind_of_key(ascii_key(value))


@lru_cache(maxsize=1 << 16)
def _kind_of_key(key: str) -> str:
    return next((k for k, p in _patterns().items() if p.search(key)), "")


def drop_furniture(kind: str, text: np.ndarray, mapping: dict[int, str]) -> np.ndarray:
    """Keep-mask over the rows of a table body (cleaned text, '' for blank cells)."""
    if not len(text):
        return np.ones(0, dtype=bool)
    nonblank = text != ""
    width = text.shape[1]
    figures = [i for i, c in mapping.items() if c in FIGURES[kind] and i < width]
    has_figure = nonblank[:, figures].any(axis=1) if figures else np.ones(len(text), dtype=bool)
    # A row is only furniture when none of its filled mapped cells is data; unmapped columns (an STT
    # column numbering every line) never make a row data. Column by column, figures first, and only
    # over the rows still undecided: a consolidated table's data rows are settled by their first figure.
    mapped = [i for i in mapping if i < width]
    only_furniture = np.ones(len(text), dtype=bool)
    for i in sorted(mapped, key=lambda i: i not in figures):
        rows = np.flatnonzero(only_furniture & nonblank[:, i])
        if len(rows):
            only_furniture[rows[map_cells(text[rows, i], furniture_kind, "") == ""]] = False
    # Below the place-and-date line or the first signature label everything is the signature block,
    # signers' names included (they may stand in a figure column).
    closing = np.zeros(len(text), dtype=bool)
    rows = np.flatnonzero(only_furniture)
    if len(rows):
        kinds = map_cells(text[rows].ravel(), furniture_kind, "").reshape(len(rows), width)
        closing[rows] = ((kinds == "place_date") | (kinds == "signature")).any(axis=1)
    footer = np.cumsum(closing) > 0
    return np.asarray(has_figure & ~only_furniture & ~footer, dtype=bool)


def fill_merged(sheet: Sheet, start: int, columns: list[int]) -> list[tuple[int, list[Any]]]:
    """The rows from position ``start``, with a value merged down a column copied into every row it spans."""
    rows = sheet.rows[start:]
    spans = [
        (r0, r1, col)
        for (r0, c0), (r1, c1) in sheet.merged
        for col in columns
        if c0 <= col <= c1 and r1 > r0 and r0 >= start
    ]
    if not spans:
        return rows
    rows = [(n, list(cells)) for n, cells in rows]
    for r0, r1, col in spans:
        top = rows[r0 - start][1]
        value = top[col] if col < len(top) else None
        for pos in range(r0 + 1 - start, min(r1 - start, len(rows) - 1) + 1):
            cells = rows[pos][1]
            if col < len(cells):
                cells[col] = value
    return rows
