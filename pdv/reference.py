"""Reference data kept by data stewards in ``data/raw/reference/``: the unit registry and aliases.

The registry gives each unit a stable code that does not depend on any annex row number; the alias
table maps other spellings to codes, so a new spelling is a one-line change.
"""

from __future__ import annotations

import difflib
import re
from dataclasses import dataclass
from pathlib import Path

import pandas as pd

from pdv.textnorm import clean_text, map_unique, name_key

UNITS_FILE = "units.csv"
ALIASES_FILE = "unit_aliases.csv"
CHANGES_FILE = "unit_changes.csv"
COMMITTEES_FILE = "committees.csv"


def change_names(reference_dir: Path) -> pd.DataFrame:
    """Names that the change list gives (a rename, a merged unit's new name) as aliases of their code.

    Reports are matched to a code whatever the date; whether the unit existed then is decided when
    the figures are placed (``pdv.history``).
    """
    path = reference_dir / CHANGES_FILE
    if not path.exists():
        return pd.DataFrame(columns=["alias", "unit_code"])
    changes = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").map(clean_text)
    changes = changes.reindex(columns=["kind", "predecessors", "successors", "new_name"], fill_value="")
    named = changes[changes["new_name"] != ""]
    target = named["successors"].where(named["successors"] != "", named["predecessors"])
    codes = target.str.split(";").str[0].str.strip().str.upper()
    return pd.DataFrame({"alias": named["new_name"], "unit_code": codes}).reset_index(drop=True)


@dataclass
class Resolution:
    """How names resolved: ``code`` (None when unresolved), ``how`` and close suggestions."""

    code: pd.Series
    how: pd.Series  # "name", "alias", "code", "unknown" or "ambiguous"
    suggestions: pd.Series


_PROVINCE = re.compile(r"( tinhr)? binhf đinhj$")


def _short(key: str) -> str:
    """A name key without the province suffix, which every name shares and which hides typos."""
    return _PROVINCE.sub("", key)


class UnitRegistry:
    """Known units with their canonical names, and name/alias resolution."""

    def __init__(self, units: pd.DataFrame, aliases: pd.DataFrame) -> None:
        self.units = units.assign(name_key=map_unique(units["unit_name"], name_key))
        by_key: dict[str, set[str]] = {}
        for key, code in zip(self.units["name_key"], self.units["unit_code"], strict=True):
            by_key.setdefault(key, set()).add(code)
        alias_keys: dict[str, set[str]] = {}
        for alias, code in zip(aliases["alias"], aliases["unit_code"], strict=True):
            alias_keys.setdefault(name_key(alias), set()).add(clean_text(code))
        self._by_key = by_key
        self._alias = alias_keys
        self._codes = set(self.units["unit_code"])
        self._names = dict(zip(self.units["unit_code"], self.units["unit_name"], strict=True))

    @classmethod
    def load(cls, reference_dir: Path) -> UnitRegistry:
        units = pd.read_csv(reference_dir / UNITS_FILE, dtype=str, keep_default_na=False, encoding="utf-8-sig")
        units = units.map(clean_text)
        alias_path = reference_dir / ALIASES_FILE
        aliases = (
            pd.read_csv(alias_path, dtype=str, keep_default_na=False, encoding="utf-8-sig")
            if alias_path.exists()
            else pd.DataFrame(columns=["alias", "unit_code"])
        )
        return cls(units, pd.concat([aliases, change_names(reference_dir)], ignore_index=True))

    def name_of(self, code: str) -> str:
        return self._names.get(code, "")

    def is_code(self, code: str) -> bool:
        return code in self._codes

    def _resolve_one(self, name: str) -> tuple[str | None, str, str]:
        key = name_key(name)
        for how, table in (("name", self._by_key), ("alias", self._alias)):
            codes = table.get(key, set())
            if len(codes) == 1:
                return next(iter(codes)), how, ""
            if len(codes) > 1:
                return None, "ambiguous", ", ".join(self._names.get(c, c) for c in sorted(codes))
        short = {_short(k): k for k in self._by_key}
        close = difflib.get_close_matches(_short(key), list(short), n=3, cutoff=0.5)
        names = [self._names[next(iter(self._by_key[short[k]]))] for k in close]
        return None, "unknown", "; ".join(names) or "(không có / none)"

    def resolve_units(self, codes: pd.Series, names: pd.Series) -> Resolution:
        """Resolve by code where one is given (it must be known), else by name or alias.

        Both are text as cleaned by ``clean_text`` ("" where blank): the caller has it already.
        """
        index = codes.index
        code_text = codes.str.upper()
        by_name = self.resolve(names)
        has_code = code_text != ""
        known = code_text.isin(self._codes)
        code = by_name.code.where(~has_code, code_text.where(known))
        how = by_name.how.where(~has_code, pd.Series("code", index=index).where(known, "unknown"))
        suggestions = by_name.suggestions.where(~has_code | known, "(mã không có trong danh mục / unknown code)")
        return Resolution(code, how, suggestions)

    def resolve(self, names: pd.Series) -> Resolution:
        """Resolve unit names (vectorised over distinct names)."""
        uniques = names.dropna().unique()
        table = pd.DataFrame(
            [self._resolve_one(u) for u in uniques], index=uniques, columns=["code", "how", "suggestions"]
        )
        parts = table.reindex(names.to_numpy()).set_axis(names.index)
        return Resolution(parts["code"], parts["how"], parts["suggestions"])
