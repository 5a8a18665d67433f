"""Column-at-a-time cell text gives exactly what the per-value formatting gives."""

from __future__ import annotations

import html

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdv.extracts.render import cells
from pdv.extracts.render.table import neutralise

# Text a unit could send: markup, quotes, formula starts, Vietnamese, emoji, empty.
TEXT = st.text(alphabet=st.sampled_from(list("<>&\"'=+-@\t\r ab1Đđệ😀\u0301")), max_size=12)
NUMBER = st.one_of(st.none(), st.integers(-(10**18), 10**18), st.floats(allow_nan=False, allow_infinity=False))


@settings(deadline=None)
@given(st.lists(TEXT, max_size=30))
def test_escaping_and_neutralising_match_python(values: list[str]) -> None:
    column = cells.strings(values)
    assert cells.escaped(column).to_pylist() == [html.escape(v, quote=True) for v in values]
    assert cells.neutralised(column).to_pylist() == [neutralise(v) for v in values]


@settings(deadline=None)
@given(st.lists(st.one_of(st.none(), st.integers(-(10**18), 10**18)), max_size=30), st.sampled_from(["", ".16g"]))
def test_whole_numbers_match_python(values: list[int | None], spec: str) -> None:
    assert cells.numbers(values, spec).to_pylist() == [None if v is None else format(v, spec) for v in values]


@settings(deadline=None)
@given(st.lists(NUMBER, max_size=30))
def test_any_numbers_match_python(values: list[int | float | None]) -> None:
    assert cells.numbers(values, ".16g").to_pylist() == [None if v is None else format(v, ".16g") for v in values]


@settings(deadline=None)
@given(st.lists(st.one_of(TEXT, st.none()), min_size=1, max_size=20), st.data())
def test_xlsx_cells_are_the_elements_openpyxl_would_write(values: list[str | None], data: st.DataObject) -> None:
    rows = list(range(12, 12 + len(values)))
    styles = [str(data.draw(st.integers(0, 40))) for _ in values]
    got = cells.xlsx_cells("C", cells.numbers(rows), cells.strings(styles), values, text=True).to_pylist()
    want = [
        f'<c r="C{r}" s="{s}" t="inlineStr"><is><t xml:space="preserve">{html.escape(neutralise(v))}</t></is></c>'
        if v
        else f'<c r="C{r}" s="{s}" t="inlineStr"/>'
        for r, s, v in zip(rows, styles, values, strict=True)
    ]
    assert got == want
    numbers = [None if v is None else len(v) / 4 for v in values]
    got = cells.xlsx_cells("H", cells.numbers(rows), cells.strings(styles), numbers, text=False).to_pylist()
    want = [
        f'<c r="H{r}" s="{s}" t="n"><v>{v:.16g}</v></c>' if v is not None else f'<c r="H{r}" s="{s}" t="n"/>'
        for r, s, v in zip(rows, styles, numbers, strict=True)
    ]
    assert got == want


@given(st.lists(TEXT, max_size=30))
def test_concat_is_the_utf8_of_the_joined_values(values: list[str]) -> None:
    column = cells.join(cells.strings(values), "|")  # a computed column, as the writers pass
    assert cells.concat(column) == "".join(f"{v}|" for v in values).encode("utf-8")
    assert cells.concat(column.slice(1)) == "".join(f"{v}|" for v in values[1:]).encode("utf-8")


def test_concat_refuses_a_null() -> None:
    with pytest.raises(ValueError, match="null"):
        cells.concat(cells.strings(["a", None]))
