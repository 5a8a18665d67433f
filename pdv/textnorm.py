"""Vietnamese text normalisation: one place for NFC/NFD, tone-mark placement, spacing and case."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable
from functools import lru_cache

import numpy as np
import pandas as pd

# Headers, unit names and periods repeat across files: the keys of a text are computed once per
# process (bounded, so a national run's distinct names do not grow it without end).
_MEMO = 1 << 18
# Below this many cells a plain loop beats pandas' unique/map (a one-unit report has a few dozen).
_SMALL = 2048

# Tone marks, spelled as Telex letters so a key stays readable; vowel marks (circumflex, breve,
# horn) are kept because they change the letter.
_TONES = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}
# A BOM or zero-width space inside a cell (CSV files pasted together) is spacing, not text.
_SPACE = re.compile(r"[\s\ufeff\u200b]+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PUNCT = re.compile(r"[^\w\s]+")


def clean_text(value: object) -> str:
    """NFC text with stray and repeated whitespace removed; '' for empty cells."""
    if type(value) is str:
        return _clean_str(value)
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:  # 1e308 stays short
        value = int(value)
    return _clean_str(str(value))


@lru_cache(maxsize=_MEMO)
def _clean_str(value: str) -> str:
    return _SPACE.sub(" ", unicodedata.normalize("NFC", value)).strip()


def clean_lines(text: str) -> str:
    """``clean_text`` of every line of ``text`` (split at newlines), without a regular expression.

    Why: a national plan document has 56,000 lines, cleaned on every run. ``str.split()`` splits where the
    pattern's ``\\s`` matches (both use Python's isspace); a BOM or zero-width space is spacing here too.
    """
    text = unicodedata.normalize("NFC", text).replace("\ufeff", " ").replace("\u200b", " ")
    return "\n".join(" ".join(line.split()) for line in text.split("\n"))


@lru_cache(maxsize=_MEMO)  # words repeat across names far more than names do ("Chi bộ", "Trường", "xã")
def _word_key(word: str) -> str:
    word = unicodedata.normalize("NFD", word)
    tones = [c for c in word if c in _TONES]
    base = unicodedata.normalize("NFC", "".join(c for c in word if c not in _TONES))
    return base + "".join(_TONES[t] for t in tones)


def name_key(value: object) -> str:
    """Comparison key for names: case, spacing, punctuation, NFC/NFD and tone placement ignored.

    "Hoà" and "Hòa", "Thuỷ" and "Thủy", "ỦY BAN" and "Ủy  ban" give the same key; "Tinh" and
    "Tỉnh" do not (a different tone is a different word).
    """
    return _name_key(clean_text(value))


@lru_cache(maxsize=_MEMO)
def _name_key(clean: str) -> str:
    text = _PUNCT.sub(" ", clean.casefold())
    return " ".join(_word_key(w) for w in text.split())


def ascii_key(value: object) -> str:
    """Key ignoring case, accents (đ included), punctuation and spacing: for headers and sheets."""
    return _ascii_key(clean_text(value))


@lru_cache(maxsize=_MEMO)
def _ascii_key(clean: str) -> str:
    text = unicodedata.normalize("NFD", clean.casefold().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", text).strip()


def map_unique(series: pd.Series, fn: Callable[[object], Hashable]) -> pd.Series:
    """Apply ``fn`` once per distinct value (names repeat a lot), keeping the index; missing stays missing.

    The result is what ``series.map({u: fn(u) for u in series.dropna().unique()})`` gives, dtype included.
    """
    if len(series) == 0 or len(series) > _SMALL:
        return series.map({u: fn(u) for u in series.dropna().unique()})
    return pd.Series(_mapped(series.to_numpy(dtype=object), fn, np.nan), index=series.index, name=series.name)


def clean_cells(series: pd.Series, dtype: type[object] | None = None) -> pd.Series:
    """``clean_text`` of every cell, "" where blank: ``map_unique(series, clean_text).fillna("")``, dtype
    included (``str`` once a cell is filled), or ``astype(dtype)`` of it; without Series.map's passes."""
    if not series.notna().any():  # no text at all: whatever dtype pandas gives that
        out = map_unique(series.astype(object), clean_text).fillna("")
        return out if dtype is None else out.astype(dtype)
    cells = map_cells(series.to_numpy(dtype=object), clean_text, "")
    return pd.Series(cells, index=series.index, name=series.name, dtype="str" if dtype is None else dtype)


def map_cells(cells: np.ndarray, fn: Callable[[object], Hashable], missing: object = np.nan) -> np.ndarray:
    """``map_unique`` on a NumPy object array (a report's grid), giving one: ``missing`` for empty cells."""
    if len(cells) > _SMALL:
        # Codes into the distinct values (pandas' hash table, as unique() and map() use), -1 where missing:
        # a national grid is millions of cells, and Series.map plus isna over them took seconds.
        codes, distinct = pd.factorize(cells, use_na_sentinel=True)
        mapped = np.empty(len(distinct) + 1, dtype=object)
        mapped[:-1] = [fn(u) for u in distinct]
        mapped[pd.isna(mapped)] = missing  # a missing result is missing too; the last slot is code -1's
        return mapped[codes]
    out = np.empty(len(cells), dtype=object)
    out[:] = _mapped(cells, fn, missing)
    return out


def _mapped(values: np.ndarray, fn: Callable[[object], Hashable], missing: object) -> list[object]:
    """``fn`` of each value, computed once per distinct one; ``missing`` where the value is missing.

    A list, so that pandas infers the result's dtype as it does for ``Series.map``'s values.
    """
    memo: dict[object, Hashable] = {}
    out: list[object] = [missing] * len(values)
    for i, (v, na) in enumerate(zip(values, pd.isna(values), strict=True)):
        if not na:
            if v not in memo:
                memo[v] = fn(v)
            out[i] = memo[v]
    return out
