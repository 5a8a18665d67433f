"""Header spellings mapped to canonical columns, kept as data (one CSV per source)."""

from __future__ import annotations

import csv
from functools import cache
from importlib import resources

from pdv.textnorm import ascii_key


@cache
def column_map(source: str) -> dict[str, str]:
    """``{header key: canonical column}`` for one source (``annex``, ``summary``, ``roster``)."""
    path = resources.files("pdv.column_maps").joinpath(f"{source}.csv")
    with path.open(encoding="utf-8") as fh:
        return {ascii_key(r["header"]): r["column"] for r in csv.DictReader(fh)}


@cache
def display_headers(source: str) -> dict[str, str]:
    """``{canonical column: the form's own header}`` (the first spelling listed for it)."""
    path = resources.files("pdv.column_maps").joinpath(f"{source}.csv")
    with path.open(encoding="utf-8") as fh:
        out: dict[str, str] = {}
        for r in csv.DictReader(fh):
            out.setdefault(r["column"], r["header"])
        return out
