"""Pre-Unicode Vietnamese text (TCVN3/ABC and VNI) found in cells and converted to Unicode.

Such text arrives as valid but garbled Latin-1 ("Së Y tÕ", "Sôû Y teá"). A string is converted only
when it holds a character that Unicode Vietnamese never uses (a *marker*: "§", "Õ", "û", …) inside a
word, and when every word of the converted text is a well-formed Vietnamese syllable: "Hòa",
"Quy Nhơn" or "Đoàn" are never touched. The code tables are data (``encodings/*.csv``).
"""

from __future__ import annotations

import csv
import re
import unicodedata
from collections.abc import Iterable
from dataclasses import dataclass
from functools import cache
from importlib import resources
from itertools import chain

ENCODINGS = ("TCVN3", "VNI")
# Latin-1 letters that are also Vietnamese letters in Unicode: never markers on their own.
_VIETNAMESE_LATIN1 = set("àáâãèéêìíòóôõùúýÀÁÂÃÈÉÊÌÍÒÓÔÕÙÚÝ")
_TONE_MARKS = {"\u0300", "\u0301", "\u0303", "\u0309", "\u0323"}
_VOWELS = "aăâeêioôơuưy"
# The vowel nuclei of Vietnamese syllables (tone marks removed), longest first.
_NUCLEI = "|".join(
    [
        *("iêu", "yêu", "oai", "oay", "oeo", "uây", "uôi", "ươi", "ươu", "uya", "uyê", "uyu"),
        *("ai", "ao", "au", "ay", "âu", "ây", "eo", "êu", "ia", "iê", "iu", "oa", "oă", "oe", "oi", "ôi"),
        *("ơi", "ua", "uâ", "uê", "ui", "uô", "uơ", "uy", "ưa", "ưi", "ươ", "ưu", "yê"),
        *"aăâeêioôơuưy",
    ]
)
_ONSET = r"(?:ngh|ng|nh|ch|gh|gi|kh|ph|qu|th|tr|[bcdđghklmnpqrstvx])?"
_FINAL = r"(?:ng|nh|ch|[cmnpt])?"
_SYLLABLE = re.compile(rf"^{_ONSET}(?:{_NUCLEI}){_FINAL}$")
_WORD = re.compile(r"[^\W\d_]+")
_LATIN1_ONLY = re.compile(r"^[\x00-\xff]*$")


@dataclass(frozen=True)
class Table:
    name: str
    pattern: re.Pattern[str]
    mapping: dict[str, str]
    markers: frozenset[str]

    def convert(self, text: str) -> str:
        return self.pattern.sub(lambda m: self.mapping[m.group(0)], text)


@cache
def tables() -> tuple[Table, ...]:
    out = []
    for name in ENCODINGS:
        with resources.files("pdv.sources").joinpath(f"encodings/{name.lower()}.csv").open(encoding="utf-8") as fh:
            mapping = {r["legacy"]: r["unicode"] for r in csv.DictReader(fh)}
        keys = sorted(mapping, key=len, reverse=True)  # a base letter with its modifier before a lone byte
        markers = frozenset(c for k in mapping for c in k if ord(c) > 0x7F and c not in _VIETNAMESE_LATIN1)
        out.append(Table(name, re.compile("|".join(map(re.escape, keys))), mapping, markers))
    return tuple(out)


@cache
def _all_markers() -> frozenset[str]:
    return frozenset().union(*(t.markers for t in tables()))


@cache
def _marker_re() -> re.Pattern[str]:
    chars = sorted(_all_markers())
    # A marker touching a letter or another marker: a lone "§" or "×" between digits is a symbol.
    cls = "".join(map(re.escape, chars))
    return re.compile(rf"(?:[^\W\d_][{cls}]|[{cls}][^\W\d_])")


def _syllable_ok(word: str) -> bool:
    if word.isascii():
        return True
    decomposed = unicodedata.normalize("NFD", word.casefold())
    if sum(c in _TONE_MARKS for c in decomposed) > 1:
        return False
    base = unicodedata.normalize("NFC", "".join(c for c in decomposed if c not in _TONE_MARKS))
    if not any(c in _VOWELS for c in base) or (word.isupper() and len(word) <= 5 and base.replace("đ", "d").isascii()):
        return base.replace("đ", "d").isascii()  # an abbreviation such as "ĐVTN", "QĐ", "ĐUK"
    return bool(_SYLLABLE.match(base))


def _well_formed(text: str) -> bool:
    markers = _all_markers()
    if any(c in markers for c in text):  # a marker left over: not this encoding
        return False
    return all(_syllable_ok(w) for w in _WORD.findall(text))


def _case(original: str, converted: str) -> str:
    """Text typed in capitals (the .VnTimeH font draws lower-case codes as capitals) stays in capitals."""
    letters = [c for c in original if c.isascii() and c.isalpha()]
    return converted.upper() if len(letters) >= 3 and all(c.isupper() for c in letters) else converted


def candidates(text: str) -> dict[str, str]:
    """Encoding -> Unicode text, for each legacy encoding ``text`` reads well in ({} for Unicode text)."""
    if not text or text.isascii() or any(ord(c) > 0xFF for c in text):
        return {}
    # Legacy text shows a character Unicode Vietnamese never uses, or words that are not Vietnamese
    # as they stand ("Nguyeãn", "Vaên": VNI needs no marker character for them).
    if not _marker_re().search(text) and all(_syllable_ok(w) for w in _WORD.findall(text)):
        return {}
    out = {}
    for table in tables():
        converted = unicodedata.normalize("NFC", table.convert(text))
        if converted != text and _well_formed(converted):
            out[table.name] = _case(text, converted)
    return out


@dataclass
class Conversion:
    encoding: str
    mapping: dict[str, str]  # legacy text -> Unicode, for the strings converted
    example: str  # the first converted text, as written


def detect(texts: Iterable[object]) -> Conversion | None:
    """The legacy encoding of a file's distinct strings, and what each legacy string becomes."""
    found: dict[str, dict[str, str]] = {name: {} for name in ENCODINGS}
    order: list[str] = []
    for value in texts:
        if not isinstance(value, str):
            continue
        for name, converted in candidates(value).items():
            found[name][value] = converted
            order.append(value)
    if not order:
        return None
    # One encoding per file: the one more strings read well in (TCVN3 on a tie, it is the commoner).
    best = max(ENCODINGS, key=lambda n: len(found[n]))
    mapping = found[best]
    example = next(v for v in order if v in mapping)
    return Conversion(best, mapping, example)


def _column_letter(index: int) -> str:
    letters = ""
    while index:
        index, rem = divmod(index - 1, 26)
        letters = chr(65 + rem) + letters
    return letters


@dataclass
class Converted:
    """What a file's legacy text became: the encoding, and where its first converted cell is."""

    encoding: str
    sheet: str
    row: int
    cell: str
    written: str
    unicode: str


def convert_rows(sheets: list[tuple[str, list[tuple[int, list[object]]]]]) -> Converted | None:
    """Convert the legacy text of a file's sheets in place (``(name, rows)``); None if all is Unicode."""
    # Hashing in C (chain into a set), then the few distinct values filtered: no loop over cells.
    values = set(chain.from_iterable(cells for _, rows in sheets for _, cells in rows))
    distinct = {c for c in values if isinstance(c, str) and c}
    # The common case, Unicode text, is told apart by one scan: legacy strings are Latin-1 only.
    latin = sorted(c for c in distinct if not c.isascii() and _LATIN1_ONLY.match(c))
    if not latin:
        return None
    found = detect(latin)
    if found is None:
        return None
    mapping = found.mapping
    first: Converted | None = None
    for name, rows in sheets:
        for pos, (number, cells) in enumerate(rows):
            if not any(isinstance(c, str) and c in mapping for c in cells):
                continue
            if first is None:
                col = next(i for i, c in enumerate(cells) if isinstance(c, str) and c in mapping)
                cell = f"{_column_letter(col + 1)}{number}"
                first = Converted(found.encoding, name, number, cell, str(cells[col]), mapping[str(cells[col])])
            rows[pos] = (number, [mapping.get(c, c) if isinstance(c, str) else c for c in cells])
    return first


def looks_legacy(text: str) -> bool:
    """Whether bytes read as Windows-1252 are TCVN3/VNI text (rather than Windows-1258 Vietnamese)."""
    words = {w for w in re.split(r"[\s,;\t\"]+", text) if not w.isascii()}
    if not words or "\ufffd" in text:
        return False
    legacy = sum(bool(candidates(w)) for w in words)
    return legacy * 2 >= len(words)


@cache
def _encoders() -> dict[str, dict[str, str]]:
    out: dict[str, dict[str, str]] = {}
    for table in tables():
        inverse: dict[str, str] = {}
        for legacy, unicode in table.mapping.items():  # the first spelling of each letter
            inverse.setdefault(unicode, legacy)
        out[table.name] = inverse
    return out


def encode(text: str, encoding: str) -> str:
    """``text`` as an office typing in TCVN3 or VNI stores it (for synthetic data); TCVN3 has no codes
    for toned capitals, which the .VnTimeH font draws from the lower-case ones."""
    table = _encoders()[encoding]
    out = []
    for ch in unicodedata.normalize("NFC", text):
        if ch not in table and encoding == "TCVN3":
            ch = ch.lower() if ch.lower() in table else ch
        out.append(table.get(ch, ch))
    return "".join(out)
