"""The demo report generator: reproducible, complete, covering every format variation, honest truth.

The files are read back here independently of the generator (openpyxl, csv, raw bytes), with the
pipeline's own header spellings (``pdv/column_maps``) and name normalisation (``pdv.textnorm``).
"""

from __future__ import annotations

import codecs
import csv
import io
import re
import unicodedata
import zipfile
from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime
from functools import cached_property
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdv.column_maps import column_map
from pdv.settings import PROJECT_ROOT
from pdv.sources.furniture import furniture_kind
from pdv.sources.legacy import convert_rows
from pdv.synthetic.demo import DemoResult, generate
from pdv.textnorm import ascii_key, name_key

RAW = PROJECT_ROOT / "data" / "raw"
UNITS_CSV = RAW / "reference" / "units.csv"
PLAN_TEXT = RAW / "plan" / "000_cf347291d3b5098b.txt"
RULES = {
    "summary.unknown_unit",
    "summary.admitted_arithmetic",
    "summary.value_negative",
    "summary.value_not_integer",
    "summary.period_invalid",
    "summary.total_row_mismatch",
    "roster.under_18",
    "roster.national_id_invalid",
    "roster.duplicate_person",
    "cross.roster_count_mismatch",
    "file.unreadable",
    "file.unsupported_format",
}
SOURCES = {"Đoàn TN": "youth", "ĐVTN": "youth", "Đoàn thanh niên": "youth", "Công đoàn": "union", "ĐVCĐ": "union"}
PERIOD_PATTERNS = {
    "iso": re.compile(r"^2024-(\d{2})$"),
    "mm/yyyy": re.compile(r"^(\d{2})/2024$"),
    "m/yyyy": re.compile(r"^(\d{1,2})/2024$"),
    "thang": re.compile(r"^Tháng (\d{1,2})/2024$"),
}
TOTAL_LABELS = {"tong cong", "cong"}


# --------------------------------------------------------------------------------------------------
# Reading the files back.
# --------------------------------------------------------------------------------------------------


def decode(data: bytes) -> tuple[str, str]:
    """(encoding, text) of a CSV file: BOMs first, then strict UTF-8, else Windows-1258 (NFC)."""
    if data.startswith(codecs.BOM_UTF8):
        return "utf-8-sig", data[3:].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16", data.decode("utf-16")
    try:
        return "utf-8", data.decode("utf-8")
    except UnicodeDecodeError:
        return "cp1258", unicodedata.normalize("NFC", data.decode("cp1258"))


def blank(value: object) -> bool:
    return value is None or (isinstance(value, str) and not value.strip())


@dataclass
class Table:
    """One sheet or CSV file: its grid (row number -> cells) and where its header is."""

    rel: str
    sheet: str | None
    grid: dict[int, list[object]]
    encoding: str | None = None
    merged: tuple[str, ...] = ()

    @cached_property
    def header(self) -> tuple[int, int, dict[int, str], list[str]]:
        """(first header row, last header row, {column index: canonical}, header texts as written)."""
        for source in ("summary", "roster"):
            cmap = column_map(source)
            for r in sorted(self.grid):
                cells = self.grid[r]
                hits = {i: cmap[ascii_key(v)] for i, v in enumerate(cells) if not blank(v) and ascii_key(v) in cmap}
                if len(hits) < 4:
                    continue
                texts = [str(v) for v in cells if not blank(v)]
                below, upper, last = self.grid.get(r + 1, []), "", r
                for i, v in enumerate(cells):
                    upper = str(v) if not blank(v) else upper
                    lower = below[i] if i < len(below) else None
                    if isinstance(lower, str) and not blank(lower) and ascii_key(f"{upper} {lower}") in cmap:
                        hits[i], last = cmap[ascii_key(f"{upper} {lower}")], r + 1
                        texts.append(f"{upper} {lower}")
                wanted = {"summary": "period", "roster": "national_id"}[source]
                if wanted in hits.values():
                    return r, last, hits, texts
        raise AssertionError(f"no header in {self.rel} {self.sheet}")

    @property
    def kind(self) -> str:
        return "summary" if "period" in self.header[2].values() else "roster"

    def record(self, r: int) -> dict[str, object]:
        cells = self.grid[r]
        return {col: cells[i] if i < len(cells) else None for i, col in self.header[2].items()}

    @property
    def data_rows(self) -> list[int]:
        """Non-blank rows below the header, total rows excluded."""
        rows = [r for r in sorted(self.grid) if r > self.header[1] and not self.is_blank(r) and not self.is_total(r)]
        # Form furniture (format 1.1): a note row, and from the place-and-date line down the signatures.
        kinds = {r: {furniture_kind(v) for v in self.grid[r] if not blank(v)} for r in rows}
        closing = [r for r in rows if kinds[r] & {"place_date", "signature"} and "" not in kinds[r]]
        end = closing[0] if closing else None
        return [r for r in rows if (end is None or r < end) and kinds[r] != {"note"}]

    def is_blank(self, r: int) -> bool:
        return all(blank(v) for v in self.grid[r])

    def is_total(self, r: int) -> bool:
        return any(isinstance(v, str) and ascii_key(v) in TOTAL_LABELS for v in self.grid[r])


def read_tables(raw: Path, path: Path) -> list[Table]:
    rel = path.relative_to(raw).as_posix()
    if path.suffix == ".csv":
        encoding, text = decode(path.read_bytes())
        rows = list(csv.reader(io.StringIO(text, newline="")))
        return [Table(rel, None, {i: list(r) for i, r in enumerate(rows, start=1)}, encoding)]
    if path.suffix == ".xls" or not zipfile.is_zipfile(path):
        return []
    wb = openpyxl.load_workbook(path)
    grids = [(ws.title, [(i, [c.value for c in row]) for i, row in enumerate(ws.iter_rows(), start=1)]) for ws in wb]
    convert_rows(grids)  # a 2025 office typing in VNI (format 1.1): the cells as the reader sees them
    return [
        Table(rel, ws.title, dict(rows), merged=tuple(str(m) for m in ws.merged_cells.ranges))
        for ws, (_, rows) in zip(wb.worksheets, grids, strict=True)
    ]


def as_int(value: object) -> int:
    if isinstance(value, (int, float)) and float(value).is_integer():
        return int(value)
    if isinstance(value, str) and re.fullmatch(r"-?\d+(\.0)?", value.strip()):
        return int(float(value))
    raise ValueError(value)


def as_date(value: object) -> date:
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    text = str(value).strip()
    if re.fullmatch(r"\d{2}/\d{2}/\d{4}", text):
        return datetime.strptime(text, "%d/%m/%Y").date()
    return date.fromisoformat(text)


def period_style(value: object) -> tuple[str, str] | None:
    """(style, 'YYYY-MM') of a period cell, None when it is not a valid 2024 month."""
    if isinstance(value, datetime):
        return ("date", f"{value:%Y-%m}") if value.year == 2024 else None
    for style, pattern in PERIOD_PATTERNS.items():
        m = pattern.match(str(value).strip())
        if m and 1 <= int(m.group(1)) <= 12:
            return style, f"2024-{int(m.group(1)):02d}"
    return None


def registry() -> dict[str, str]:
    """name key -> unit code, from the registry and its alias table."""
    units = pd.read_csv(UNITS_CSV, dtype=str, encoding="utf-8-sig")
    aliases = pd.read_csv(RAW / "reference" / "unit_aliases.csv", dtype=str, encoding="utf-8-sig")
    keys = {name_key(n): c for n, c in zip(units["unit_name"], units["unit_code"], strict=True)}
    keys.update({name_key(a): c for a, c in zip(aliases["alias"], aliases["unit_code"], strict=True)})
    return keys


def unit_of(record: dict[str, object], names: dict[str, str]) -> str | None:
    if not blank(record.get("unit_code")):
        return str(record["unit_code"]).strip()
    return names.get(name_key(record.get("unit_name")))


# --------------------------------------------------------------------------------------------------
# Fixtures: one generation for the module, its files read back once.
# --------------------------------------------------------------------------------------------------


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
    raw = tmp_path_factory.mktemp("demo") / "raw"
    result = generate(raw / "reports", UNITS_CSV, PLAN_TEXT, seed=2024)
    return Demo(raw, result, [t for p in result.files for t in read_tables(raw, p)])


@pytest.fixture(scope="module")
def names() -> dict[str, str]:
    return registry()


def issues_by_rule(demo: Demo) -> dict[str, tuple[str, str | None, int | None, str]]:
    return {i[3]: i for i in demo.result.expected_issues}


# --------------------------------------------------------------------------------------------------
# Reproducibility, size, coverage.
# --------------------------------------------------------------------------------------------------


def test_same_seed_gives_identical_bytes(demo: Demo, tmp_path: Path) -> None:
    again = generate(tmp_path / "raw" / "reports", UNITS_CSV, PLAN_TEXT, seed=2024)
    rels = [p.relative_to(tmp_path / "raw").as_posix() for p in again.files]
    assert rels == demo.rels
    differing = [r for r in rels if (tmp_path / "raw" / r).read_bytes() != (demo.raw / r).read_bytes()]
    assert differing == []
    assert again.expected_issues == demo.result.expected_issues
    pd.testing.assert_frame_equal(again.truth.summary, demo.result.truth.summary)
    pd.testing.assert_frame_equal(again.truth["roster"], demo.result.truth["roster"])


def test_files_are_laid_out_and_small(demo: Demo) -> None:
    files = demo.result.files
    assert len(files) < 300
    assert sum(p.stat().st_size for p in files) < 6_000_000
    pattern = re.compile(r"^reports/2024/((0[1-9]|1[0-2])/)?[\w.-]+\.(xlsx|csv|xls|doc)$")
    assert [r for r in demo.rels if not pattern.match(r)] == []
    assert {p for p in (demo.raw / "reports").rglob("*") if p.is_file()} == set(files)


def units_2024() -> set[str]:
    """Registry units that exist in 2024: those a 2025 change creates have no parent yet."""
    units = pd.read_csv(UNITS_CSV, dtype=str, encoding="utf-8-sig")
    return set(units.loc[units["parent_code"].notna(), "unit_code"])


def test_every_unit_reports_and_most_units_cover_every_month(demo: Demo) -> None:
    summary = demo.result.truth.summary
    codes = units_2024()
    assert len(codes) == 55
    assert set(summary["unit_code"]) == codes
    per_month = summary.groupby("period")["unit_code"].nunique()
    assert list(per_month.index) == [f"2024-{m:02d}" for m in range(1, 13)]
    assert (per_month >= 0.85 * len(codes)).all(), per_month.to_dict()
    assert not summary.duplicated(["unit_code", "period"]).any()
    assert (per_month < len(codes)).sum() >= 3  # some unit-months are simply not reported


def test_admissions_are_plausible_against_the_annex_targets(demo: Demo) -> None:
    targets = {}
    for line in PLAN_TEXT.read_text(encoding="utf-8").splitlines():
        cells = line.split("\t")
        if len(cells) >= 6 and cells[0].isdigit() and cells[3].isdigit():
            targets[name_key(cells[2])] = int(cells[3])
    names = registry()
    target = pd.Series({names[k]: v for k, v in targets.items()})
    admitted = demo.result.truth.summary.groupby("unit_code")["admitted_total"].sum().reindex(target.index)
    assert 0.6 * target.sum() <= admitted.sum() <= 1.1 * target.sum()
    assert (admitted[target > 0] >= target[target > 0]).sum() >= 10  # some units reach their target
    assert (admitted[target > 0] < target[target > 0]).sum() >= 10  # some fall behind
    assert (admitted[target == 0] <= 1).all()
    share = demo.result.truth.summary["admitted_youth"].sum() / admitted.sum()
    assert 0.55 <= share <= 0.85


def test_report_dates_mostly_on_time_some_late(demo: Demo) -> None:
    summary = demo.result.truth.summary
    due = summary["period"].map(lambda p: pd.Period(p, "M").end_time.date())
    delay = pd.Series([(r - d).days for r, d in zip(summary["reported_on"], due, strict=True)])
    assert (delay >= 1).all() and (delay <= 20).all()
    assert 0.05 <= (delay > 5).mean() <= 0.3


# --------------------------------------------------------------------------------------------------
# The truth: consistent, and exactly what the files say.
# --------------------------------------------------------------------------------------------------


def test_roster_counts_equal_summary_counts_except_the_deliberate_mismatch(demo: Demo) -> None:
    summary, roster = demo.result.truth.summary, demo.result.truth.roster
    counted = roster.assign(youth=roster["source"].eq("youth")).groupby(["unit_code", "period"])
    both = summary.set_index(["unit_code", "period"]).join(
        counted.size().rename("rows").to_frame().join(counted["youth"].sum()), how="outer"
    )
    assert both["admitted_total"].notna().all()  # every roster row belongs to a loaded summary row
    both = both.fillna({"rows": 0, "youth": 0})
    bad = both[(both["rows"] != both["admitted_total"]) | (both["youth"] != both["admitted_youth"])]
    rel, sheet, row, _ = issues_by_rule(demo)["cross.roster_count_mismatch"]
    assert [(r.file, r.sheet, r.row) for r in bad.itertuples()] == [(rel, sheet, row)]
    assert (bad["youth"] == bad["admitted_youth"]).all()  # only the total differs


def test_people_are_plausible_and_national_ids_unique(demo: Demo) -> None:
    roster = demo.result.truth.roster
    assert roster["national_id"].is_unique
    assert roster["national_id"].str.fullmatch(r"052\d{9}").all()
    born = pd.Series([d.year for d in roster["birth_date"]])
    digit = roster["national_id"].str[3].astype(int)
    assert (digit == (born >= 2000).astype(int) * 2 + roster["gender"].eq("Nữ").astype(int)).all()
    assert (roster["national_id"].str[4:6] == born.map(lambda y: f"{y % 100:02d}")).all()
    ages = pd.Series([(a - b).days / 365.25 for a, b in zip(roster["admitted_on"], roster["birth_date"], strict=True)])
    assert ages.between(18, 60).all()
    assert ages.between(19, 41).mean() >= 0.8
    assert (roster["period"] == [f"{d:%Y-%m}" for d in roster["admitted_on"]]).all()
    assert set(roster["gender"]) == {"Nam", "Nữ"}
    assert roster["ethnicity"].value_counts().index[0] == "Kinh" and {"Bana", "Chăm", "Hrê"} & set(roster["ethnicity"])
    assert roster["religion"].value_counts().index[0] == "Không"
    assert roster["decision_no"].str.fullmatch(r"\d+-QĐ/ĐUK").all() and roster["decision_no"].is_unique
    assert roster["full_name"].str.split().str.len().ge(3).all()


def test_truth_summary_rows_are_what_the_files_say(demo: Demo, names: dict[str, str]) -> None:
    for row in demo.result.truth.summary.itertuples():
        table = demo.table(row.file, None if pd.isna(row.sheet) else row.sheet)
        rec = table.record(row.row)
        assert unit_of(rec, names) == row.unit_code, (row.file, row.row)
        style = period_style(rec["period"])
        assert style is not None and style[1] == row.period
        for col in ("admitted_total", "admitted_youth", "admitted_union", "recognized_full", "trained", "sympathizers"):
            assert as_int(rec[col]) == getattr(row, col), (row.file, row.row, col)
        assert as_date(rec["reported_on"]) == row.reported_on


def test_truth_roster_rows_are_what_the_files_say(demo: Demo, names: dict[str, str]) -> None:
    for row in demo.result.truth.roster.itertuples():
        rec = demo.table(row.file, None if pd.isna(row.sheet) else row.sheet).record(row.row)
        assert unit_of(rec, names) == row.unit_code
        assert str(rec["national_id"]) == row.national_id
        assert unicodedata.normalize("NFC", str(rec["full_name"])) == row.full_name
        assert as_date(rec["birth_date"]) == row.birth_date
        assert as_date(rec["admitted_on"]) == row.admitted_on
        assert SOURCES[str(rec["source"])] == row.source
        assert (rec["gender"], rec["ethnicity"], rec["religion"], rec["decision_no"]) == (
            row.gender,
            row.ethnicity,
            row.religion,
            row.decision_no,
        )


def test_every_data_row_is_in_truth_or_a_deliberate_flaw(demo: Demo) -> None:
    located = {
        (r.file, r.sheet if isinstance(r.sheet, str) else None, r.row) for r in demo.result.truth.summary.itertuples()
    }
    located |= {
        (r.file, r.sheet if isinstance(r.sheet, str) else None, r.row) for r in demo.result.truth.roster.itertuples()
    }
    loaded_or_total = {"cross.roster_count_mismatch", "summary.total_row_mismatch"}
    rejected = {(f, s, r) for f, s, r, rule in demo.result.expected_issues if r and rule not in loaded_or_total}
    written = {(t.rel, t.sheet, r) for t in demo.tables for r in t.data_rows}
    assert written - located == rejected
    assert located <= written


# --------------------------------------------------------------------------------------------------
# The deliberate flaws.
# --------------------------------------------------------------------------------------------------


def test_each_rule_is_flawed_once_in_its_own_file(demo: Demo) -> None:
    issues = demo.result.expected_issues
    assert sorted(i[3] for i in issues) == sorted(RULES)
    assert len({i[0] for i in issues}) == len(issues)
    assert {i[0] for i in issues} <= set(demo.rels)
    truth_files = set(demo.result.truth.summary["file"]) | set(demo.result.truth.roster["file"])
    for rel, sheet, row, rule in issues:
        if rule.startswith("file."):
            assert (sheet, row) == (None, None) and rel not in truth_files
        else:
            assert isinstance(row, int) and row >= 2


def test_flaws_are_what_they_claim(demo: Demo, names: dict[str, str]) -> None:
    by_rule = issues_by_rule(demo)

    def record(rule: str) -> tuple[Table, dict[str, object]]:
        rel, sheet, row, _ = by_rule[rule]
        assert row is not None
        table = demo.table(rel, sheet)
        return table, table.record(row)

    _, rec = record("summary.unknown_unit")
    assert blank(rec.get("unit_code")) and name_key(rec["unit_name"]) not in names
    _, rec = record("summary.admitted_arithmetic")
    assert as_int(rec["admitted_total"]) != as_int(rec["admitted_youth"]) + as_int(rec["admitted_union"])
    _, rec = record("summary.value_negative")
    assert min(as_int(v) for k, v in rec.items() if k in ("recognized_full", "trained", "sympathizers")) < 0
    _, rec = record("summary.value_not_integer")
    assert "2,5" in rec.values()
    _, rec = record("summary.period_invalid")
    assert period_style(rec["period"]) is None
    _, rec = record("roster.under_18")
    assert (as_date(rec["admitted_on"]) - as_date(rec["birth_date"])).days < 18 * 365
    _, rec = record("roster.national_id_invalid")
    assert re.fullmatch(r"\d{11}", str(rec["national_id"]))
    _, rec = record("roster.duplicate_person")
    rel = by_rule["roster.duplicate_person"][0]
    first = demo.result.truth.roster.set_index("national_id").loc[str(rec["national_id"])]
    assert first["file"] < rel and first["unit_code"] != unit_of(rec, names)
    table, _ = record("summary.total_row_mismatch")
    total_row = by_rule["summary.total_row_mismatch"][2]
    assert table.is_total(total_row)
    sums = {c: sum(as_int(table.record(r)[c]) for r in table.data_rows if r < total_row) for c in ("admitted_total",)}
    assert sums["admitted_total"] != as_int(table.record(total_row)["admitted_total"])
    legacy = demo.raw / by_rule["file.unsupported_format"][0]
    assert legacy.suffix == ".doc" and legacy.read_bytes().startswith(b"\xd0\xcf\x11\xe0")
    corrupt = demo.raw / by_rule["file.unreadable"][0]
    assert corrupt.suffix == ".xlsx" and not zipfile.is_zipfile(corrupt)
    assert not corrupt.read_bytes().startswith((b"PK", b"\xd0\xcf\x11\xe0"))


def test_other_total_rows_add_up(demo: Demo) -> None:
    flawed = issues_by_rule(demo)["summary.total_row_mismatch"]
    checked = 0
    for table in demo.tables:
        for r in [r for r in table.grid if r > table.header[1] and table.is_total(r)]:
            if (table.rel, table.sheet, r) == flawed[:3]:
                continue
            above = [x for x in table.data_rows if x < r]
            for col in ("admitted_total", "admitted_youth", "admitted_union", "trained", "sympathizers"):
                assert as_int(table.record(r)[col]) == sum(as_int(table.record(x)[col]) for x in above)
            checked += 1
    assert checked >= 5


# --------------------------------------------------------------------------------------------------
# Every variation of the report format appears.
# --------------------------------------------------------------------------------------------------


def test_headers_are_spellings_the_pipeline_knows(demo: Demo) -> None:
    for table in demo.tables:
        first, last, hits, _ = table.header
        header_cells = [i for r in range(first, last + 1) for i, v in enumerate(table.grid[r]) if not blank(v)]
        assert set(header_cells) == set(hits), (table.rel, table.sheet)


def test_workbook_variations(demo: Demo) -> None:
    sheets = [t for t in demo.tables if t.sheet is not None]
    summary_names = {t.sheet for t in sheets if t.kind == "summary"}
    roster_names = {t.sheet for t in sheets if t.kind == "roster"}
    assert {"TongHop", "Tổng hợp", "TONG HOP"} <= summary_names
    assert {"DanhSach", "Danh sách", "DANH SACH"} <= roster_names
    titled = [t for t in sheets if t.header[0] > 1]
    assert any("BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN" in t.grid[2] for t in titled)
    assert any(re.match(r"Tháng \d+/2024", str(t.grid[3][0])) for t in titled)
    assert any(t.header[0] == 1 for t in sheets)
    two_level = [t for t in sheets if t.header[1] == t.header[0] + 1]
    assert two_level and all(
        any(re.fullmatch(rf"[A-Z]+{t.header[0]}:[A-Z]+{t.header[0]}", m) for m in t.merged) for t in two_level
    )
    assert any(t.grid[t.header[0]][i] == "Kết nạp" for t in two_level for i in range(len(t.grid[t.header[0]])))
    assert any(t.kind == "summary" and t.header[1] == t.header[0] for t in sheets)
    # aliases: several spellings of the same columns
    spelled: dict[str, set[str]] = {}
    for t in demo.tables:
        for text in t.header[3]:
            col = column_map(t.kind).get(ascii_key(text))
            if col:
                spelled.setdefault(col, set()).add(text)
    assert len(spelled["admitted_total"]) >= 4 and len(spelled["national_id"]) >= 3 and len(spelled["period"]) >= 3
    # a consolidated workbook: several units, several months
    consolidated = [
        t for t in sheets if t.kind == "summary"
        and len({str(t.record(r).get("unit_name") or t.record(r).get("unit_code")) for r in t.data_rows}) >= 3
        and len({str(t.record(r)["period"]) for r in t.data_rows}) >= 3
    ]  # fmt: skip
    assert consolidated
    # blank rows in the middle, total rows at the end
    assert any(any(t.is_blank(r) for r in range(t.data_rows[0], t.data_rows[-1])) for t in demo.tables if t.data_rows)
    assert any(t.is_total(max(t.grid)) for t in sheets) and any(
        t.is_total(max(t.grid)) for t in demo.tables if t.sheet is None
    )


def test_roster_missing_or_empty_when_nobody_was_admitted(demo: Demo) -> None:
    workbooks: dict[str, list[Table]] = {}
    for t in demo.tables:
        if t.sheet is not None:
            workbooks.setdefault(t.rel, []).append(t)
    missing = [rel for rel, ts in workbooks.items() if [t.kind for t in ts] == ["summary"]]
    empty = [rel for rel, ts in workbooks.items() if any(t.kind == "roster" and not t.data_rows for t in ts)]
    assert missing and empty
    flawed = {(f, s, r) for f, s, r, _ in demo.result.expected_issues}
    for rel in missing + empty:
        summary = next(t for t in workbooks[rel] if t.kind == "summary")
        valid = [r for r in summary.data_rows if (rel, summary.sheet, r) not in flawed]
        assert all(as_int(summary.record(r)["admitted_total"]) == 0 for r in valid)
    csv_summaries = {t.rel for t in demo.tables if t.sheet is None and t.kind == "summary"}
    csv_rosters = {t.rel.replace("_BM2", "_BM1") for t in demo.tables if t.sheet is None and t.kind == "roster"}
    assert csv_summaries - csv_rosters  # a CSV summary sent without a roster file
    assert any(t.sheet is None and t.kind == "roster" and not t.data_rows for t in demo.tables)


def test_cell_value_variations(demo: Demo) -> None:
    styles: Counter[str] = Counter()
    for t in demo.tables:
        for r in t.data_rows:
            rec = t.record(r)
            for col, value in rec.items():
                if col == "period":
                    found = period_style(value)
                    styles[f"period:{found[0] if found else 'invalid'}"] += 1
                elif col in ("admitted_total", "trained", "sympathizers") and not blank(value):
                    if isinstance(value, (int, float)):
                        styles["count:number"] += 1
                    elif re.fullmatch(r"\d+\.0", str(value)):
                        styles["count:float-text"] += 1
                    elif re.fullmatch(r"0\d", str(value)):
                        styles["count:zero-padded-text"] += 1
                elif col in ("reported_on", "birth_date", "admitted_on"):
                    if isinstance(value, datetime):
                        styles["date:excel"] += 1
                    elif re.fullmatch(r"\d{2}/\d{2}/\d{4}", str(value)):
                        styles["date:dmy"] += 1
                    elif re.fullmatch(r"\d{4}-\d{2}-\d{2}", str(value)):
                        styles["date:iso"] += 1
                elif col == "source":
                    styles[f"source:{value}"] += 1
    expected = {f"period:{s}" for s in (*PERIOD_PATTERNS, "date")} | {f"source:{s}" for s in SOURCES}
    expected |= {"count:number", "count:float-text", "count:zero-padded-text", "date:excel", "date:dmy", "date:iso"}
    assert expected <= set(styles), expected - set(styles)
    zero_padded_xlsx = [
        t
        for t in demo.tables
        if t.sheet and t.kind == "summary" and any(isinstance(t.record(r)["trained"], str) for r in t.data_rows)
    ]
    assert zero_padded_xlsx  # numbers typed as text inside a workbook too


def test_units_by_code_by_name_and_by_variant_spellings(demo: Demo, names: dict[str, str]) -> None:
    summaries = [t for t in demo.tables if t.kind == "summary"]
    cols = [set(t.header[2].values()) for t in summaries]
    assert any("unit_code" in c and "unit_name" not in c for c in cols)
    assert any("unit_name" in c and "unit_code" not in c for c in cols)
    assert any({"unit_code", "unit_name"} <= c for c in cols)
    official = set(pd.read_csv(UNITS_CSV, dtype=str)["unit_name"])
    written = {
        str(t.record(r)["unit_name"])
        for t in demo.tables
        for r in t.data_rows
        if not blank(t.record(r).get("unit_name"))
    }
    variants = {w for w in written if w not in official and name_key(w) in names}
    assert any(not unicodedata.is_normalized("NFC", w) for w in variants)
    assert any("Hoà" in w for w in variants) and any("Uỷ" in w for w in variants)
    assert any("  " in w or w != w.strip() for w in variants)
    assert any(w == w.upper() for w in variants)
    unknown = {w for w in written if name_key(w) not in names}
    assert len(unknown) == 1  # only the deliberate misspelling


def test_csv_encodings(demo: Demo) -> None:
    encodings = Counter(t.encoding for t in demo.tables if t.sheet is None)
    assert set(encodings) == {"utf-8-sig", "utf-8", "utf-16", "cp1258"}
    for t in demo.tables:
        if t.encoding == "utf-8":
            assert any(not str(v).isascii() for row in t.grid.values() for v in row)
        if t.encoding == "cp1258":  # really Windows-1258 (tone marks as combining bytes), not UTF-8
            data = (demo.raw / t.rel).read_bytes()
            assert any(b in data for b in (b"\xcc", b"\xec", b"\xde", b"\xd2", b"\xf2"))


def test_committed_demo_output_is_what_the_generator_writes(demo: Demo) -> None:
    committed = sorted(p for p in (RAW / "reports" / "2024").rglob("*") if p.is_file())
    assert [p.relative_to(RAW).as_posix() for p in committed] == demo.rels
    assert all(p.read_bytes() == (demo.raw / p.relative_to(RAW)).read_bytes() for p in committed)
