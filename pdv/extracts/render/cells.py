"""Cell text a column at a time, with Arrow's compute kernels.

A national table is about a million cells: formatted one Python string at a time, the XLSX sheet and
the HTML table took seconds. These build the same text column-wise (the tests hold them to the
per-value formatting, byte for byte); values Arrow would print differently stay in Python.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import TypeAlias

import numpy as np
import pyarrow as pa
import pyarrow.compute as pc

# html.escape(quote=True), in its order: the ampersand first.
_ESCAPES = (("&", "&amp;"), ("<", "&lt;"), (">", "&gt;"), ('"', "&quot;"), ("'", "&#x27;"))
_FORMULA = r"^([=+\-@\t\r])"  # pdv.extracts.render.table._FORMULA_START as a pattern
_EXACT_INT = 10**15  # below this every integer prints the same as str() and as format(v, ".16g")

Strings: TypeAlias = pa.Array  # of strings


def strings(values: Sequence[str | None]) -> Strings:
    return pa.array(values, type=pa.string())


def texts(values: Sequence[object]) -> Strings:
    """``str(v or "")`` of each value."""
    return strings([str(v) if v else "" for v in values])


def escaped(column: Strings) -> Strings:
    """``html.escape(v, quote=True)`` of every value."""
    for char, entity in _ESCAPES:
        column = pc.replace_substring(column, char, entity)
    return column


def neutralised(column: Strings) -> Strings:
    """``neutralise(v)``: a quote before text a spreadsheet would run as a formula."""
    return pc.replace_substring_regex(column, _FORMULA, r"'\1")


def numbers(values: Sequence[object], spec: str = "") -> Strings:
    """``format(v, spec)`` of each number (``str(v)`` with no spec), null where missing.

    Whole numbers go through Arrow's cast when every one prints the same that way; the rest (floats,
    whose shortest form Arrow and Python may write differently) are formatted in Python.
    """
    try:
        ints = pa.array(values)
    except (pa.ArrowInvalid, pa.ArrowTypeError):
        ints = None
    if ints is not None and pa.types.is_integer(ints.type):
        top = pc.max(pc.abs(ints)).as_py()
        if top is None or top < _EXACT_INT:
            return pc.cast(ints, pa.string())
    return strings([None if v is None else format(v, spec) for v in values])


def join(*parts: Strings | str) -> Strings:
    """The parts side by side, row by row (a ``str`` is the same in every row)."""
    return pc.binary_join_element_wise(*parts, "")


def pick(condition: pa.Array, when_true: Strings | str, when_false: Strings | str) -> Strings:
    return pc.if_else(condition, when_true, when_false)


def choose(index: Sequence[int], options: Sequence[str]) -> Strings:
    """``options[i]`` for each ``i`` of ``index``."""
    return pc.take(strings(options), pa.array(index, type=pa.int8()))


def concat(column: Strings) -> bytes:
    """Every value, one after the other, as UTF-8: the column's own data buffer, no Python strings."""
    if column.null_count:
        raise ValueError("a null among the cells")
    width = np.int64 if pa.types.is_large_string(column.type) else np.int32
    offsets = np.frombuffer(column.buffers()[1], dtype=width)[column.offset : column.offset + len(column) + 1]
    return bytes(memoryview(column.buffers()[2])[offsets[0] : offsets[-1]]) if len(column) else b""


def xlsx_cells(letter: str, refs: Strings, styles: Strings | str, values: Sequence[object], text: bool) -> Strings:
    """One column's ``<c>`` elements (column ``letter``, rows ``refs``, style ids ``styles``: one per row or
    one for all), as
    openpyxl writes them: ``text`` as inline strings neutralised against formulas, else numbers."""
    head = join(f'<c r="{letter}', refs, '" s="', styles, '"')
    if text:
        # Inline strings: "t=s" would need a shared-string table; neutralised as Excel may still run "=...".
        column = texts(values)
        full = join(head, ' t="inlineStr"><is><t xml:space="preserve">', escaped(neutralised(column)), "</t></is></c>")
        empty = pc.equal(column, "")
        return pick(empty, join(head, ' t="inlineStr"/>'), full) if pc.any(empty).as_py() else full
    number = numbers(values, ".16g")
    full = join(head, ' t="n"><v>', number, "</v></c>")
    return pick(pc.is_null(number), join(head, ' t="n"/>'), full) if number.null_count else full
