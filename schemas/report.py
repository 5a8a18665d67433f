"""Schemas for the monthly report: the summary (TongHop) and the roster (DanhSach).

Each table is typed with ``pdv.parse``, resolved to unit codes, then validated by a pandera
schema whose check names are the rule ids of ``pdv/rules.csv`` (prefix ``summary.``/``roster.``).
"""

from __future__ import annotations

import hashlib
import hmac
import unicodedata
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import pandas as pd
import pandera.pandas as pa

from pdv.column_maps import display_headers
from pdv.findings import Finding
from pdv.parse import month_label, parse_count, parse_date, parse_month
from pdv.reference import UnitRegistry
from pdv.sources.reports import ReportTable
from pdv.textnorm import ascii_key, clean_cells, clean_text, map_unique
from schemas.base import Context, validate

# A unit-month count above this is a typing slip, and would overflow the warehouse's integers.
MAX_COUNT = 1_000_000
COUNTS = ["admitted_total", "admitted_youth", "admitted_union", "recognized_full", "trained", "sympathizers"]
GENDERS = {"nam": "Nam", "nu": "Nữ"}
SOURCES = {
    "doan tn": "youth",
    "dvtn": "youth",
    "doan thanh nien": "youth",
    "doan vien thanh nien": "youth",
    "thanh nien": "youth",
    "cong doan": "union",
    "dvcd": "union",
    "doan vien cong doan": "union",
}
NO_RELIGION = {"khong", "khong co", ""}
SUMMARY_COLUMNS = ["unit_code", "period_month", *COUNTS, "reported_on", "is_on_time", "sheet", "source_row"]
ROSTER_COLUMNS = [
    "unit_code",
    "period_month",
    "person_key",
    "age_at_admission",
    "gender",
    "ethnicity",
    "is_ethnic_minority",
    "has_religion",
    "source",
    "admitted_on",
    "decision_no",
    "sheet",
    "source_row",
    "national_id_masked",
    "id_column",
]
PERSONAL_COLUMNS = ["person_key", "full_name", "birth_date", "source_row"]


@dataclass
class Checked:
    """Validated rows ready to load, and what was found."""

    rows: pd.DataFrame
    findings: list[Finding] = field(default_factory=list)
    personal: pd.DataFrame | None = None  # restricted: names and birth dates by person_key
    read: int = 0


def _whole(s: pd.Series) -> pd.Series:
    return s.isna() | (s == s.round())


def _non_negative(s: pd.Series) -> pd.Series:
    return s.isna() | (s >= 0)


def _in_range(s: pd.Series) -> pd.Series:
    return s.isna() | (s <= MAX_COUNT)  # inf fails too


def _count_column() -> pa.Column:
    return pa.Column(
        float,
        [
            pa.Check(_non_negative, name="value_negative"),
            pa.Check(_whole, name="value_not_integer"),
            pa.Check(_in_range, name="value_out_of_range"),
        ],
        nullable=False,
    )


def _unit_checks() -> list[pa.Check]:
    """The unit must resolve: a given code must be known, otherwise the name must match one unit."""
    return [
        pa.Check(lambda d: (d["unit_code"] != "") | d["code_unknown"], name="unknown_unit"),
        pa.Check(lambda d: ~d["code_unknown"], name="unknown_unit_code"),
    ]


UNIT_PRIMARY = {"unknown_unit": "unit_code", "unknown_unit_code": "unit_code_given"}


def summary_schema(years: list[int]) -> pa.DataFrameSchema:
    """One summary row per unit-month."""
    return pa.DataFrameSchema(
        {
            "source_row": pa.Column(int),
            "unit_code": pa.Column(str),
            "period": pa.Column(
                str,
                [
                    pa.Check(lambda s: s != "", name="period_invalid"),
                    pa.Check(lambda s: (s == "") | s.str[:4].isin([str(y) for y in years]), name="period_outside_plan"),
                ],
            ),
            **{c: _count_column() for c in COUNTS},
        },
        checks=[
            *_unit_checks(),
            pa.Check(
                lambda d: (
                    d[["admitted_total", "admitted_youth", "admitted_union"]].isna().any(axis=1)
                    | (d["admitted_total"] == d["admitted_youth"] + d["admitted_union"])
                ),
                name="admitted_arithmetic",
            ),
            pa.Check(lambda d: d["reported_on"].notna() | d["reported_on_blank"], name="reported_on_invalid"),
            pa.Check(lambda d: ~d["reported_on_blank"], name="reported_on_missing"),
            pa.Check(
                lambda d: d["reported_on"].isna() | d["period_month"].isna() | (d["reported_on"] >= d["period_month"]),
                name="reported_before_period",
            ),
        ],
        unique=["_file", "unit_id", "period"],  # a later file for the same unit-month is a resubmission
        report_duplicates="exclude_first",
    )


def roster_schema(years: list[int]) -> pa.DataFrameSchema:
    """One roster row per person admitted."""
    required = pa.Column(str, pa.Check(lambda s: s != "", name="value_missing"))
    return pa.DataFrameSchema(
        {
            "source_row": pa.Column(int),
            "unit_code": pa.Column(str),
            "full_name": required,
            "ethnicity": required,
            "religion": required,
            "decision_no": required,
            "gender": pa.Column(str, pa.Check(lambda s: s.isin(list(GENDERS.values())), name="gender_invalid")),
            "national_id": pa.Column(str),
            "source": pa.Column(str, pa.Check(lambda s: s.isin(["youth", "union"]), name="source_invalid")),
            "birth_date": pa.Column("datetime64[us]", nullable=True),
            "admitted_on": pa.Column("datetime64[us]", nullable=True),
        },
        checks=[
            *_unit_checks(),
            pa.Check(
                # ASCII digits only (after NFKC): \d would accept any script's digits.
                lambda d: d["national_id"].str.fullmatch(r"[0-9]{12}") | (d["national_id__why"] != ""),
                name="national_id_invalid",
            ),
            pa.Check(lambda d: d["national_id__why"] == "", name="national_id_excel_number"),
            pa.Check(lambda d: ~d["id_restored"], name="national_id_zero_restored"),
            pa.Check(lambda d: d["birth_date"].notna(), name="birth_date_invalid"),
            pa.Check(lambda d: d["admitted_on"].notna(), name="admitted_on_invalid"),
            pa.Check(
                lambda d: d["period"].isin([""]) | d["period"].str[:4].isin([str(y) for y in years]),
                name="period_outside_plan",
            ),
            pa.Check(lambda d: d["age"].isna() | (d["age"] >= 18), name="under_18"),
            pa.Check(lambda d: d["age"].isna() | (d["age"] <= 60), name="over_60"),
        ],
    )


Tables = list[tuple[str, ReportTable]]


def combine(tables: Tables) -> tuple[pd.DataFrame, dict[int, dict[str, str]]]:
    """Many tables (from many files) as one frame, so every rule runs once per batch, vectorised.

    Rows carry ``_file``, ``_sheet`` and ``_table``; the headers as each unit wrote them are kept
    per table for the findings.
    """
    if tables:
        # One concat, then the origin columns by repetition: an assign per table cost more than small tables.
        frame = pd.concat([t.frame for _, t in tables], ignore_index=True)
        sizes = [len(t.frame) for _, t in tables]
        frame["_file"] = np.repeat(np.array([rel for rel, _ in tables], dtype=object), sizes)
        frame["_sheet"] = np.repeat(np.array([t.sheet for _, t in tables], dtype=object), sizes)
        frame["_table"] = np.repeat(np.arange(len(tables)), sizes)
    else:
        frame = pd.DataFrame(columns=["source_row", "_file", "_sheet", "_table"])
    headers = {}
    for i, (_, t) in enumerate(tables):
        h = {**display_headers(t.kind), **t.headers}
        h["unit_code_given"] = h["unit_code"]
        h["unit_code"] = t.headers.get("unit_name", t.headers.get("unit_code", h["unit_name"]))
        h["age"] = h.get("birth_date", "")
        headers[i] = h
    return frame.astype({"_file": object, "_sheet": object}), headers


def _column(frame: pd.DataFrame, name: str) -> pd.Series:
    return frame[name] if name in frame else pd.Series(None, index=frame.index, dtype=object)


def _units(frame: pd.DataFrame, registry: UnitRegistry) -> tuple[pd.DataFrame, pd.DataFrame]:
    written, code_written = (clean_cells(_column(frame, c), object) for c in ("unit_name", "unit_code"))
    resolved = registry.resolve_units(code_written, written)
    written = written.where(written != "", code_written)
    out = pd.DataFrame(
        {"unit_code": resolved.code.fillna(""), "unit_code__suggestions": resolved.suggestions}, index=frame.index
    )
    out["unit_id"] = out["unit_code"].where(out["unit_code"] != "", written)
    out["unit_name"] = written
    # A code that is given must be known: that failure is about the code column, not the name.
    out["unit_code_given"] = code_written.str.upper()
    out["code_unknown"] = (code_written != "") & (out["unit_code"] == "")
    out["unit_code_given__suggestions"] = out["unit_code__suggestions"]
    raw_unit = pd.DataFrame({"unit_code": written, "unit_code_given": code_written}, index=frame.index)
    return out, raw_unit


def _raw_text(frame: pd.DataFrame, columns: list[str]) -> pd.DataFrame:
    return pd.DataFrame({c: clean_cells(_column(frame, c)) for c in columns}, index=frame.index)


def _location(out: pd.DataFrame, frame: pd.DataFrame) -> pd.DataFrame:
    return out.assign(
        source_row=frame["source_row"].astype(int), _file=frame["_file"], _sheet=frame["_sheet"], _table=frame["_table"]
    )


def check_summaries(tables: Tables, registry: UnitRegistry, years: list[int], deadline_day: int) -> Checked:
    """Type, resolve and validate summary tables of many files at once; rows with errors are dropped.

    The rows returned carry ``_file`` (the file they came from).
    """
    frame, headers = combine(tables)
    if frame.empty:
        findings = _total_rows(tables, None)
        return Checked(pd.DataFrame(columns=[*SUMMARY_COLUMNS, "_file"]), findings)
    out, raw_unit = _units(frame, registry)
    out = _location(out, frame)
    out["period_month"] = parse_month(_column(frame, "period"))
    out["period"] = month_label(out["period_month"])
    written = _raw_text(frame, ["period", *COUNTS, "reported_on"])  # as typed, cleaned: once for every use
    for c in COUNTS:
        out[c] = parse_count(_column(frame, c))
        if c in frame:  # clerks leave zeros blank; a row with no figure at all never gets here
            out[c] = out[c].mask(written[c] == "", 0.0)
        out[f"{c}__maximum"] = f"{MAX_COUNT:,}".replace(",", ".")
    out["reported_on"] = parse_date(_column(frame, "reported_on"))
    out["reported_on_blank"] = written["reported_on"] == ""
    out["admitted_total__expected"] = out["admitted_youth"] + out["admitted_union"]
    raw = written.join(raw_unit)
    ctx = Context(
        "summary",
        None,
        None,
        {},
        raw=raw,
        unit_col="unit_code",
        period_col="period",
        table_headers=headers,
        primary_col={
            "admitted_arithmetic": "admitted_total",
            "reported_on_invalid": "reported_on",
            "reported_on_missing": "reported_on",
            "reported_before_period": "reported_on",
            "duplicate": "unit_code",
            **UNIT_PRIMARY,
        },
        renamed={"unknown_unit_code": "unknown_unit"},
    )
    ok, findings = validate(out, summary_schema(years), ctx)
    rows = out[ok].copy()
    for c in COUNTS:
        rows[c] = rows[c].astype("int64")
    deadline = rows["period_month"] + pd.DateOffset(months=1) + pd.to_timedelta(deadline_day - 1, unit="D")
    rows["is_on_time"] = rows["reported_on"].notna() & (rows["reported_on"] <= deadline)
    rows["sheet"] = rows["_sheet"]
    findings += _total_rows(tables, out.groupby("_table")[COUNTS].sum())
    return Checked(rows[[*SUMMARY_COLUMNS, "_file"]], findings, read=len(frame))


def check_summary(table: ReportTable, rel: str, registry: UnitRegistry, years: list[int], deadline_day: int) -> Checked:
    """One summary table (see ``check_summaries``)."""
    checked = check_summaries([(rel, table)], registry, years, deadline_day)
    checked.rows = checked.rows.drop(columns="_file")
    return checked


def _total_rows(tables: Tables, sums: pd.DataFrame | None) -> list[Finding]:
    """A total row whose figures differ from the sum of the table's rows (``sums``: per table index).

    The stated totals of every table are parsed together: one parse per column, not per file.
    """
    with_total = [(i, rel, t, t.total_row) for i, (rel, t) in enumerate(tables) if t.total_row is not None]
    if not with_total:
        return []
    stated = pd.DataFrame(
        [[cells.get(c) for c in COUNTS] for *_, (_, cells) in with_total], columns=COUNTS, dtype=object
    )
    parsed = np.column_stack([parse_count(stated[c]).to_numpy(dtype=float) for c in COUNTS])
    by_table = {} if sums is None else dict(zip(sums.index, sums[COUNTS].to_numpy(), strict=True))
    zeros = np.zeros(len(COUNTS))
    findings = []
    for (i, rel, table, (rownum, cells)), values in zip(with_total, parsed, strict=True):
        expected = by_table.get(i, zeros)
        findings += [
            Finding(
                "summary.total_row_mismatch",
                rel,
                table.sheet,
                rownum,
                table.headers.get(c, c),
                clean_text(cells.get(c)),
                params={"expected": int(expected[k])},
            )
            for k, c in enumerate(COUNTS)
            if c in table.headers and not np.isnan(values[k]) and values[k] != expected[k]
        ]
    return findings


def person_key(national_ids: pd.Series, key: str) -> pd.Series:
    """Keyed hash of national ids (HMAC-SHA-256): joinable, not reversible without the key."""
    secret = key.encode()
    return map_unique(national_ids, lambda v: hmac.new(secret, str(v).encode(), hashlib.sha256).hexdigest())


def _mask_id(s: pd.Series) -> pd.Series:
    """National ids in issue records: the first three and last two characters only."""
    masked = s.str.replace(r"^(.{3}).+(.{2})$", r"\1*******\2", regex=True)
    return masked.where(s.str.len() >= 6, "***").where(s != "", "")


def _national_ids(ids: pd.Series) -> tuple[pd.Series, pd.Series, pd.Series]:
    """Ids as text, whether a lost leading zero was put back, and why Excel broke one for good ('' if not).

    Every id starts with a 0-prefixed province code, so a number of 11 digits lost exactly that zero;
    fewer digits, or scientific notation ("5.2E+10", what a CSV of a narrow column keeps), lost more.
    """
    numeric = pd.to_numeric(ids.where(ids.map(type).isin([int, float])), errors="coerce")
    whole = numeric.where((numeric == numeric.round()) & (numeric >= 0) & (numeric < 1e12))
    digits = whole.astype("Int64").astype("string")
    # NFKC: an id in full-width digits is the same id (and the same hash); other scripts stay invalid.
    text = map_unique(ids.astype(object), lambda v: unicodedata.normalize("NFKC", clean_text(v)))
    text = text.fillna("").str.replace(r"\s", "", regex=True)
    restored = (digits.str.len() == 11).fillna(False).astype(bool)
    short = (digits.str.len() < 11).fillna(False).astype(bool)
    scientific = text.str.fullmatch(r"\d+(?:[.,]\d+)?[eE]\+?\d+").fillna(False).astype(bool)
    out = text.where(whole.isna(), digits.where(~restored, "0" + digits))
    why = pd.Series("", index=ids.index, dtype=object)
    why = why.mask(short, "ô kiểu số, còn " + digits.str.len().astype("string") + " chữ số / a number of fewer digits")
    why = why.mask(scientific, "hiển thị dạng số mũ / scientific notation")
    return out.astype(object), restored, why


def check_rosters(
    tables: Tables, registry: UnitRegistry, years: list[int], hash_key: str, default_units: dict[str, str]
) -> Checked:
    """Type, resolve and validate rosters of many files at once; personal data is split off.

    ``default_units`` gives, per file, the unit of a single-unit report: roster rows without a unit
    belong to it. Rows returned carry ``_file``.
    """
    frame, headers = combine(tables)
    if frame.empty:  # DanhSach may be empty when nobody was admitted
        return Checked(
            pd.DataFrame(columns=[*ROSTER_COLUMNS, "_file"]), [], pd.DataFrame(columns=[*PERSONAL_COLUMNS, "_file"])
        )
    units_given = _raw_text(frame, ["unit_code", "unit_name"])
    blank = (units_given["unit_code"] == "") & (units_given["unit_name"] == "")
    default = frame["_file"].map(default_units)
    frame["unit_code"] = _column(frame, "unit_code").astype(object).where(~(blank & default.notna()), default)
    out, raw_unit = _units(frame, registry)
    out = _location(out, frame)
    text = _raw_text(frame, ["full_name", "ethnicity", "religion", "decision_no", "gender", "source"])
    out = out.join(text)
    out["gender"] = map_unique(text["gender"], ascii_key).map(GENDERS).fillna("?")
    out["source"] = map_unique(text["source"], ascii_key).map(SOURCES).fillna("?")
    out["national_id"], out["id_restored"], out["national_id__why"] = _national_ids(_column(frame, "national_id"))
    out["birth_date"] = parse_date(_column(frame, "birth_date"))
    out["admitted_on"] = parse_date(_column(frame, "admitted_on"))
    out["period_month"] = out["admitted_on"].dt.to_period("M").dt.to_timestamp()
    out["period"] = month_label(out["period_month"])
    months = (
        (out["admitted_on"].dt.year - out["birth_date"].dt.year) * 12
        + (out["admitted_on"].dt.month - out["birth_date"].dt.month)
        - (out["admitted_on"].dt.day < out["birth_date"].dt.day).astype(int)
    )
    out["age"] = (months // 12).astype("Int64")
    raw = text[["gender", "source"]].join(_raw_text(frame, ["admitted_on", "birth_date"])).join(raw_unit)
    raw["national_id"] = _mask_id(out["national_id"])
    # Personal data stays out of issue records: a valid birth date shows its year only.
    raw["birth_date"] = (
        out["birth_date"]
        .dt.strftime("**/**/%Y")
        .fillna(
            raw["birth_date"].str.replace(r"\d(?=.*\d{4})", "*", regex=True)  # what is typed, year only
        )
    )
    raw["age"] = out["age"].astype("string")
    raw["period"] = out["period"]
    ctx = Context(
        "roster",
        None,
        None,
        {},
        raw=raw,
        unit_col="unit_code",
        period_col="period",
        table_headers=headers,
        primary_col={
            "birth_date_invalid": "birth_date",
            "admitted_on_invalid": "admitted_on",
            "period_outside_plan": "admitted_on",
            "under_18": "age",
            "over_60": "age",
            "national_id_invalid": "national_id",
            "national_id_excel_number": "national_id",
            "national_id_zero_restored": "national_id",
            **UNIT_PRIMARY,
        },
        renamed={"unknown_unit_code": "unknown_unit"},
    )
    ok, findings = validate(out, roster_schema(years), ctx)
    rows = out[ok].copy()
    rows["person_key"] = person_key(rows["national_id"], hash_key)
    rows["is_ethnic_minority"] = map_unique(rows["ethnicity"], ascii_key) != "kinh"
    rows["has_religion"] = ~map_unique(rows["religion"], ascii_key).isin(NO_RELIGION)
    rows["age_at_admission"] = rows["age"].astype("int64")
    rows["sheet"] = rows["_sheet"]
    rows["national_id_masked"] = _mask_id(rows["national_id"])
    rows["id_column"] = rows["_table"].map({i: h.get("national_id") for i, h in headers.items()})
    personal = rows[[*PERSONAL_COLUMNS, "_file"]].copy()
    return Checked(rows[[*ROSTER_COLUMNS, "_file"]], findings, personal, read=len(frame))


def check_roster(
    table: ReportTable,
    rel: str,
    registry: UnitRegistry,
    years: list[int],
    hash_key: str,
    default_unit: str | None = None,
) -> Checked:
    """One roster table (see ``check_rosters``)."""
    checked = check_rosters([(rel, table)], registry, years, hash_key, {rel: default_unit} if default_unit else {})
    checked.rows = checked.rows.drop(columns="_file")
    assert checked.personal is not None
    checked.personal = checked.personal.drop(columns="_file")
    return checked


def duplicate_persons(
    rosters: list[tuple[str, pd.DataFrame]], existing: pd.DataFrame
) -> tuple[list[Finding], list[pd.Series]]:
    """A person is admitted once: flag every later admission of the same person_key.

    The earliest admission stands (admission date, then decision number), whatever the order of the
    files. ``rosters`` are (file, rows) in processing order; ``existing`` holds the warehouse's current
    admissions (person_key, unit_code, period_month, admitted_on, decision_no); one of them that is
    later than a new row is the warehouse's to move (``pdv.warehouse.admissions``). Re-sending the same
    unit-month (a corrected file) is not a second admission. Returns findings and, per roster, a keep mask.
    """
    cols = ["person_key", "unit_code", "period_month", "admitted_on", "decision_no"]
    frames = [existing.reindex(columns=cols)] + [r.reindex(columns=cols) for _, r in rosters]
    allrows = pd.concat(frames, ignore_index=False, keys=range(-1, len(rosters)), names=["_part", "_idx"])
    allrows = allrows.reset_index()
    decision = allrows["decision_no"].astype("string").fillna("")
    allrows["_decision_no"] = pd.to_numeric(decision.str.extract(r"^\s*(\d+)")[0], errors="coerce")
    allrows["_decision"] = decision
    # An admission without its date (an older caller's frame) counts from the start of its month.
    allrows["_on"] = pd.to_datetime(allrows["admitted_on"]).fillna(pd.to_datetime(allrows["period_month"]))
    allrows = allrows.sort_values(
        # On a tie the warehouse's admissions (part -1) come first, then the files in order.
        ["_on", "_decision_no", "_decision", "_part", "_idx"],
        na_position="last",
        kind="stable",
    )
    allrows["_again"] = (allrows["_part"] >= 0) & allrows.duplicated(["_part", "person_key"])
    first = allrows.drop_duplicates("person_key")[["person_key", "unit_code", "period_month", "_part", "_idx"]]
    merged = allrows.merge(first, on="person_key", suffixes=("", "_first"))
    elsewhere = (merged["unit_code"] != merged["unit_code_first"]) | (
        merged["period_month"] != merged["period_month_first"]
    )
    dup = merged[elsewhere | merged["_again"]]
    dup = dup[dup["_part"] >= 0]
    findings, keeps = [], []
    by_part = dict(list(dup.groupby("_part", sort=False)))
    for i, (rel, rows) in enumerate(rosters):
        keep = pd.Series(True, index=rows.index)
        keeps.append(keep)
        if (mine := by_part.get(i)) is None:
            continue
        keep[mine["_idx"].to_numpy()] = False
        for d in mine.to_dict("records"):
            row = rows.loc[d["_idx"]]
            findings.append(
                Finding(
                    "roster.duplicate_person",
                    rel,
                    row["sheet"],
                    int(row["source_row"]),
                    row["id_column"],
                    row["national_id_masked"],
                    row["unit_code"],
                    month_label(pd.Series([row["period_month"]])).iloc[0],
                    {
                        "other_unit": d["unit_code_first"],
                        "other_period": month_label(pd.Series([d["period_month_first"]])).iloc[0],
                    },
                )
            )
    return findings, keeps


def cross_findings(state: pd.DataFrame) -> list[Finding]:
    """Roster against summary per unit-month, on the reports in force.

    ``state`` has one row per unit-month: unit_code, period ('YYYY-MM'), the current summary's
    admitted_total, admitted_youth and lineage (path, sheet, source_row; null without a summary), and
    the current roster's roster_total and roster_youth (null without a roster).
    """
    findings: list[Finding] = []
    has_summary = state["path"].notna()
    has_roster = state["roster_total"].notna()
    # Only rows whose figures differ can mismatch (the loop compares them as ints): a national year's
    # 600,000 unit-months as dicts took seconds.
    differ = (state["roster_total"] != state["admitted_total"]) | (state["roster_youth"] != state["admitted_youth"])
    for r in state[has_summary & has_roster & differ.fillna(True).astype(bool)].to_dict("records"):
        where = (r["path"], r["sheet"] if isinstance(r["sheet"], str) else None, int(r["source_row"]))
        if int(r["roster_total"]) != int(r["admitted_total"]):
            findings.append(
                Finding(
                    "cross.roster_count_mismatch",
                    *where,
                    _header(r, "admitted_total"),
                    str(int(r["admitted_total"])),
                    r["unit_code"],
                    r["period"],
                    {"roster": int(r["roster_total"])},
                )
            )
        elif int(r["roster_youth"]) != int(r["admitted_youth"]):
            findings.append(
                Finding(
                    "cross.roster_youth_mismatch",
                    *where,
                    _header(r, "admitted_youth"),
                    str(int(r["admitted_youth"])),
                    r["unit_code"],
                    r["period"],
                    {"roster": int(r["roster_youth"])},
                )
            )
    for r in state[has_summary & ~has_roster & (state["admitted_total"] > 0)].to_dict("records"):
        findings.append(
            Finding(
                "cross.roster_missing",
                r["path"],
                r["sheet"] if isinstance(r["sheet"], str) else None,
                int(r["source_row"]),
                _header(r, "admitted_total"),
                str(int(r["admitted_total"])),
                r["unit_code"],
                r["period"],
            )
        )
    return findings


def _header(state_row: dict[Any, Any], column: str) -> str:
    """The header the unit wrote for a summary column (the form's own when unknown)."""
    written = state_row.get(f"header_{column}")
    return written if isinstance(written, str) and written else display_headers("summary")[column]


def batch_state(
    files: list[tuple[str, pd.DataFrame | None, pd.DataFrame | None]],
    headers: pd.DataFrame | None = None,
) -> pd.DataFrame:
    """The unit-month state a set of files alone would produce (for ``pdv validate``).

    ``files`` are (path, summary rows, roster rows) in arrival order; the same ordering rules as the
    warehouse apply: latest report date (then arrival) wins, the newest roster replaces older ones.
    ``headers`` (path, sheet, column_name, header) gives the headers as the units wrote them.
    """
    summaries = [s.assign(path=p, _order=i) for i, (p, s, _) in enumerate(files) if s is not None and not s.empty]
    rosters = [r.assign(path=p, _order=i) for i, (p, _, r) in enumerate(files) if r is not None and not r.empty]
    keys = ["unit_code", "period_month"]
    state = pd.DataFrame(columns=[*keys, "admitted_total", "admitted_youth", "path", "sheet", "source_row"])
    if summaries:
        s = pd.concat(summaries, ignore_index=True)
        s = s.sort_values(["reported_on", "_order"], ascending=False, na_position="last", kind="stable")
        state = s.drop_duplicates(keys)[state.columns]
    counts = pd.DataFrame(columns=[*keys, "roster_total", "roster_youth"])
    if rosters:
        r = pd.concat(rosters, ignore_index=True)
        newest = r.groupby(keys)["_order"].transform("max")
        r = r[r["_order"] == newest].assign(youth=lambda d: (d["source"] == "youth").astype(int))
        counts = r.groupby(keys).agg(roster_total=("person_key", "size"), roster_youth=("youth", "sum")).reset_index()
    state = state.merge(counts, on=keys, how="outer")
    state["period"] = month_label(pd.to_datetime(state["period_month"]))
    if headers is not None and not headers.empty:
        # A roster sheet with headers and no (valid) rows is a roster of zero persons.
        with_roster = state["path"].isin(headers.loc[headers["column_name"] == "national_id", "path"])
        for c in ("roster_total", "roster_youth"):
            state[c] = state[c].where(state[c].notna() | ~with_roster, 0)
        wide = headers.pivot_table(
            index=["path", "sheet"], columns="column_name", values="header", aggfunc="first", dropna=False
        )
        wide = wide.reindex(columns=["admitted_total", "admitted_youth"]).add_prefix("header_").reset_index()
        state = state.assign(sheet=state["sheet"].fillna("")).merge(
            wide.assign(sheet=wide["sheet"].fillna("")), on=["path", "sheet"], how="left"
        )
    return state
