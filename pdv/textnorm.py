"""Vietnamese text normalisation: one place for NFC/NFD, tone-mark placement, spacing and case."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Callable, Hashable

import pandas as pd

# Tone marks, spelled as Telex letters so a key stays readable; vowel marks (circumflex, breve,
# horn) are kept because they change the letter.
_TONES = {"\u0300": "f", "\u0301": "s", "\u0303": "x", "\u0309": "r", "\u0323": "j"}
# A BOM or zero-width space inside a cell (CSV files pasted together) is spacing, not text.
_SPACE = re.compile(r"[\s\ufeff\u200b]+")
_NON_ALNUM = re.compile(r"[^0-9a-z]+")
_PUNCT = re.compile(r"[^\w\s]+")


def clean_text(value: object) -> str:
    """NFC text with stray and repeated whitespace removed; '' for empty cells."""
    if value is None or (isinstance(value, float) and value != value):
        return ""
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:  # 1e308 stays short
        value = int(value)
    return _SPACE.sub(" ", unicodedata.normalize("NFC", str(value))).strip()


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
    text = _PUNCT.sub(" ", clean_text(value).casefold())
    return " ".join(_word_key(w) for w in text.split())


def ascii_key(value: object) -> str:
    """Key ignoring case, accents (đ included), punctuation and spacing: for headers and sheets."""
    text = unicodedata.normalize("NFD", clean_text(value).casefold().replace("đ", "d"))
    text = "".join(c for c in text if not unicodedata.combining(c))
    return _NON_ALNUM.sub(" ", text).strip()


def map_unique(series: pd.Series, fn: Callable[[object], Hashable]) -> pd.Series:
    """Apply ``fn`` once per distinct value (names repeat a lot), keeping the index."""
    uniques = series.dropna().unique()
    return series.map({u: fn(u) for u in uniques})
