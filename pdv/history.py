"""Units over time: versions, parent committees and successions from the stewards' change list.

``data/raw/reference/unit_changes.csv`` lists what happened to units (rename, merge, split, move to
another parent committee, dissolve) and from which day. From it and the unit registry this module
derives a type-2 history (one version per period of validity, with its parent), the succession
edges, where each unit's figures belong today, and who holds each yearly target on a given day.

A change row that does not make sense is reported (rule ``changes.*``) and skipped; the others apply.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date, timedelta
from functools import cached_property
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd

from pdv.findings import Finding
from pdv.parse import parse_date
from pdv.reference import CHANGES_FILE, COMMITTEES_FILE, UNITS_FILE, UnitRegistry
from pdv.textnorm import clean_text

CHANGE_COLUMNS = [
    "change_id",
    "effective_date",
    "kind",
    "predecessors",
    "successors",
    "new_name",
    "new_parent",
    "target_youth",
    "target_union",
    "note",
]
KINDS_VI = {"rename": "đổi tên", "merge": "sáp nhập", "split": "chia tách", "move": "chuyển", "dissolve": "giải thể"}
VERSION_COLUMNS = ["unit_code", "unit_type", "unit_name", "parent_code", "parent_name", "valid_from", "valid_to"]
SUCCESSION_COLUMNS = ["change_id", "effective_date", "kind", "predecessor_code", "successor_code", "is_principal"]
TARGET_COLUMNS = [
    "unit_code",
    "year",
    "target_total",
    "target_youth",
    "target_union",
    "valid_from",
    "valid_to",
    "basis",
    "change_id",
]
_AMOUNTS = ("target_total", "target_youth", "target_union")


@dataclass
class _Version:
    code: str
    unit_type: str
    name: str
    parent: str
    start: date | None
    end: date | None = None

    def covers(self, day: date) -> bool:
        return (self.start is None or self.start <= day) and (self.end is None or self.end >= day)


@dataclass
class Change:
    """One accepted row of the change list."""

    change_id: str
    day: date
    kind: str
    predecessors: list[str]
    successors: list[str]
    new_name: str
    new_parent: str
    target_youth: int | None
    target_union: int | None
    row: int


@dataclass
class UnitHistory:
    """Versions, successions and accepted changes, with the findings about the change list."""

    versions: pd.DataFrame
    succession: pd.DataFrame
    changes: list[Change] = field(default_factory=list)
    findings: list[Finding] = field(default_factory=list)
    path: str = f"reference/{CHANGES_FILE}"

    @classmethod
    def load(cls, reference_dir: Path, registry: UnitRegistry | None = None) -> UnitHistory:
        """The history from ``reference_dir`` (no change list: every unit has one open version)."""
        # The registry's name matching is not needed here (and costs seconds at national scale).
        units = (
            registry.units if registry is not None else _read_csv(reference_dir / UNITS_FILE, []).drop(columns="_row")
        )
        changes = _read_csv(reference_dir / CHANGES_FILE, CHANGE_COLUMNS)
        committees = _read_csv(reference_dir / COMMITTEES_FILE, ["parent_code", "parent_name"])
        return build_history(
            units, changes, dict(zip(committees["parent_code"], committees["parent_name"], strict=True))
        )

    @cached_property
    def timeline(self) -> pd.DataFrame:
        """Versions with open ends filled, as datetime64 (what ``place`` compares months with)."""
        return pd.DataFrame(
            {
                "unit_code": self.versions["unit_code"].astype(object),
                "start": pd.to_datetime(self.versions["valid_from"]).fillna(_LOW),
                "stop": pd.to_datetime(self.versions["valid_to"]).fillna(_HIGH),
            }
        )

    def current_code(self) -> dict[str, str]:
        """``{unit_code: today's unit}``: each code followed along its principal successors."""
        nxt = dict(
            zip(
                self.succession.loc[self.succession["is_principal"], "predecessor_code"],
                self.succession.loc[self.succession["is_principal"], "successor_code"],
                strict=True,
            )
        )
        out = {}
        for code in self.versions["unit_code"].unique():
            seen, cur = {code}, code
            while cur in nxt and nxt[cur] not in seen:
                cur = nxt[cur]
                seen.add(cur)
            out[str(code)] = str(cur)
        return out

    def held_targets(self, annex: pd.DataFrame) -> pd.DataFrame:
        """Who holds each yearly target from which day to which (``TARGET_COLUMNS``).

        ``annex`` has unit_code, year, target_total, target_youth, target_union as the plan states them. A merge or
        split passes the predecessors' targets of the change's year and later years to the principal
        successor (added to its own) from the change's day, unless the row gives explicit targets; a
        dissolved unit's targets end with it. Before the change, each predecessor keeps its own.
        """
        rows: list[dict[str, Any]] = [
            {
                "unit_code": str(r["unit_code"]),
                "year": int(r["year"]),
                **{a: int(r[a]) for a in _AMOUNTS},
                "valid_from": date(int(r["year"]), 1, 1),
                "valid_to": date(int(r["year"]), 12, 31),
                "basis": "annex",
                "change_id": None,
            }
            for r in annex.to_dict("records")
        ]
        for ch in self.changes:
            if ch.kind not in ("merge", "split", "dissolve"):
                continue
            principal = ch.successors[0] if ch.successors else None
            passed: dict[int, list[int]] = {}  # year -> total, youth, union
            ceasing = [p for p in ch.predecessors if p not in ch.successors]
            holders = ceasing + ([principal] if principal else [])
            kept = []
            for r in rows:
                if r["unit_code"] not in holders or r["valid_to"] < ch.day:
                    kept.append(r)
                    continue
                sums = passed.setdefault(r["year"], [0, 0, 0])
                for i, a in enumerate(_AMOUNTS):
                    sums[i] += r[a]
                if r["valid_from"] < ch.day:  # the part of the year before the change stays with its holder
                    kept.append({**r, "valid_to": ch.day - timedelta(days=1)})
            rows = kept
            if principal is None:
                continue
            explicit = ch.target_youth is not None or ch.target_union is not None
            given = [(ch.target_youth or 0) + (ch.target_union or 0), ch.target_youth or 0, ch.target_union or 0]
            for year, sums in sorted(passed.items()):
                rows.append(
                    {
                        "unit_code": principal,
                        "year": year,
                        **dict(zip(_AMOUNTS, given if explicit else sums, strict=True)),
                        "valid_from": max(ch.day, date(year, 1, 1)),
                        "valid_to": date(year, 12, 31),
                        "basis": "explicit" if explicit else "inherited",
                        "change_id": ch.change_id,
                    }
                )
        frame = pd.DataFrame(rows, columns=TARGET_COLUMNS)
        return frame.sort_values(["unit_code", "year", "valid_from"], ignore_index=True)


def _read_csv(path: Path, columns: list[str]) -> pd.DataFrame:
    if not path.exists():
        return pd.DataFrame(columns=[*columns, "_row"])
    frame = pd.read_csv(path, dtype=str, keep_default_na=False, encoding="utf-8-sig").map(clean_text)
    if columns:
        frame = frame.reindex(columns=columns, fill_value="")
    return frame.assign(_row=range(2, len(frame) + 2))


def _codes(text: str) -> list[str]:
    return [c for c in (clean_text(p).upper() for p in str(text).split(";")) if c]


def _count(text: str) -> int | str | None:
    """An explicit target: empty (None), a whole number, or the bad text itself."""
    if text == "":
        return None
    return int(text) if text.isdigit() else text


class _Builder:
    def __init__(self, units: pd.DataFrame, parents: dict[str, str]) -> None:
        self.parents = parents
        self.meta: dict[str, tuple[str, str]] = {
            str(c): (str(t), str(n))
            for c, t, n in zip(units["unit_code"], units["unit_type"], units["unit_name"], strict=True)
        }
        # Without a parent_code column every unit exists from the start; with one, a blank parent
        # means the unit begins with the change that creates it.
        has_parent = "parent_code" in units
        parent = units["parent_code"] if has_parent else pd.Series("", index=units.index)
        self.versions: dict[str, list[_Version]] = {
            code: [_Version(code, *self.meta[code], str(p), None)]
            for code, p in zip(units["unit_code"].astype(str), parent, strict=True)
            if not has_parent or p != ""
        }
        self.edges: list[dict[str, object]] = []

    def active(self, code: str, day: date) -> _Version | None:
        versions = self.versions.get(code, [])
        v = versions[-1] if versions else None
        return v if v is not None and v.covers(day) and v.end is None else None

    def check(self, ch: Change) -> str | None:
        """Why the change cannot apply (Vietnamese), or None."""
        if ch.kind not in KINDS_VI:
            return f"loại thay đổi không hợp lệ ({ch.kind}); phải là một trong: {', '.join(KINDS_VI)}"
        unknown = [c for c in [*ch.predecessors, *ch.successors] if c not in self.meta]
        if unknown:
            return f"mã đơn vị không có trong danh mục: {', '.join(unknown)}"
        if ch.new_parent and ch.new_parent not in self.parents:
            return f"cấp ủy cấp trên {ch.new_parent} không có trong committees.csv"
        wanted = {
            "rename": (len(ch.predecessors) == 1 and ch.successors in ([], ch.predecessors) and bool(ch.new_name)),
            "move": (len(ch.predecessors) >= 1 and not ch.successors and bool(ch.new_parent)),
            "merge": (len(ch.predecessors) >= 1 and len(ch.successors) == 1),
            "split": (len(ch.predecessors) == 1 and len(ch.successors) >= 2),
            "dissolve": (len(ch.predecessors) >= 1 and not ch.successors),
        }
        if not wanted[ch.kind]:
            return (
                "số đơn vị trước/sau không phù hợp với loại thay đổi (đổi tên: 1 đơn vị và tên mới; chuyển: "
                "cấp ủy mới; sáp nhập: 1 đơn vị kế thừa; chia tách: 1 đơn vị thành từ 2 đơn vị; giải thể: "
                "không có đơn vị kế thừa)"
            )
        inactive = [p for p in ch.predecessors if self.active(p, ch.day) is None]
        if inactive:
            return f"đơn vị không còn hoạt động hoặc chưa thành lập vào ngày hiệu lực: {', '.join(inactive)}"
        reborn = [
            s
            for s in ch.successors
            if s not in ch.predecessors and self.active(s, ch.day) is None and self.versions.get(s)
        ]
        if reborn:
            return f"đơn vị kế thừa đã ngừng hoạt động trước ngày hiệu lực: {', '.join(reborn)}"
        if isinstance(ch.target_youth, str) or isinstance(ch.target_union, str):
            return "chỉ tiêu giao lại phải là số nguyên không âm"
        return None

    def _new_version(self, code: str, day: date, **attrs: Any) -> None:
        v = self.versions[code][-1]
        if v.start == day:  # a second change on the same day: amend the version it created
            self.versions[code][-1] = replace(v, **attrs)
            return
        v.end = day - timedelta(days=1)
        self.versions[code].append(replace(v, start=day, end=None, **attrs))

    def _cease(self, code: str, day: date) -> None:
        v = self.versions[code][-1]
        if v.start == day:
            self.versions[code].pop()
        else:
            v.end = day - timedelta(days=1)

    def apply(self, ch: Change) -> None:
        if ch.kind == "move":
            for p in ch.predecessors:
                self._new_version(p, ch.day, parent=ch.new_parent)
            return
        if ch.kind == "rename":
            self._new_version(ch.predecessors[0], ch.day, name=ch.new_name)
            return
        first = self.active(ch.predecessors[0], ch.day)
        parent = ch.new_parent or (first.parent if first else "")
        for p in ch.predecessors:
            if p not in ch.successors:
                self._cease(p, ch.day)
        for i, s in enumerate(ch.successors):
            if self.active(s, ch.day) is None:
                unit_type, name = self.meta[s]
                name = ch.new_name if ch.new_name and i == 0 else name
                self.versions[s] = [_Version(s, unit_type, name, parent, ch.day)]
            elif i == 0 and (ch.new_name or ch.new_parent):
                v = self.versions[s][-1]
                self._new_version(s, ch.day, name=ch.new_name or v.name, parent=ch.new_parent or v.parent)
            for p in ch.predecessors:
                if p != s:
                    self.edges.append(
                        {
                            "change_id": ch.change_id,
                            "effective_date": ch.day,
                            "kind": ch.kind,
                            "predecessor_code": p,
                            "successor_code": s,
                            "is_principal": i == 0,
                        }
                    )


def build_history(units: pd.DataFrame, changes: pd.DataFrame, parents: dict[str, str]) -> UnitHistory:
    """Apply the change list, in date order, to the registry's units (see module docstring)."""
    builder = _Builder(units, parents)
    findings: list[Finding] = []
    path = f"reference/{CHANGES_FILE}"
    days = parse_date(changes["effective_date"]) if len(changes) else pd.Series(dtype="datetime64[us]")
    accepted: list[Change] = []
    for r, day in zip(changes.to_dict("records"), days, strict=True):
        if pd.isna(day):
            findings.append(
                Finding(
                    "changes.invalid",
                    path,
                    None,
                    int(r["_row"]),
                    "effective_date",
                    r["effective_date"],
                    params={"detail": "ngày hiệu lực không đúng dạng dd/mm/yyyy"},
                )
            )
            continue
        accepted.append(
            Change(
                str(r["change_id"]),
                pd.Timestamp(day).date(),
                str(r["kind"]).lower(),
                _codes(r["predecessors"]),
                _codes(r["successors"]),
                str(r["new_name"]),
                str(r["new_parent"]).upper(),
                _count(str(r["target_youth"])),  # type: ignore[arg-type]  # text is rejected by check()
                _count(str(r["target_union"])),  # type: ignore[arg-type]
                int(r["_row"]),
            )
        )
    applied = []
    for ch in sorted(accepted, key=lambda c: (c.day, c.row)):
        why = builder.check(ch)
        if why is not None:
            findings.append(
                Finding("changes.invalid", path, None, ch.row, "change_id", ch.change_id, params={"detail": why})
            )
            continue
        builder.apply(ch)
        applied.append(ch)
    never = sorted(str(c) for c in builder.meta if c not in builder.versions)
    findings += [
        Finding("changes.unit_never_created", "reference/units.csv", None, None, "unit_code", c, unit=c) for c in never
    ]
    versions = pd.DataFrame(
        [
            {
                "unit_code": v.code,
                "unit_type": v.unit_type,
                "unit_name": v.name,
                "parent_code": v.parent,
                "parent_name": parents.get(v.parent, v.parent),
                "valid_from": v.start,
                "valid_to": v.end,
            }
            for vs in builder.versions.values()
            for v in vs
        ],
        columns=VERSION_COLUMNS,
    )
    succession = pd.DataFrame(builder.edges, columns=SUCCESSION_COLUMNS).astype({"is_principal": bool})
    return UnitHistory(versions, succession, applied, findings, path)


_NEVER = date(1, 1, 1)
_LOW, _HIGH = pd.Timestamp("1900-01-01"), pd.Timestamp("2200-01-01")  # open ends, within datetime64 range


def _dates(stamps: pd.Series) -> pd.Series:
    """Timestamps as ``datetime.date`` objects (NaT stays missing)."""
    return stamps.dt.date.astype(object).where(stamps.notna(), None)


def place(history: UnitHistory, codes: pd.Series, months: pd.Series) -> pd.DataFrame:
    """Where figures a report gives for ``codes`` in ``months`` (first days) belong (vectorised).

    Returns, on the same index: ``unit_code`` the figures count for, ``valid_from`` of its version
    (``_NEVER`` for a version open since the start), ``status`` (``ok``, ``succeeded`` for a unit
    that had ceased and whose successor takes the report, ``ended`` for a unit gone without
    successor, ``not_started`` for a unit that did not exist yet), and ``since`` (the day that
    status dates from) and ``successor`` (the original unit's successor, for messages).
    A month belongs to the latest version that overlaps it.
    """
    start = pd.to_datetime(months)
    frame = pd.DataFrame(
        {"code": codes.astype(object), "first": start, "last": start + pd.offsets.MonthEnd(0)}, index=codes.index
    )
    out = pd.DataFrame(
        index=codes.index, columns=["unit_code", "valid_from", "status", "since", "successor"], dtype=object
    )
    succession = history.succession
    principal = succession[succession["is_principal"]].set_index("predecessor_code")["successor_code"]
    versions = history.timeline
    todo = frame.assign(hops=0)
    while not todo.empty:
        v = versions[versions["unit_code"].isin(todo["code"].unique())]
        span = v.groupby("unit_code").agg(begins=("start", "min"), ends=("stop", "max"))
        m = todo.reset_index().merge(v, left_on="code", right_on="unit_code", how="inner")
        m = m[(m["start"] <= m["last"]) & (m["stop"] >= m["first"])]
        best = m.sort_values("start").groupby("index").tail(1).set_index("index")
        found = todo.index.intersection(best.index)
        chosen = best.loc[found]
        out.loc[found, "unit_code"] = chosen["code"].to_numpy()
        out.loc[found, "valid_from"] = _dates(chosen["start"].where(chosen["start"] != _LOW)).fillna(_NEVER).to_numpy()
        out.loc[found, "status"] = np.where(todo.loc[found, "hops"].to_numpy() == 0, "ok", "succeeded")
        rest = todo.drop(found)
        info = span.reindex(rest["code"].to_numpy()).set_axis(rest.index)
        gone = info["ends"].notna() & (info["ends"] < rest["first"])
        nxt = rest["code"].map(principal)
        follow = gone & nxt.notna() & (rest["hops"] < 20)
        first_hop = gone & (rest["hops"] == 0)
        out.loc[rest.index[first_hop], "since"] = _dates(info.loc[first_hop, "ends"] + pd.Timedelta(days=1)).to_numpy()
        out.loc[rest.index[first_hop], "successor"] = nxt[first_hop].to_numpy()
        stop = rest[~follow]
        out.loc[stop.index, "status"] = np.where(gone[~follow].to_numpy(), "ended", "not_started")
        late = ~gone[~follow] & info.loc[stop.index, "begins"].notna()
        out.loc[stop.index[late], "since"] = _dates(info.loc[stop.index[late], "begins"]).to_numpy()
        todo = rest[follow].assign(code=nxt[follow], hops=rest.loc[follow, "hops"] + 1)
    return out
