"""The extract's table: its columns (``headers.csv``), values, period wording and targets, shared by every format."""

from __future__ import annotations

import csv
import html
import io
import math
import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache, cached_property
from importlib import resources
from typing import Literal

import numpy as np
import pandas as pd

Value = int | float | str | None

BOARD_PARENT = "ĐẢNG ỦY KHỐI CÁC CƠ QUAN TỈNH"
BOARD_NAME = "BAN TỔ CHỨC"
PARTY_NAME = "ĐẢNG CỘNG SẢN VIỆT NAM"
AUTHOR = "Ban Tổ chức Đảng ủy Khối"
VIEW_VI = {
    "as_is": "theo tổ chức hiện hành (số liệu của đơn vị đã sáp nhập tính cho đơn vị kế thừa)",
    "as_was": "theo tổ chức tại thời điểm báo cáo",
}
BEHIND_LEGEND = "Đơn vị chậm tiến độ thực hiện chỉ tiêu"
MET, NOT_MET, NO_DATA = "Đạt", "Chưa đạt", "Chưa có số liệu"

INT_COLUMNS = frozenset(
    {
        "stt",
        "target_total",
        "target_youth",
        "target_union",
        "admitted_total",
        "admitted_youth",
        "admitted_union",
        "ytd_admitted_total",
        "ytd_admitted_youth",
        "ytd_admitted_union",
        "recognized_full",
        "trained",
        "sympathizers_end",
        "reports_expected",
        "reports_received",
        "reports_on_time",
        "open_errors",
    }
)
PCT_COLUMNS = frozenset({"achievement_pct", "youth_share_pct"})
TEXT_COLUMNS = frozenset({"unit_type", "unit_name", "unit_code", "parent_name", "predecessors"})
FLAG_COLUMNS = ("behind_schedule", "is_total")
MONTHLY_COLUMNS = ("month", "admitted_total", "cumulative", "target_cumulative")

# Fixed stamps: the file's bytes must not depend on when it was written.

# A cell starting with one of these is run as a formula by spreadsheets (CSV injection); tab and CR too (OWASP).
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")
# Characters XML 1.0 (so XLSX and HTML) cannot carry.
_ILLEGAL_CHARS = re.compile(r"[\x00-\x08\x0b\x0c\x0e-\x1f\ufffe\uffff]")
_PERIOD = re.compile(r"^(\d{4})(?:-(Q[1-4]|H[12]))?$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
_ROMAN = {1: "I", 2: "II", 3: "III", 4: "IV"}


@dataclass(frozen=True)
class ExtractMeta:
    """What the extract is about: the period, its wording and the plan it is measured against."""

    period: str  # '2024-Q1', '2024-H1' or '2024'
    period_type: str  # 'quarter', 'half' or 'year' (checked on construction)
    year: int
    title_vi: str  # e.g. "Kết quả phát triển đảng viên quý I năm 2024"
    data_cutoff: str  # last month with data, e.g. '2024-03'
    plan_no: str  # '104-KH/ĐUK'
    yearly_target: int  # the bloc's target for the year (240)
    min_youth_share_pct: float  # minimum share of youth-union members among new members (70.0)
    view: str  # 'as_is': units as organised now; 'as_was': units as they were in the period

    def __post_init__(self) -> None:
        m = _PERIOD.match(self.period)
        if m is None or int(m.group(1)) != self.year:
            raise ValueError(
                f"period {self.period!r} is not a period of {self.year} (e.g. '2024-Q1', '2024-H1', '2024')"
            )
        kind = {None: "year", "Q": "quarter", "H": "half"}[m.group(2)[0] if m.group(2) else None]
        if kind != self.period_type:
            raise ValueError(f"period {self.period!r} is a {kind}, not a {self.period_type!r}")
        if self.view not in VIEW_VI:
            raise ValueError(f"view must be 'as_is' or 'as_was', not {self.view!r}")


@dataclass(frozen=True)
class Column:
    """One output column: its canonical name, Vietnamese group (may be empty) and header."""

    key: str
    group_vi: str
    header_vi: str

    @property
    def kind(self) -> Literal["int", "pct", "text"]:
        return "int" if self.key in INT_COLUMNS else "pct" if self.key in PCT_COLUMNS else "text"

    def group(self, year: int) -> str:
        # str.replace, not str.format: the wording is data and may hold other braces.
        return self.group_vi.replace("{year}", str(year))

    def flat_header(self, year: int) -> str:
        group = self.group(year)
        return f"{group} - {self.header_vi}" if group else self.header_vi


@cache
def columns() -> tuple[Column, ...]:
    """The output columns in order, read from ``headers.csv``."""
    text = resources.files("pdv.extracts").joinpath("headers.csv").read_text(encoding="utf-8-sig")
    cols = tuple(
        Column(r["column"].strip(), (r["group_vi"] or "").strip(), r["header_vi"].strip())
        for r in csv.DictReader(io.StringIO(text))
    )
    known = INT_COLUMNS | PCT_COLUMNS | TEXT_COLUMNS
    keys = [c.key for c in cols]
    if sorted(keys) != sorted(known):
        raise ValueError(f"headers.csv must list each of {sorted(known)} once; it lists {keys}")
    return cols


# --- preparing the rows ---------------------------------------------------------------------------


@dataclass(frozen=True)
class Table:
    """The rows as plain Python values in output order: units first, the bloc total last.

    Held by column (``values``), the form the XLSX and CSV writers stream; ``records`` (one dict per
    row) is built on first use for the writers that go row by row.
    """

    values: dict[str, list[Value]]
    behind: list[bool]

    @cached_property
    def records(self) -> list[dict[str, Value]]:
        keys = list(self.values)
        return [dict(zip(keys, row, strict=True)) for row in zip(*self.values.values(), strict=True)]

    @cached_property
    def parents(self) -> Table:
        """The rows summed by parent committee (``by_parent``): made once for every format."""
        return by_parent(self)

    @property
    def units(self) -> list[dict[str, Value]]:
        return self.records[:-1]

    @property
    def total(self) -> dict[str, Value]:
        return {k: v[-1] for k, v in self.values.items()}

    def __len__(self) -> int:
        return len(self.behind)


def _clean_text(value: object) -> str:
    if value is None or (not isinstance(value, str) and pd.isna(value)):  # type: ignore[call-overload]
        return ""
    # NFC so names look and truncate the same whatever normal form the source used.
    return _ILLEGAL_CHARS.sub("", unicodedata.normalize("NFC", str(value)))


def _texts(series: pd.Series) -> list[Value]:
    """``_clean_text`` of a whole column at once (tens of thousands of names at national scale)."""
    text = series.astype("string").fillna("").str.normalize("NFC").str.replace(_ILLEGAL_CHARS, "", regex=True)
    return list(text.tolist())


def _numbers(series: pd.Series, name: str, whole: bool) -> list[Value]:
    """Numbers as Python ints (``whole``) or floats, None where missing; a fraction or infinity is an error."""
    num = pd.to_numeric(series, errors="raise").astype("float64").to_numpy(na_value=np.nan)
    missing = np.isnan(num)
    bad = np.isinf(num)
    if whole:
        bad |= ~missing & ~bad & (num != np.floor(num))
    if bad.any():
        v = series.iloc[int(np.flatnonzero(bad)[0])]
        raise ValueError(f"column {name!r}: {v!r} is not {'a whole number' if whole else 'a percentage'}")
    out: list[Value] = list(np.where(missing, 0, num).astype("int64").tolist() if whole else num.tolist())
    for i in np.flatnonzero(missing).tolist():
        out[i] = None
    return out


def _ints(series: pd.Series, name: str) -> list[Value]:
    return _numbers(series, name, whole=True)


def _floats(series: pd.Series, name: str) -> list[Value]:
    return _numbers(series, name, whole=False)


def _flags(series: pd.Series) -> list[bool]:
    return [bool(v) for v in series.fillna(False).astype(bool).tolist()]


def prepare(rows: pd.DataFrame | Table) -> Table:
    """The rows checked and converted once, for the writers (which also take the DataFrame itself)."""
    if isinstance(rows, Table):
        return rows
    cols = columns()
    missing = [c for c in [*(c.key for c in cols), *FLAG_COLUMNS] if c not in rows.columns]
    if missing:
        raise ValueError(f"rows lack the columns {missing}")
    is_total = _flags(rows["is_total"])
    if sum(is_total) != 1:
        raise ValueError(f"rows must hold exactly one bloc total row (is_total), found {sum(is_total)}")
    frame = rows.reset_index(drop=True)
    # The total goes last whatever the caller's order; units keep theirs (annex order).
    order = [i for i, t in enumerate(is_total) if not t] + [is_total.index(True)]
    frame = frame.iloc[order].reset_index(drop=True)
    values: dict[str, list[Value]] = {}
    for c in cols:
        if c.kind == "int":
            values[c.key] = _ints(frame[c.key], c.key)
        elif c.kind == "pct":
            values[c.key] = _floats(frame[c.key], c.key)
        else:
            values[c.key] = _texts(frame[c.key])
    return Table(values=values, behind=_flags(frame["behind_schedule"]))


def neutralise(text: str) -> str:
    """Prefix a quote to text a spreadsheet would run as a formula ("=...", "+...", "-...", "@...")."""
    return "'" + text if text.startswith(_FORMULA_START) else text


def _pct_text(value: float) -> str:
    text = f"{value:.1f}"
    return "0.0" if text == "-0.0" else text


# --- wording --------------------------------------------------------------------------------------


def period_label(meta: ExtractMeta) -> str:
    """The period in Vietnamese with its months, e.g. "Quý I năm 2024 (tháng 01/2024 - 03/2024)"."""
    first, last = _period_months(meta)
    suffix = f"(tháng {first:02d}/{meta.year} - {last:02d}/{meta.year})"
    if meta.period_type == "quarter":
        return f"Quý {_ROMAN[last // 3]} năm {meta.year} {suffix}"
    if meta.period_type == "half":
        return f"6 tháng {'đầu' if last == 6 else 'cuối'} năm {meta.year} {suffix}"
    return f"Năm {meta.year} {suffix}"


def _period_months(meta: ExtractMeta) -> tuple[int, int]:
    part = meta.period[5:]
    if meta.period_type == "quarter":
        q = int(part[1])
        return 3 * q - 2, 3 * q
    if meta.period_type == "half":
        return (1, 6) if part == "H1" else (7, 12)
    return 1, 12


def _cutoff_month(meta: ExtractMeta) -> int:
    """The last month with data (from ``data_cutoff``), bounded by the period's last month."""
    m = _MONTH.match(meta.data_cutoff)
    last = _period_months(meta)[1]
    return min(int(m.group(2)), last) if m and int(m.group(1)) == meta.year else last


def _vi_int(value: int) -> str:
    return f"{value:,}".replace(",", ".")  # Vietnamese groups thousands with dots


def _vi_num(value: float | int | None, decimals: int = 1) -> str:
    """A number as Vietnamese readers write it (decimal comma, dots for thousands); "-" when missing.

    Whole numbers, ints or floats like 60.0, print without decimals; other floats with ``decimals``.
    """
    if value is None:
        return "-"
    f = float(value)
    if isinstance(value, int) or f.is_integer():
        return _vi_int(int(f))
    text = f"{f:,.{decimals}f}"
    if float(f"{f:.{decimals}f}") == 0:
        text = text.lstrip("-")
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


def _vi_pct(value: float | None) -> str:
    """A percentage with one decimal, always (24,0 not 24)."""
    if value is None:
        return "-"
    text = f"{value:,.1f}".lstrip("-") if abs(value) < 0.05 else f"{value:,.1f}"
    return text.replace(",", "\x00").replace(".", ",").replace("\x00", ".")


@dataclass(frozen=True)
class _Targets:
    """The bloc against the plan: yearly target and minimum youth share, and whether they are met."""

    ytd: int | None
    yearly_target: int
    achievement_pct: float | None
    target_met: str
    youth_share_pct: float | None
    min_youth_share_pct: float
    youth_met: str
    elapsed: int  # months of the year covered by the data
    due: float  # where an even pace would be by the cut-off: yearly target × elapsed / 12
    pace_met: str


def _targets(table: Table, meta: ExtractMeta) -> _Targets:
    ytd = table.total["ytd_admitted_total"]
    ytd_i = ytd if isinstance(ytd, int) else None
    pct = ytd_i / meta.yearly_target * 100 if ytd_i is not None and meta.yearly_target > 0 else None
    target_met = NO_DATA if ytd_i is None else MET if ytd_i >= meta.yearly_target else NOT_MET
    youth = table.total["youth_share_pct"]
    youth_f = float(youth) if isinstance(youth, int | float) else None
    # Compared at the shown precision, so 69.96 shown as 70.0 is not called short of 70.
    youth_met = NO_DATA if youth_f is None else MET if round(youth_f, 1) >= meta.min_youth_share_pct else NOT_MET
    elapsed = _cutoff_month(meta)
    due = meta.yearly_target * elapsed / 12
    pace_met = NO_DATA if ytd_i is None else MET if ytd_i >= due else NOT_MET
    return _Targets(
        ytd_i, meta.yearly_target, pct, target_met, youth_f, meta.min_youth_share_pct, youth_met, elapsed, due, pace_met
    )


def _e(value: object) -> str:
    """Text escaped for HTML and XML (the HTML page, the XLSX sheet written as XML)."""
    return html.escape(str(value), quote=True)


def _groups(cols: Sequence[Column], year: int) -> list[tuple[str, int, int]]:
    """Runs of adjacent columns under the same group: (group, first index, last index), 0-based."""
    runs: list[tuple[str, int, int]] = []
    for i, c in enumerate(cols):
        g = c.group(year)
        if runs and g and runs[-1][0] == g and runs[-1][2] == i - 1:
            runs[-1] = (g, runs[-1][1], i)
        else:
            runs.append((g, i, i))
    return runs


# --- national size --------------------------------------------------------------------------------

LARGE_UNITS = 500  # above this many units an extract leads with the summary by parent committee
NO_PARENT = "(không có cấp trên)"


def is_large(table: Table) -> bool:
    return len(table) - 1 > LARGE_UNITS


def _pct(part: Value, whole: Value) -> float | None:
    """``100 × part / whole`` to one decimal, half away from zero like SQL's round(); None without a whole."""
    if not isinstance(whole, int) or not whole or not isinstance(part, int):
        return None
    return math.floor(1000.0 * part / whole + 0.5) / 10


def by_parent(table: Table) -> Table:
    """One row per parent committee (its units summed, in order of first appearance), then the bloc
    total. A committee is behind schedule when at least half its units are."""
    ints = [c.key for c in columns() if c.kind == "int" and c.key != "stt"]
    units = pd.DataFrame({k: table.values[k][:-1] for k in ints})
    units["parent"] = [p if p else NO_PARENT for p in table.values["parent_name"][:-1]]
    units["behind"] = table.behind[:-1]
    grouped = units.groupby("parent", sort=False)
    sums = grouped[ints].sum(min_count=1)
    count = grouped.size()
    behind_share = grouped["behind"].mean()
    values: dict[str, list[Value]] = {}
    for c in columns():
        if c.key in ints:
            values[c.key] = _ints(sums[c.key], c.key)
        elif c.key == "stt":
            values[c.key] = list(range(1, len(sums) + 1))
        elif c.key == "unit_name":
            values[c.key] = [str(p) for p in sums.index]
        elif c.key == "unit_type":
            values[c.key] = [f"{n} đơn vị" for n in count.tolist()]
        elif c.kind == "text":
            values[c.key] = [""] * len(sums)
    values["achievement_pct"] = [
        _pct(a, t) for a, t in zip(values["ytd_admitted_total"], values["target_total"], strict=True)
    ]
    values["youth_share_pct"] = [
        _pct(y, a) for y, a in zip(values["ytd_admitted_youth"], values["ytd_admitted_total"], strict=True)
    ]
    total = table.total
    out = {c.key: [*values[c.key], total[c.key]] for c in columns()}
    return Table(values=out, behind=[bool(b >= 0.5) for b in behind_share.tolist()] + [table.behind[-1]])
