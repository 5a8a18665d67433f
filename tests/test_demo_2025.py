"""The 2025 demo reports: units that exist, end, begin and are renamed, inherited targets, two stray reports.

Files are read back with test_demo's readers (independent of the generator). Which unit exists when is
worked out here from unit_changes.csv directly; the generator's own change reader and structure are
tested on small hand-written inputs.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from pathlib import Path

import pandas as pd
import pytest

from pdv.synthetic.demo import (
    STRAYS_2025,
    Change,
    DemoResult,
    Target,
    Unit,
    build_structure,
    generate,
    read_changes,
    read_targets,
    read_units,
    targets_on,
)
from pdv.textnorm import name_key
from tests.test_demo import PLAN_TEXT, RAW, UNITS_CSV, Table, as_date, as_int, blank, read_tables, registry, unit_of

CHANGES_CSV = RAW / "reference" / "unit_changes.csv"
MONTHS = [f"2025-{m:02d}" for m in range(1, 13)]
# Yearly 2025 targets after the changes, worked out by hand from the annex and unit_changes.csv.
INHERITED = {
    "SKHCN": (7, ("SKHCN", "STTTT")),  # 5 + 2
    "SNNMT": (17, ("STNMT", "SNNPTNT")),  # 7 + 10
    "SXD": (9, ("SXD", "SGTVT")),  # 2 + 7
    "SVHTTDL": (9, ("SVHTT", "SDL")),  # explicit 6 + 3 (7 + 1 by the annex)
    "SNOIVU": (0, ("SLDTBXH",)),  # the split's principal; SLDTBXH had no 2025 target
    "BPTTH": (3, ("BAOBD", "DPTTH")),  # 1 + 2
}
PERIOD = re.compile(r"^(?:2025-(\d{2})|(\d{1,2})/2025|Tháng (\d{1,2})/2025)$")


def period_of(value: object) -> str | None:
    """'2025-MM' of a period cell in any of the layouts' spellings, None otherwise."""
    if isinstance(value, datetime):
        return f"{value:%Y-%m}" if value.year == 2025 else None
    m = PERIOD.match(str(value).strip())
    return f"2025-{int(next(g for g in m.groups() if g)):02d}" if m else None


@dataclass
class Lives:
    """Existence and names in 2025, read straight from the reference CSVs."""

    begins: dict[str, date]
    ends: dict[str, date]
    renames: dict[str, tuple[date, str]]
    names: dict[str, str]  # registry names
    new: set[str]  # codes without a parent: created by a change

    def exists(self, code: str, period: str) -> bool:
        first = date.fromisoformat(f"{period}-01")
        if code in self.new and code not in self.begins:
            return False
        return self.begins.get(code, date.min) <= first <= self.ends.get(code, date.max)

    def name(self, code: str, period: str) -> str:
        since, new_name = self.renames.get(code, (date.max, ""))
        return new_name if date.fromisoformat(f"{period}-01") >= since else self.names[code]

    @property
    def expected(self) -> set[tuple[str, str]]:
        return {(c, p) for c in self.names for p in MONTHS if self.exists(c, p)}


@pytest.fixture(scope="module")
def lives() -> Lives:
    units = pd.read_csv(UNITS_CSV, dtype=str, encoding="utf-8-sig")
    changes = pd.read_csv(CHANGES_CSV, dtype=str, encoding="utf-8-sig").fillna("")
    new = set(units.loc[units["parent_code"].isna(), "unit_code"])
    out = Lives({}, {}, {}, dict(zip(units["unit_code"], units["unit_name"], strict=True)), new)
    for r in changes.itertuples():
        day = datetime.strptime(r.effective_date, "%d/%m/%Y").date()
        preds, succs = r.predecessors.split(";"), [s for s in r.successors.split(";") if s]
        if r.kind in ("merge", "split", "dissolve"):
            out.ends.update({p: day - timedelta(days=1) for p in preds if p not in succs})
            out.begins.update({s: day for s in succs if s in new})
        elif r.kind == "rename":
            out.renames[preds[0]] = (day, r.new_name)
    return out


@dataclass
class Demo:
    raw: Path
    result: DemoResult
    tables: list[Table]

    def table(self, rel: str, sheet: str | None) -> Table:
        return next(t for t in self.tables if t.rel == rel and t.sheet == sheet)

    @property
    def rels(self) -> list[str]:
        return [p.relative_to(self.raw).as_posix() for p in self.result.files]


@pytest.fixture(scope="module")
def demo(tmp_path_factory: pytest.TempPathFactory) -> Demo:
    raw = tmp_path_factory.mktemp("demo2025") / "raw"
    result = generate(raw / "reports", UNITS_CSV, PLAN_TEXT, seed=2024, year=2025)
    return Demo(raw, result, [t for p in result.files for t in read_tables(raw, p)])


@pytest.fixture(scope="module")
def last_year(tmp_path_factory: pytest.TempPathFactory) -> DemoResult:
    return generate(tmp_path_factory.mktemp("demo2024") / "raw" / "reports", UNITS_CSV, PLAN_TEXT, seed=2024)


@pytest.fixture(scope="module")
def names(lives: Lives) -> dict[str, str]:
    """name key -> code, for every name a unit bears in 2025 (registry, aliases, renames)."""
    keys = registry()
    keys.update({name_key(new_name): code for code, (_, new_name) in lives.renames.items()})
    return keys


def stray(demo: Demo, rule: str) -> tuple[str, str | None, int]:
    (found,) = [(f, s, r) for f, s, r, ru in demo.result.expected_issues if ru == rule]
    assert found[2] is not None
    return found[0], found[1], found[2]


def by_unit_period(summary: pd.DataFrame) -> pd.Series:
    return summary.set_index(["unit_code", "period"])


# --------------------------------------------------------------------------------------------------
# The generator's change reader, structure and targets, on small inputs.
# --------------------------------------------------------------------------------------------------

HEADER = "change_id,effective_date,kind,predecessors,successors,new_name,new_parent,target_youth,target_union,note\n"


def test_read_changes_reads_the_reference_list_in_date_order() -> None:
    changes = read_changes(CHANGES_CSV)
    assert [c.change_id for c in changes] == [f"BD2025-{i:02d}" for i in range(1, 13)]
    assert [c.effective for c in changes] == sorted(c.effective for c in changes)
    kinds = {c.change_id: c.kind for c in changes}
    assert kinds["BD2025-03"] == "merge" and kinds["BD2025-07"] == "split" and kinds["BD2025-09"] == "dissolve"
    merge = next(c for c in changes if c.change_id == "BD2025-06")
    assert merge.predecessors == ("SVHTT", "SDL") and merge.successors == ("SVHTTDL",)
    assert merge.target == Target(9, 6, 3) and merge.new_parent == "DBUBND"
    rename = next(c for c in changes if c.kind == "rename")
    assert (rename.predecessors, rename.new_name, rename.effective) == (
        ("TCT",),
        "Trường Chính trị tỉnh Gia Lai",
        date(2025, 7, 1),
    )


@pytest.mark.parametrize(
    ("row", "message"),
    [
        ("X,01/03/2025,absorb,A,B,,,,,", "unknown kind"),
        ("X,2025-03-01,merge,A,B,,,,,", "dd/mm/yyyy"),
        ("X,01/03/2025,merge,A,B;C,,,,,", "incomplete"),
        ("X,01/03/2025,rename,A,,,,,,", "incomplete"),
        ("X,01/03/2025,move,A,,,,,,", "incomplete"),
        ("X,01/03/2025,dissolve,A,B,,,,,", "incomplete"),
        ("X,01/03/2025,merge,A,B,,,6,,", "whole numbers"),
        ("X,01/03/2025,move,A,,,P,1,1,", "only a merge or a split"),
    ],
)
def test_read_changes_rejects_incomplete_rows(tmp_path: Path, row: str, message: str) -> None:
    path = tmp_path / "unit_changes.csv"
    path.write_text(HEADER + row + "\n", encoding="utf-8")
    with pytest.raises(ValueError, match=message):
        read_changes(path)


def _change(
    day: str,
    kind: str,
    preds: str,
    succs: str = "",
    new_name: str = "",
    new_parent: str = "",
    target: Target | None = None,
) -> Change:
    effective = datetime.strptime(day, "%d/%m/%Y").date()
    successors = tuple(s for s in succs.split(";") if s)
    return Change("X", effective, kind, tuple(preds.split(";")), successors, new_name, new_parent, target)


def test_structure_lifespans_names_parents_and_heirs() -> None:
    units = [Unit(c, "Đảng bộ", f"Đơn vị {c}", "P") for c in "ABCDE"] + [Unit("N", "Đảng bộ", "Đơn vị mới", "")]
    changes = [
        _change("07/02/2025", "move", "A;B;C;D", new_parent="Q"),
        _change("01/03/2025", "merge", "A;B", "N"),
        _change("01/03/2025", "split", "C", "E;D"),
        _change("15/03/2025", "dissolve", "D"),
        _change("01/07/2025", "rename", "E", new_name="Đơn vị E mới"),
    ]
    s = build_structure(units, changes)
    assert s.months("A", 2025) == [1, 2] and s.months("N", 2025) == list(range(3, 13))
    assert s.months("D", 2025) == [1, 2, 3]  # ceases on 14/03: March began while it existed
    assert s.spans["A"].parent_on(date(2025, 2, 6)) == "P" and s.spans["A"].parent_on(date(2025, 2, 7)) == "Q"
    assert s.spans["N"].parent_on(date(2025, 3, 1)) == "Q"  # a new unit takes its first predecessor's parent
    assert (
        s.spans["E"].name_on(date(2025, 6, 30)) == "Đơn vị E"
        and s.spans["E"].name_on(date(2025, 7, 1)) == "Đơn vị E mới"
    )
    assert s.holder("B", date(2025, 4, 1)) == "N" and s.holder("C", date(2025, 4, 1)) == "E"  # principal
    assert s.holder("D", date(2025, 4, 1)) is None and s.holder("A", date(2025, 2, 1)) == "A"
    with pytest.raises(ValueError, match="does not exist"):
        build_structure(units, [*changes, _change("01/09/2025", "rename", "A", new_name="x")])
    with pytest.raises(ValueError, match="not a new unit"):
        build_structure(units, [_change("01/03/2025", "merge", "A", "Z")])


def test_targets_on_passes_targets_to_successors() -> None:
    annex = {"A": Target(3, 2, 1), "B": Target(4, 4, 0), "C": Target(2, 1, 1), "D": Target(5, 3, 2)}
    changes = [
        _change("01/03/2025", "merge", "A;B", "A"),
        _change("01/03/2025", "split", "C", "N;D"),
        _change("01/04/2025", "dissolve", "D"),
        _change("01/05/2025", "merge", "A;N", "M", target=Target(9, 6, 3)),
    ]
    assert targets_on(annex, changes, date(2025, 2, 28)) == annex
    march = targets_on(annex, changes, date(2025, 3, 1))
    assert march == {"A": Target(7, 6, 1), "N": Target(2, 1, 1), "D": Target(5, 3, 2)}
    assert targets_on(annex, changes, date(2025, 12, 31)) == {"M": Target(9, 6, 3)}


def test_inherited_2025_targets_of_the_reference_data() -> None:
    units = read_units(UNITS_CSV)
    annex = read_targets(PLAN_TEXT, [u for u in units if u.parent], RAW / "reference" / "unit_aliases.csv", 2025)
    year = targets_on(annex, read_changes(CHANGES_CSV), date(2025, 12, 31))
    assert {c: year[c].total for c in INHERITED} == {c: t for c, (t, _) in INHERITED.items()}
    assert year["SVHTTDL"] == Target(9, 6, 3) and year["SYT"] == annex["SYT"]
    ceased = {"STTTT", "STNMT", "SNNPTNT", "SGTVT", "SVHTT", "SDL", "SLDTBXH", "BAOBD", "DPTTH", "SNV"}
    assert not ceased & set(year)
    # SNV had no 2025 target to lose; SVHTTDL's explicit 9 replaces its predecessors' 7 + 1.
    assert sum(t.total for t in year.values()) == sum(t.total for t in annex.values()) + 1
    with pytest.raises(ValueError, match="2023"):
        generate(Path("unused"), UNITS_CSV, PLAN_TEXT, year=2023)


# --------------------------------------------------------------------------------------------------
# The 2025 files.
# --------------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(demo: Demo, tmp_path: Path) -> None:
    again = generate(tmp_path / "raw" / "reports", UNITS_CSV, PLAN_TEXT, seed=2024, year=2025)
    rels = [p.relative_to(tmp_path / "raw").as_posix() for p in again.files]
    assert rels == demo.rels
    assert [r for r in rels if (tmp_path / "raw" / r).read_bytes() != (demo.raw / r).read_bytes()] == []
    assert again.expected_issues == demo.result.expected_issues
    pd.testing.assert_frame_equal(again.truth.summary, demo.result.truth.summary)
    pd.testing.assert_frame_equal(again.truth.roster, demo.result.truth.roster)


def test_files_mix_formats_single_and_consolidated(demo: Demo) -> None:
    pattern = re.compile(r"^reports/2025/((0[1-9]|1[0-2])/)?[\w.-]+\.(xlsx|csv)$")
    assert [r for r in demo.rels if not pattern.match(r)] == []
    assert {p for p in (demo.raw / "reports").rglob("*") if p.is_file()} == set(demo.result.files)
    assert len(demo.rels) < 300 and sum(p.stat().st_size for p in demo.result.files) < 4_000_000
    assert {Path(r).suffix for r in demo.rels} == {".xlsx", ".csv"}
    encodings = {t.encoding for t in demo.tables if t.sheet is None}
    assert len(encodings) >= 3
    summaries = [t for t in demo.tables if t.kind == "summary"]
    units_per_file = [len({str(t.record(r).get("unit_code") or t.record(r).get("unit_name")) for r in t.data_rows})
                      for t in summaries]  # fmt: skip
    assert max(units_per_file) >= 6 and units_per_file.count(1) >= 100


def test_units_report_exactly_the_months_they_exist(demo: Demo, lives: Lives) -> None:
    summary = demo.result.truth.summary
    assert not summary.duplicated(["unit_code", "period"]).any()
    assert set(zip(summary["unit_code"], summary["period"], strict=True)) == lives.expected
    # spot checks of the expectation itself
    assert lives.exists("STTTT", "2025-02") and not lives.exists("STTTT", "2025-03")
    assert lives.exists("SNNMT", "2025-03") and not lives.exists("SNNMT", "2025-02")
    assert not any(lives.exists("SNV", p) for p in MONTHS[2:]) and lives.exists("TCT", "2025-12")
    roster = demo.result.truth.roster
    assert {(u, p) for u, p in zip(roster["unit_code"], roster["period"], strict=True)} <= lives.expected


def test_every_written_row_is_a_unit_that_exists_or_a_stray(demo: Demo, lives: Lives, names: dict[str, str]) -> None:
    strays = {(f, s, r) for f, s, r, rule in demo.result.expected_issues if rule.startswith("unit.")}
    seen_strays = set()
    for t in demo.tables:
        for r in t.data_rows:
            rec = t.record(r)
            unit = unit_of(rec, names)
            period = period_of(rec["period"]) if t.kind == "summary" else f"{as_date(rec['admitted_on']):%Y-%m}"
            assert unit is not None and period is not None, (t.rel, r)
            if (t.rel, t.sheet, r) in strays:
                seen_strays.add((t.rel, t.sheet, r))
                assert not lives.exists(unit, period)
            else:
                assert lives.exists(unit, period), (t.rel, r, unit, period)
    assert seen_strays == strays


def test_names_follow_renames(demo: Demo, lives: Lives) -> None:
    succeeded = stray(demo, "unit.succeeded")
    tct: dict[str, set[str]] = {}
    for kind in ("summary", "roster"):
        for row in demo.result.truth[kind].itertuples():
            sheet = None if pd.isna(row.sheet) else row.sheet
            written = demo.table(row.file, sheet).record(row.row).get("unit_name")
            if blank(written):
                continue
            if (row.file, sheet, row.row) == succeeded:
                assert name_key(written) == name_key(lives.names["STTTT"])
                continue
            assert name_key(written) == name_key(lives.name(row.unit_code, row.period)), (row.file, row.row)
            if row.unit_code == "TCT":
                tct.setdefault(str(written).strip(), set()).add(row.period)
    assert tct == {"Trường Chính trị tỉnh Bình Định": set(MONTHS[:6]), "Trường Chính trị tỉnh Gia Lai": set(MONTHS[6:])}


def test_successors_admit_about_their_inherited_targets(demo: Demo) -> None:
    summary = demo.result.truth.summary
    admitted = summary.groupby("unit_code")["admitted_total"].sum()
    for successor, (target, predecessors) in INHERITED.items():
        lineage = int(admitted.get(successor, 0)) + sum(int(admitted.get(p, 0)) for p in predecessors if p != successor)
        own_since_march = int(summary.query("unit_code == @successor and period >= '2025-03'")["admitted_total"].sum())
        if target == 0:
            assert lineage <= 1, successor
            continue
        assert 0.3 * target <= lineage <= 1.3 * target + 1, (successor, lineage, target)
        assert own_since_march >= 0.25 * target, (successor, own_since_march, target)  # the inherited target works
    units = read_units(UNITS_CSV)
    annex = read_targets(PLAN_TEXT, [u for u in units if u.parent], RAW / "reference" / "unit_aliases.csv", 2025)
    yearly = sum(t.total for t in targets_on(annex, read_changes(CHANGES_CSV), date(2025, 12, 31)).values())
    assert 0.6 * yearly <= admitted.sum() <= 1.15 * yearly, (admitted.sum(), yearly)
    assert 0.55 <= summary["admitted_youth"].sum() / admitted.sum() <= 0.9


def test_last_years_intake_is_recognised_by_whoever_holds_it(demo: Demo, last_year: DemoResult) -> None:
    before = by_unit_period(last_year.truth.summary)["admitted_total"]
    now = by_unit_period(demo.result.truth.summary)["recognized_full"]
    for unit, lineage in {
        "SNNMT": ("STNMT", "SNNPTNT"),
        "BPTTH": ("BAOBD", "DPTTH"),
        "SKHCN": ("SKHCN", "STTTT"),
    }.items():
        for m in range(3, 13):
            intake = sum(int(before.get((p, f"2024-{m:02d}"), 0)) for p in lineage)
            assert now[(unit, f"2025-{m:02d}")] == intake, (unit, m)
    for m in (1, 2):
        assert now[("STTTT", f"2025-{m:02d}")] == before[("STTTT", f"2024-{m:02d}")]
    assert 0.7 * before.sum() <= now.sum() <= before.sum() + 20  # the 2024 files lost a few rows to flaws


def test_pools_carry_over_and_pass_to_successors(demo: Demo) -> None:
    summary = by_unit_period(demo.result.truth.summary)
    assert (summary["sympathizers"] >= 0).all()
    for successor, (_, predecessors) in INHERITED.items():
        passed = sum(int(summary.loc[(p, "2025-02"), "sympathizers"]) for p in predecessors if p != successor)
        march = summary.loc[(successor, "2025-03")]
        assert march["sympathizers"] >= passed - march["admitted_total"] - 1, successor


def test_decisions_numbered_by_the_deciding_committee(demo: Demo, last_year: DemoResult) -> None:
    roster = demo.result.truth.roster
    bloc = roster["decision_no"].str.endswith("/ĐUK")
    assert roster["decision_no"].str.fullmatch(r"\d+-QĐ/ĐUK?").all()
    assert (bloc == (roster["admitted_on"] < date(2025, 2, 7))).all()  # the bloc was dissolved on 07/02/2025
    assert bloc.any() and (~bloc).any() and roster.loc[bloc, "decision_no"].is_unique
    last = last_year.truth.roster["decision_no"].str.split("-").str[0].astype(int).max()
    assert (roster.loc[bloc, "decision_no"].str.split("-").str[0].astype(int) > last).all()
    assert not set(roster["national_id"]) & set(last_year.truth.roster["national_id"])
    assert roster["national_id"].is_unique


# --------------------------------------------------------------------------------------------------
# The truth is what the files say; the strays are what they claim.
# --------------------------------------------------------------------------------------------------


def test_truth_rows_are_what_the_files_say(demo: Demo, names: dict[str, str]) -> None:
    succeeded = stray(demo, "unit.succeeded")
    for row in demo.result.truth.summary.itertuples():
        sheet = None if pd.isna(row.sheet) else row.sheet
        rec = demo.table(row.file, sheet).record(row.row)
        resolved = unit_of(rec, names)
        assert resolved == ("STTTT" if (row.file, sheet, row.row) == succeeded else row.unit_code), (row.file, row.row)
        assert period_of(rec["period"]) == row.period
        for col in ("admitted_total", "admitted_youth", "admitted_union", "recognized_full", "trained", "sympathizers"):
            assert as_int(rec[col]) == getattr(row, col), (row.file, row.row, col)
        assert as_date(rec["reported_on"]) == row.reported_on
    for row in demo.result.truth.roster.itertuples():
        rec = demo.table(row.file, None if pd.isna(row.sheet) else row.sheet).record(row.row)
        assert unit_of(rec, names) == row.unit_code
        assert (str(rec["national_id"]), as_date(rec["admitted_on"]), rec["decision_no"]) == (
            row.national_id,
            row.admitted_on,
            row.decision_no,
        )
    counted = demo.result.truth.roster.groupby(["unit_code", "period"]).size()
    admitted = by_unit_period(demo.result.truth.summary)["admitted_total"]
    assert counted.reindex(admitted.index, fill_value=0).equals(admitted)


def test_total_rows_add_up(demo: Demo) -> None:
    checked = 0
    for t in demo.tables:
        for r in [r for r in t.grid if r > t.header[1] and t.is_total(r)]:
            above = [x for x in t.data_rows if x < r]
            for col in ("admitted_total", "trained", "sympathizers"):
                assert as_int(t.record(r)[col]) == sum(as_int(t.record(x)[col]) for x in above), (t.rel, col)
            checked += 1
    assert checked >= 5


def test_the_two_stray_reports(demo: Demo, lives: Lives, names: dict[str, str]) -> None:
    issues = [i for i in demo.result.expected_issues if i[3] != "text.legacy_encoding"]
    assert sorted(i[3] for i in issues) == ["unit.dissolved", "unit.succeeded"]
    assert {s.rule for s in STRAYS_2025} == {"unit.dissolved", "unit.succeeded"}
    summary = demo.result.truth.summary
    located = set(zip(summary["file"], summary["sheet"], summary["row"], strict=True))

    rel, sheet, row = stray(demo, "unit.succeeded")
    table = demo.table(rel, sheet)
    rec = table.record(row)
    assert rel == "reports/2025/04/STTTT_T04-2025.xlsx" and table.data_rows == [row]
    assert "unit_code" not in rec and rec["unit_name"] == "Sở Thông tin và Truyền thông tỉnh Bình Định"
    assert period_of(rec["period"]) == "2025-04" and not lives.exists("STTTT", "2025-04")
    assert (rel, sheet, row) in located  # loaded, for the successor
    (truth,) = summary.query("file == @rel").itertuples()
    assert (truth.unit_code, truth.period, truth.admitted_total) == ("SKHCN", "2025-04", 0)
    skhcn_april = [
        (t.rel, r) for t in demo.tables if t.kind == "summary" for r in t.data_rows
        if unit_of(t.record(r), names) == "SKHCN" and period_of(t.record(r)["period"]) == "2025-04"
    ]  # fmt: skip
    assert skhcn_april == []  # the successor sent no report of its own for April

    rel, sheet, row = stray(demo, "unit.dissolved")
    rec = demo.table(rel, sheet).record(row)
    assert rel == "reports/2025/05/SNV_T05-2025.xlsx"
    assert rec["unit_code"] == "SNV" and name_key(rec["unit_name"]) == name_key("Sở Ngoại vụ tỉnh Bình Định")
    assert period_of(rec["period"]) == "2025-05" and not lives.exists("SNV", "2025-05")
    assert (rel, sheet, row) not in located and "SNV" not in set(summary.query("period >= '2025-03'")["unit_code"])
    assert summary.query("unit_code == 'SNV'")["period"].tolist() == ["2025-01", "2025-02"]


def test_late_reports_are_few(demo: Demo) -> None:
    summary = demo.result.truth.summary
    due = summary["period"].map(lambda p: pd.Period(p, "M").end_time.date())
    delay = pd.Series([(r - d).days for r, d in zip(summary["reported_on"], due, strict=True)])
    assert (delay >= 1).all() and (delay <= 20).all()
    assert 0.03 <= (delay > 5).mean() <= 0.3


def test_committed_2025_output_is_what_the_generator_writes(demo: Demo) -> None:
    committed = sorted(p for p in (RAW / "reports" / "2025").rglob("*") if p.is_file())
    assert [p.relative_to(RAW).as_posix() for p in committed] == demo.rels
    assert all(p.read_bytes() == (demo.raw / p.relative_to(RAW)).read_bytes() for p in committed)
