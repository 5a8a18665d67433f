import random
import unicodedata
from collections.abc import Callable
from typing import Any

import numpy as np
import pandas as pd
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from pdv.textnorm import _SMALL, ascii_key, clean_cells, clean_lines, clean_text, map_cells, map_unique, name_key


@pytest.mark.parametrize(
    ("a", "b"),
    [
        ("Quy Hòa", "Quy Hoà"),  # tone-mark placement, old vs new style
        ("Sở Thủy lợi", "Sở Thuỷ lợi"),
        ("Ủy ban nhân dân", "Uỷ ban nhân dân"),
        ("Bệnh viện Mắt", unicodedata.normalize("NFD", "Bệnh viện Mắt")),
        ("  Sở   Y tế ", "Sở Y tế"),
        ("SỞ Y TẾ", "sở y tế"),
        ("Phong - Da liễu", "Phong-Da liễu"),
    ],
)
def test_name_key_treats_spellings_of_one_name_alike(a: str, b: str) -> None:
    assert name_key(a) == name_key(b)


@pytest.mark.parametrize(("a", "b"), [("Tinh đoàn", "Tỉnh đoàn"), ("Đoàn", "Doàn"), ("Sở Tư pháp", "Sở Tài chính")])
def test_name_key_keeps_different_words_apart(a: str, b: str) -> None:
    assert name_key(a) != name_key(b)


def test_ascii_key_ignores_accents_case_punctuation_and_d_stroke() -> None:
    assert ascii_key("Kết nạp: Tổng số") == "ket nap tong so"
    assert ascii_key("ĐVTN") == "dvtn"
    assert ascii_key(" Tổng  hợp ") == ascii_key("TONG HOP")


def test_clean_text_normalises_to_nfc_and_whole_numbers() -> None:
    assert clean_text(unicodedata.normalize("NFD", " Hòa\u00a0 Bình ")) == "Hòa Bình"
    assert clean_text(3.0) == "3"
    assert clean_text(None) == ""
    assert clean_text(float("nan")) == ""


def test_map_unique_keeps_index_and_missing_values() -> None:
    s = pd.Series(["Hòa", None, "Hoà"], index=[7, 8, 9])
    out = map_unique(s, name_key)
    assert list(out.index) == [7, 8, 9]
    assert out[7] == out[9]
    assert pd.isna(out[8])


CELLS = st.one_of(
    st.none(),
    st.just(float("nan")),
    st.integers(-3, 3),
    st.floats(-5, 5, allow_nan=False),
    st.booleans(),
    st.sampled_from(["Hòa", "Hoà", " Sở  Y tế ", "", "3", "Tổng cộng"]),
    st.text(max_size=6),
)
FUNCTIONS = [clean_text, ascii_key, name_key, lambda v: len(str(v)), lambda v: v == 3, lambda v: None if v == 1 else v]


@settings(max_examples=150, deadline=None)
@given(values=st.lists(CELLS, max_size=12), fn=st.sampled_from(FUNCTIONS), str_dtype=st.booleans())
def test_map_unique_gives_what_series_map_gives(
    values: list[object], fn: Callable[[object], Any], str_dtype: bool
) -> None:
    """The small-input loop and pandas' map agree, values and dtype, whatever the cells."""
    series = pd.Series(values, dtype=object, index=range(10, 10 + len(values)), name="cells")
    if str_dtype:
        series = series.map(lambda v: v if isinstance(v, str) or v is None else str(v)).astype("str")
    reference = series.map({u: fn(u) for u in series.dropna().unique()})
    pd.testing.assert_series_equal(map_unique(series, fn), reference)


@settings(max_examples=100, deadline=None)
@given(values=st.lists(CELLS, max_size=12), fn=st.sampled_from(FUNCTIONS[:3]))
def test_map_cells_gives_the_series_result_as_an_array(values: list[object], fn: Callable[[object], Any]) -> None:
    cells = np.array([*values, None], dtype=object)[:-1]  # an object array, whatever the values
    series = pd.Series(cells, dtype=object)
    expected = series.map({u: fn(u) for u in series.dropna().unique()}).fillna("").tolist()
    assert map_cells(cells, fn, "").tolist() == expected


@settings(max_examples=100, deadline=None)
@given(values=st.lists(CELLS, min_size=1, max_size=12), fn=st.sampled_from(FUNCTIONS), data=st.data())
def test_map_cells_of_a_large_grid_gives_the_series_result(
    values: list[object], fn: Callable[[object], Any], data: st.DataObject
) -> None:
    """Above the small-input size (a consolidated report's grid), the same cells, repeated and shuffled."""
    n = _SMALL + 1 + data.draw(st.integers(0, 50))
    order = list(range(n))
    random.Random(data.draw(st.integers(0, 2**32))).shuffle(order)
    cells = np.array([*(values[i % len(values)] for i in order), None], dtype=object)[:-1]
    series = pd.Series(cells, dtype=object)
    expected = series.map({u: fn(u) for u in series.dropna().unique()}).tolist()
    expected = ["" if v is None or (isinstance(v, float) and v != v) else v for v in expected]
    assert map_cells(cells, fn, "").tolist() == expected


@settings(max_examples=100, deadline=None)
@given(values=st.lists(CELLS, max_size=12), large=st.booleans(), dtype=st.sampled_from([None, object]))
def test_clean_cells_is_map_unique_with_blanks_empty(values: list[object], large: bool, dtype: type | None) -> None:
    cells = values * (_SMALL // max(1, len(values)) + 1) if large else values
    series = pd.Series(cells, dtype=object, index=range(7, 7 + len(cells)), name="cells")
    expected = map_unique(series, clean_text).fillna("")
    pd.testing.assert_series_equal(clean_cells(series, dtype), expected if dtype is None else expected.astype(dtype))


_LINE_TEXT = st.text(
    alphabet=st.sampled_from(list("ab Ơ\u0301\u0323\n\t\x0b\x0c\x1c\x85\u00a0\u2028\u3000\ufeff\u200bo\u031b")),
    max_size=40,
)


@settings(max_examples=500)
@given(_LINE_TEXT)
def test_clean_lines_is_clean_text_of_every_line(text: str) -> None:
    """The one-pass form gives what cleaning line by line gives, whitespace of every kind and split marks included."""
    assert clean_lines(text) == "\n".join(clean_text(line) for line in text.split("\n"))
