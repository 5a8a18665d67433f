"""Merged cells of an OpenDocument spreadsheet, which calamine does not report.

A unit name merged down the rows of its months is form furniture (format 1.1): the reader needs the
ranges to copy the name into every row. Only called after the bounds and the no-DTD check.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from defusedxml.ElementTree import iterparse

_TABLE = "urn:oasis:names:tc:opendocument:xmlns:table:1.0"
_T = f"{{{_TABLE}}}"
Range = tuple[tuple[int, int], tuple[int, int]]


def _int(value: str | None) -> int:
    try:
        return max(1, int(value or 1))
    except ValueError:
        return 1


def ods_merges(path: Path) -> dict[str, list[Range]]:
    """Sheet name -> merged ranges, 0-based ``((row, col), (last row, last col))`` as calamine gives them."""
    with zipfile.ZipFile(path) as zf:
        if "content.xml" not in zf.namelist():
            return {}
        with zf.open("content.xml") as fh:
            if not any(
                b"number-rows-spanned" in chunk or b"number-columns-spanned" in chunk
                for chunk in iter(lambda: fh.read(1 << 20), b"")
            ):
                return {}
        out: dict[str, list[Range]] = {}
        sheet, row, col = "", 0, 0
        with zf.open("content.xml") as fh:
            for event, el in iterparse(fh, events=("start", "end")):
                tag = el.tag
                if event == "start":
                    if tag == f"{_T}table":
                        sheet, row = el.get(f"{_T}name", ""), 0
                    elif tag == f"{_T}table-row":
                        col = 0
                    continue
                if tag == f"{_T}table-row":
                    row += _int(el.get(f"{_T}number-rows-repeated"))
                    el.clear()
                elif tag in (f"{_T}table-cell", f"{_T}covered-table-cell"):
                    rows = _int(el.get(f"{_T}number-rows-spanned"))
                    cols = _int(el.get(f"{_T}number-columns-spanned"))
                    if tag == f"{_T}table-cell" and (rows > 1 or cols > 1):
                        out.setdefault(sheet, []).append(((row, col), (row + rows - 1, col + cols - 1)))
                    col += _int(el.get(f"{_T}number-columns-repeated"))
    return out
