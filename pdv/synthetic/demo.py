"""Deterministic generator of realistic (synthetic) monthly unit reports, with a known answer.

```python
from pdv.synthetic.demo import YEARS, generate
for year in YEARS:  # 2024, then 2025 under the reorganised bloc
    result = generate(Path("data/raw/reports"), Path("data/raw/reference/units.csv"),
                      Path("data/raw/plan/000_cf347291d3b5098b.txt"), seed=2024, year=year)
```
or ``pdv demo-data --clean`` (writes ``data/raw/reports/<year>/``).

How it works (2024):

1. the 2024 targets are read from the plan's annex (tab-separated rows near the end of the text);
2. a ledger is simulated per unit and month: admissions against the target (some units reach it, some
   fall behind), their youth/union split, recognitions (the 2023 intake after 12 months' probation),
   course graduates, the sympathiser pool (a stock), the report date, and one synthetic person per
   admission (names, birth dates, 12-digit ids with the Bình Định prefix 052, decision numbers);
3. which files exist comes from two tables kept as data: ``REPORTING`` (which units send monthly,
   quarterly, half-yearly or consolidated files, in which layouts) and ``LAYOUTS`` (how a file looks:
   sheet names, title rows, one- or two-level headers, header aliases, period/number/date spellings,
   unit given by code or by a variant name, CSV encoding, total and blank rows);
4. the deliberate flaws of ``FLAWS`` (one per file) are applied to the files they fall in;
5. files are rendered (xlsx with fixed zip and metadata timestamps, so a run is byte-reproducible;
   CSV in the layout's encoding), and the rows as written give ``truth`` and ``expected_issues``.

2025 continues the 2024 run of the same seed (which is simulated again, not written): the change list
(``unit_changes.csv`` beside the registry) says which units exist in each month, under which name and
parent committee, and which yearly target they carry (inherited through merges and splits). The
2024 intake is recognised twelve months on by whoever holds those members, sympathiser pools carry
over (and pass to successors), national ids stay unique across both years, and each parent committee
numbers its own admission decisions. Files follow ``REPORTING_2025``; the only flaws are the
``STRAYS_2025`` reports naming a unit after it ceased.

Row numbers are as the source shows them: Excel rows (1-based) and CSV lines (header line included).
"""

from __future__ import annotations

import calendar
import codecs
import csv
import io
import random
import unicodedata
from collections import Counter
from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime, time, timedelta
from pathlib import Path

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Border, Font, Side
from openpyxl.utils import get_column_letter
from openpyxl.worksheet.worksheet import Worksheet

from pdv.textnorm import name_key
from pdv.xlsxio import workbook_bytes

YEAR = 2024  # the default year, and the only one without unit changes
YEARS = (2024, 2025)  # the plan's years; one generate() call writes one of them
MONTHS = tuple(range(1, 13))
PROVINCE_ID_PREFIX = "052"  # Bình Định in the 12-digit personal identification number
DECISION_SUFFIX = "QĐ/ĐUK"

# --------------------------------------------------------------------------------------------------
# Tables kept as data: layouts, who reports how, and the deliberate flaws.
# --------------------------------------------------------------------------------------------------

SUMMARY_COLUMNS = (
    "unit_code",
    "unit_name",
    "period",
    "admitted_total",
    "admitted_youth",
    "admitted_union",
    "recognized_full",
    "trained",
    "sympathizers",
    "reported_on",
)
COUNT_COLUMNS = SUMMARY_COLUMNS[3:9]
ROSTER_COLUMNS = (
    "unit_code",
    "unit_name",
    "full_name",
    "birth_date",
    "gender",
    "ethnicity",
    "religion",
    "national_id",
    "source",
    "admitted_on",
    "decision_no",
)

# Header spellings per header set; each one is in pdv/column_maps/{summary,roster}.csv.
SUMMARY_HEADERS: dict[str, tuple[str, ...]] = {
    "std": (
        "Mã đơn vị",
        "Tên đơn vị",
        "Kỳ báo cáo",
        "Kết nạp: Tổng số",
        "Kết nạp: Đoàn viên thanh niên",
        "Kết nạp: Đoàn viên công đoàn",
        "Công nhận đảng viên chính thức",
        "Học lớp bồi dưỡng nhận thức về Đảng",
        "Quần chúng cảm tình Đảng (cuối kỳ)",
        "Ngày báo cáo",
    ),
    "alias": (
        "Mã ĐV",
        "Đơn vị",
        "Tháng báo cáo",
        "Tổng số kết nạp",
        "Kết nạp ĐVTN",
        "Kết nạp ĐVCĐ",
        "Công nhận chính thức",
        "Học lớp cảm tình Đảng",
        "Quần chúng ưu tú",
        "Ngày gửi",
    ),
    "alias2": (
        "Mã",
        "Tổ chức cơ sở đảng",
        "Tháng",
        "Số đảng viên kết nạp",
        "ĐVTN",
        "ĐVCĐ",
        "Số đảng viên được công nhận chính thức",
        "Bồi dưỡng nhận thức về Đảng",
        "Cảm tình Đảng cuối kỳ",
        "Ngày lập báo cáo",
    ),
}
# Two-level headers: "Kết nạp" merged over the three admission columns (matched as "upper lower").
TWO_LEVEL_HEADERS: dict[str, tuple[str, tuple[str, str, str]]] = {
    "std": ("Kết nạp", ("Tổng số", "Đoàn viên thanh niên", "Đoàn viên công đoàn")),
    "alias": ("Kết nạp", ("Tổng cộng", "ĐVTN", "ĐVCĐ")),
    "alias2": ("Kết nạp", ("Tổng số", "ĐVTN", "ĐVCĐ")),
}
ROSTER_HEADERS: dict[str, tuple[str, ...]] = {
    "std": (
        "Mã đơn vị",
        "Tên đơn vị",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Dân tộc",
        "Tôn giáo",
        "Số định danh cá nhân",
        "Đoàn thể giới thiệu",
        "Ngày kết nạp",
        "Số quyết định",
    ),
    "alias": (
        "Mã ĐV",
        "Đơn vị",
        "Họ tên",
        "Ngày tháng năm sinh",
        "Giới tính",
        "Dân tộc",
        "Tôn giáo",
        "Số CCCD",
        "Nguồn giới thiệu",
        "Ngày kết nạp",
        "Số QĐ",
    ),
    "alias2": (
        "Mã ĐV",
        "Đơn vị",
        "Họ và tên",
        "Ngày sinh",
        "Giới tính",
        "Dân tộc",
        "Tôn giáo",
        "Số căn cước công dân",
        "Đoàn thể giới thiệu",
        "Ngày kết nạp",
        "Số quyết định kết nạp",
    ),
}

# Old tone-mark placement ("Hòa" written "Hoà"); name_key treats both alike.
_OLD_TONES = {"òa": "oà", "óa": "oá", "ỏa": "oả", "õa": "oã", "ọa": "oạ", "ủy": "uỷ", "úy": "uý", "Ủy": "Uỷ"}


def _old_tones(name: str) -> str:
    for new, old in _OLD_TONES.items():
        name = name.replace(new, old)
    return name


NAME_STYLES = {
    "plain": lambda s: s,
    "nfd": lambda s: unicodedata.normalize("NFD", s),
    "old_tone": _old_tones,
    "spaces": lambda s: " " + s.replace(" ", "  ", 1) + " ",
    "upper": str.upper,
}
PERIOD_STYLES = {
    "iso": "{y}-{m:02d}",
    "mm/yyyy": "{m:02d}/{y}",
    "m/yyyy": "{m}/{y}",
    "thang": "Tháng {m}/{y}",
}
TOTAL_LABEL = "Tổng cộng"
Cell = str | int | float | date | None  # a value as written into a workbook or CSV cell


@dataclass(frozen=True)
class Layout:
    """How one report file looks. Every field is one variation of unit-report-format.md."""

    fmt: str = "xlsx"  # xlsx | csv | corrupt (random bytes named .xlsx) | doc (a Word 97 OLE2 file)
    sheets: tuple[str, str] = ("TongHop", "DanhSach")
    titles: bool = False  # unit name, report title and period above the header
    two_level: bool = False  # "Kết nạp" merged over Tổng số | ĐVTN | ĐVCĐ
    headers: str = "std"  # key of SUMMARY_HEADERS / ROSTER_HEADERS / TWO_LEVEL_HEADERS
    unit_cols: str = "both"  # code | name | both
    name_style: str = "plain"  # key of NAME_STYLES
    period_style: str = "iso"  # key of PERIOD_STYLES, or "date" (an Excel date in the month)
    numbers: str = "int"  # int | float (3.0) | text ("05")
    dates: str = "excel"  # excel | dmy (dd/mm/yyyy text) | iso (yyyy-mm-dd text)
    sources: tuple[str, str] = ("Đoàn TN", "Công đoàn")  # how youth / union sources are written
    total_row: bool = False  # trailing "Tổng cộng" row (files with two or more rows)
    blank_rows: bool = False  # a blank row in the middle (files with enough rows)
    empty_roster: str = "header"  # nobody admitted: "header" (header only) or "omit" (no roster)
    encoding: str = "utf-8-sig"  # csv: utf-8-sig | utf-8 | utf-16 | cp1258
    legacy: str = ""  # xlsx typed in a pre-Unicode font: VNI | TCVN3 (format 1.1)
    footer: bool = False  # a note, the place-and-date line and a signature block below the summary

    def __post_init__(self) -> None:
        if self.fmt == "csv" and (self.dates == "excel" or self.period_style == "date"):
            raise ValueError("a CSV layout cannot hold Excel dates")

    def columns(self, base: Sequence[str]) -> list[str]:
        keep = {"code": {"unit_code"}, "name": {"unit_name"}, "both": {"unit_code", "unit_name"}}[self.unit_cols]
        return [c for c in base if c not in ("unit_code", "unit_name") or c in keep]

    def number(self, value: int) -> Cell:
        styles: dict[str, Cell] = {"int": value, "float": float(value), "text": f"{value:02d}"}
        return styles[self.numbers]

    def day(self, value: date) -> Cell:
        styles: dict[str, Cell] = {"excel": value, "dmy": value.strftime("%d/%m/%Y"), "iso": value.isoformat()}
        return styles[self.dates]

    def period(self, month: int, year: int = YEAR) -> Cell:
        if self.period_style == "date":
            return date(year, month, 1)  # what Excel makes of "3/2024" typed into a cell
        return PERIOD_STYLES[self.period_style].format(y=year, m=month)

    def unit_name(self, name: str) -> str:
        return str(NAME_STYLES[self.name_style](name))


LAYOUTS: dict[str, Layout] = {
    # The board's template as sent: plain sheet names, one header row, code and name, ISO periods.
    "A": Layout(),
    # Typed by hand: Vietnamese sheet names, title rows, merged two-level header, names only with the
    # old tone placement ("Hoà"), "Tháng 3/2024", dd/mm/yyyy text dates, no roster sheet when empty.
    "B": Layout(
        sheets=("Tổng hợp", "Danh sách"),
        titles=True,
        two_level=True,
        unit_cols="name",
        name_style="old_tone",
        period_style="thang",
        dates="dmy",
        sources=("Đoàn thanh niên", "Công đoàn"),
        empty_roster="omit",
    ),
    # Upper-case ASCII sheet names, alias headers, unit code only, floats, ISO text dates.
    "C": Layout(
        sheets=("TONG HOP", "DANH SACH"),
        titles=True,
        headers="alias",
        unit_cols="code",
        period_style="mm/yyyy",
        numbers="float",
        dates="iso",
        sources=("ĐVTN", "ĐVCĐ"),
    ),
    # Numbers typed as text ("05"), NFD names, the second alias set, "3/2024".
    "D": Layout(
        headers="alias2",
        unit_cols="name",
        name_style="nfd",
        period_style="m/yyyy",
        numbers="text",
        dates="dmy",
        sources=("Đoàn TN", "ĐVCĐ"),
    ),
    # Period as an Excel date, upper-case names, two-level alias header, total row, blank rows.
    "E": Layout(
        sheets=("Tổng hợp", "Danh sách"),
        titles=True,
        two_level=True,
        headers="alias",
        name_style="upper",
        period_style="date",
        sources=("ĐVTN", "Công đoàn"),
        total_row=True,
        blank_rows=True,
    ),
    # Consolidated files of small cells: names with stray spaces, two-level header, totals.
    "F": Layout(
        titles=True,
        two_level=True,
        unit_cols="name",
        name_style="spaces",
        period_style="thang",
        total_row=True,
        blank_rows=True,
        empty_roster="omit",
    ),
    # Titled one-level form with code and name, ISO periods, totals, dd/mm/yyyy text dates.
    "G": Layout(sheets=("Tổng hợp", "Danh sách"), titles=True, total_row=True, dates="dmy"),
    # CSV pairs, one per encoding.
    "K": Layout(fmt="csv", encoding="utf-8-sig", dates="dmy"),
    "L": Layout(
        fmt="csv",
        encoding="utf-8",
        headers="alias",
        unit_cols="name",
        period_style="mm/yyyy",
        numbers="float",
        dates="iso",
        sources=("ĐVTN", "ĐVCĐ"),
        empty_roster="omit",
    ),
    "M": Layout(
        fmt="csv",
        encoding="utf-16",
        unit_cols="code",
        period_style="thang",
        numbers="text",
        dates="dmy",
        sources=("Đoàn thanh niên", "Công đoàn"),
    ),
    "N": Layout(
        fmt="csv",
        encoding="cp1258",
        headers="alias2",
        unit_cols="name",
        period_style="m/yyyy",
        dates="dmy",
        total_row=True,
        blank_rows=True,
    ),
    # 2025 (format 1.1): an office still on the VNI-Times font, its form with a footer and signatures.
    "P": Layout(titles=True, legacy="VNI", footer=True),
}


@dataclass(frozen=True)
class Reporting:
    """How a set of units reports: one file per unit (or one consolidated file when ``group`` is
    set) per period of the cadence; a unit's files cycle through ``layouts`` by period."""

    cadence: str  # month | quarter | half
    layouts: tuple[str, ...]
    units: tuple[str, ...]
    group: str = ""


REPORTING: tuple[Reporting, ...] = (
    Reporting("month", ("A",), ("BVDK",)),
    Reporting("month", ("B",), ("BVPDLTU",)),
    Reporting("month", ("A", "C"), ("TCDKTCN",)),
    Reporting("month", ("C",), ("SYT",)),
    Reporting("month", ("E",), ("SNNPTNT",)),
    Reporting("month", ("D",), ("BVYHCTP",)),
    Reporting("month", ("K", "L"), ("CTHUE",)),
    Reporting("month", ("M", "N"), ("TCDYT",)),
    Reporting("quarter", ("N",), ("SKHCN",)),
    Reporting("quarter", ("K",), ("VSRKSTC",)),
    Reporting("quarter", ("A",), ("CHQ", "NHNN", "DPTTH")),
    Reporting("quarter", ("B",), ("SVHTT", "STNMT", "VPU")),
    Reporting("quarter", ("C",), ("BQLDAGT", "VKSND", "LDLD")),
    Reporting("quarter", ("D",), ("SGTVT", "STP", "SCT")),
    Reporting("quarter", ("E",), ("BVTT", "BVCHPHC", "BVLBP", "TCDCDXD")),
    Reporting("half", ("G",), ("CDTNNKV", "PVDTQHR", "KBNN", "SGDDT", "SLDTBXH")),
    Reporting("half", ("B",), ("VPUBND", "TCT", "STC")),
    Reporting("half", ("A",), ("SXD", "VKHKTNN", "TTRA")),
    Reporting("half", ("E",), ("BAOBD", "CQLTT", "VPDDBQH")),
    Reporting("quarter", ("F",), ("BVM", "CTK", "CCKDTVV", "DLS"), group="Nhom1"),
    Reporting("quarter", ("G",), ("HLHPN", "HND", "HCTD", "STTTT"), group="Nhom2"),
    Reporting("quarter", ("B",), ("TDOAN", "UBMTTQV", "SNV", "BGPMB"), group="Nhom3"),
    Reporting("quarter", ("F",), ("BQLDADT", "SDL", "QDTPT"), group="Nhom4"),
)
DEFAULT_REPORTING = Reporting("quarter", ("A",), ())  # a registry unit not listed above

# cadence -> (periods as month tuples, file stem pattern)
CADENCES: dict[str, tuple[tuple[tuple[int, ...], ...], str]] = {
    "month": (tuple((m,) for m in MONTHS), "{stem}_T{first:02d}-{y}"),
    "quarter": (tuple(tuple(range(q, q + 3)) for q in (1, 4, 7, 10)), "{stem}_Quy{index}-{y}"),
    "half": ((tuple(range(1, 7)), tuple(range(7, 13))), "{stem}_6Thang-{index}-{y}"),
}
ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True)
class Flaw:
    """One deliberate flaw, in the file holding ``unit``'s report for ``month``.

    Summary row flaws write ``value`` into ``column`` of that row (the month is kept free of
    admissions, so nothing else depends on the rejected row); ``summary.total_row_mismatch`` adds
    ``value`` to ``column`` of the file's total row; roster flaws add one extra, invalid person row
    (the summary counts only the valid ones); ``cross.roster_count_mismatch`` leaves one union
    member out of the roster; file flaws replace the whole file.
    """

    rule: str
    unit: str
    month: int
    column: str = ""
    value: str | int = ""
    source: tuple[str, int] | None = None  # duplicate_person: (unit, month) of the first admission


FLAWS: tuple[Flaw, ...] = (
    Flaw("summary.unknown_unit", "HND", 5, "unit_name", "Hội Nông Dân tỉnh Bình Đình"),
    Flaw("summary.admitted_arithmetic", "SVHTT", 8, "admitted_total", 1),
    Flaw("summary.value_negative", "STC", 3, "trained", -1),
    Flaw("summary.value_not_integer", "SGTVT", 5, "trained", "2,5"),
    Flaw("summary.period_invalid", "TCDYT", 9, "period", "13/2024"),
    Flaw("summary.total_row_mismatch", "BVTT", 6, "admitted_total", 1),
    Flaw("roster.under_18", "TCDKTCN", 11),
    Flaw("roster.national_id_invalid", "CTHUE", 6),
    Flaw("roster.duplicate_person", "BVYHCTP", 8, source=("BVDK", 3)),
    Flaw("cross.roster_count_mismatch", "SNNPTNT", 7),
    Flaw("file.unreadable", "BVPDLTU", 6),
    Flaw("file.unsupported_format", "SYT", 4),
)
SUMMARY_ROW_RULES = frozenset(
    {
        "summary.unknown_unit",
        "summary.admitted_arithmetic",
        "summary.value_negative",
        "summary.value_not_integer",
        "summary.period_invalid",
    }
)
ROSTER_ROW_RULES = frozenset({"roster.under_18", "roster.national_id_invalid", "roster.duplicate_person"})
# 2025: a report naming a unit after it ceased. A successor takes the row (warning); a dissolved unit's
# row is rejected.
UNIT_LIFE_RULES = frozenset({"unit.succeeded", "unit.dissolved"})
LOADED_RULES = frozenset({"cross.roster_count_mismatch", "unit.succeeded"})  # the flagged row is still loaded
# Layout adjustments a flaw needs so that it is the only thing wrong in its file.
FLAW_LAYOUT: dict[str, dict[str, object]] = {
    **{rule: {"total_row": False} for rule in SUMMARY_ROW_RULES},
    "summary.unknown_unit": {"unit_cols": "name", "total_row": False},
    "summary.total_row_mismatch": {"total_row": True},
    "file.unreadable": {"fmt": "corrupt"},
    "file.unsupported_format": {"fmt": "doc"},  # .xls is read since format 1.1
    "unit.succeeded": {"unit_cols": "name", "total_row": False},  # the old name alone says who it is
    "unit.dissolved": {"total_row": False},
}
# Ledger constraints per flaw: (min admitted, min union) in the flawed month; summary flaws: none.
FLAW_MINIMUM: dict[str, tuple[int, int]] = {
    **{rule: (1, 0) for rule in ROSTER_ROW_RULES},
    "cross.roster_count_mismatch": (3, 1),
}

# --------------------------------------------------------------------------------------------------
# People and the simulation's parameters.
# --------------------------------------------------------------------------------------------------

SURNAMES = {
    "Nguyễn": 30,
    "Trần": 10,
    "Lê": 10,
    "Võ": 8,
    "Huỳnh": 6,
    "Phạm": 6,
    "Phan": 5,
    "Hồ": 4,
    "Trương": 3,
    "Đặng": 3,
    "Bùi": 3,
    "Đỗ": 3,
    "Ngô": 3,
    "Đinh": 2,
    "Dương": 2,
    "Lương": 2,
    "Đào": 2,
    "Mai": 1,
    "Tô": 1,
    "Hà": 1,
}
MINORITY_SURNAMES = ("Đinh", "Đinh", "Mang", "Lê", "Nguyễn", "Hồ")
MIDDLE_NAMES = {
    "Nam": ("Văn", "Đức", "Minh", "Hữu", "Quốc", "Thanh", "Ngọc", "Công", "Xuân", "Tấn", "Trọng", "Duy", "Quang"),
    "Nữ": ("Thị", "Thị", "Thị Thu", "Thị Kim", "Ngọc", "Thanh", "Thị Mỹ", "Thị Thanh", "Thu", "Bảo", "Thị Hồng"),
}
GIVEN_NAMES = {
    "Nam": (
        "Hùng", "Dũng", "Nam", "Tuấn", "Hải", "Long", "Phúc", "Khoa", "Huy", "Bình", "Thành", "Trung",
        "Hiếu", "Tâm", "Quân", "Đạt", "Sơn", "Vinh", "Lâm", "Khang", "Nhân", "Tài", "Thịnh", "Kiên",
        "Lộc", "Phong", "Tú", "Toàn", "Vũ", "Cường",
    ),
    "Nữ": (
        "Lan", "Hương", "Trang", "Linh", "Hà", "Ngân", "Thảo", "Nhung", "Mai", "Hằng", "Yến", "Phương",
        "Vy", "Uyên", "Nhi", "Hạnh", "Ánh", "Duyên", "Hiền", "Oanh", "Thủy", "Hòa", "Quyên", "Trinh",
        "Diễm", "Châu", "Loan", "Nga", "Thư", "Tuyết",
    ),
}  # fmt: skip
ETHNICITIES = {"Kinh": 92, "Bana": 3, "Hrê": 3, "Chăm": 2}
RELIGIONS = {"Không": 87, "Phật giáo": 9, "Công giáo": 4}
AGE_BANDS = ((19, 22, 10), (23, 27, 30), (28, 32, 28), (33, 37, 17), (38, 40, 9), (41, 50, 6))
STUDENT_AGE_BANDS = ((19, 22, 70), (23, 26, 22), (27, 35, 8))
STUDENT_UNITS = ("Trường Cao đẳng",)  # name prefixes: colleges admit students
FEMALE_HEAVY_UNITS = ("Bệnh viện", "Sở Y tế", "Trường Cao đẳng Y tế", "Viện Sốt rét", "Hội Liên hiệp phụ nữ")
# (label, weight, low, high): how far a unit gets towards its annual target.
PERFORMANCE = (("ahead", 3, 1.05, 1.25), ("on target", 3, 1.0, 1.0), ("behind", 4, 0.65, 0.95), ("far", 1, 0.3, 0.5))
MONTH_WEIGHTS = (0.9, 0.6, 1.1, 0.9, 1.2, 1.0, 0.8, 1.1, 1.0, 0.9, 1.1, 1.5)  # Tết fell in February 2024
COURSE_MONTHS = (3, 5, 8, 10)  # the bloc's Party-awareness courses
LATENESS = (0.03, 0.08, 0.15, 0.35)  # per-unit share of late reports
# Unit-months that are simply not reported (no file, no row): a monthly workbook, a monthly CSV pair
# and a row of a consolidated file; besides them some units skip one quiet month at random.
NOT_REPORTED = (("BVPDLTU", 2), ("CTHUE", 10), ("HLHPN", 7))
NOT_REPORTED_SHARE = 0.2
FIRST_DECISION = 152
DEFAULT_PARENT = "DUK"  # the bloc, for a registry without a parent_code column


@dataclass(frozen=True)
class Unit:
    code: str
    type: str
    name: str
    parent: str = DEFAULT_PARENT  # initial parent committee; "" = begins only when a change creates it


@dataclass(frozen=True)
class Target:
    total: int
    youth: int
    union: int


@dataclass
class Person:
    unit: str
    full_name: str
    birth_date: date
    gender: str
    ethnicity: str
    religion: str
    national_id: str
    source: str  # youth | union
    admitted_on: date
    decision_no: str = ""


@dataclass
class UnitMonth:
    unit: str
    month: int
    youth: int
    union: int
    recognized_full: int
    trained: int
    sympathizers: int
    reported_on: date
    persons: list[Person] = field(default_factory=list)
    name: str = ""  # the unit's name in that month (as the report writes it, before any styling)
    year: int = YEAR
    parent: str = ""  # parent committee code in that month

    @property
    def total(self) -> int:
        return self.youth + self.union

    @property
    def period(self) -> str:
        return f"{self.year}-{self.month:02d}"


Ledger = dict[tuple[str, int], UnitMonth]


# --------------------------------------------------------------------------------------------------
# Inputs: registry and annex targets.
# --------------------------------------------------------------------------------------------------

# Spellings in the annex that differ from the registry, used when unit_aliases.csv is not beside it.
ANNEX_SPELLINGS = {"Cơ quan Tinh đoàn Bình Định": "TDOAN"}


def read_units(units_csv: Path) -> list[Unit]:
    """Every registry row, including units that only a later change creates (blank ``parent``)."""
    with units_csv.open(encoding="utf-8-sig", newline="") as fh:
        return [
            Unit(
                r["unit_code"].strip(),
                r["unit_type"].strip(),
                unicodedata.normalize("NFC", r["unit_name"].strip()),
                (r.get("parent_code") or "").strip() if "parent_code" in r else DEFAULT_PARENT,
            )
            for r in csv.DictReader(fh)
        ]


def read_targets(
    plan_text: Path, units: Sequence[Unit], aliases_csv: Path | None = None, year: int = YEAR
) -> dict[str, Target]:
    """``year``'s targets per unit code from the annex rows (STT, type, name, 2024 and 2025 total/youth/union)."""
    if year not in YEARS:
        raise ValueError(f"the annex has no column for {year}")
    first = 3 + 3 * YEARS.index(year)
    codes = {name_key(u.name): u.code for u in units}
    spellings = dict(ANNEX_SPELLINGS)
    if aliases_csv is not None and aliases_csv.exists():
        with aliases_csv.open(encoding="utf-8-sig", newline="") as fh:
            spellings.update({r["alias"]: r["unit_code"].strip() for r in csv.DictReader(fh)})
    known = {u.code for u in units}
    for alias, alias_code in spellings.items():
        if alias_code in known:
            codes.setdefault(name_key(alias), alias_code)
    targets: dict[str, Target] = {}
    for line in plan_text.read_text(encoding="utf-8-sig").splitlines():
        cells = [c.strip() for c in line.split("\t")]
        values = cells[first : first + 3]
        if len(values) < 3 or not cells[0].isdigit() or not all(c.isdigit() for c in values):
            continue
        code = codes.get(name_key(cells[2]))
        if code is None:
            raise ValueError(f"annex unit {cells[2]!r} is not in the unit registry")
        targets[code] = Target(*(int(c) for c in values))
    missing = sorted(known - set(targets))
    if missing:
        raise ValueError(f"no {year} target in the annex for {missing}")
    return targets


# --------------------------------------------------------------------------------------------------
# Simulation: a ledger of unit-months and their people.
# --------------------------------------------------------------------------------------------------


def _weighted(rng: random.Random, table: dict[str, int]) -> str:
    return rng.choices(list(table), weights=list(table.values()))[0]


def _weekdays(first: date, days: Iterable[int]) -> list[date]:
    last = calendar.monthrange(first.year, first.month)[1]
    out = [first.replace(day=d) for d in days if d <= last]
    return [d for d in out if d.weekday() < 5]


def _next_month(month: int, year: int = YEAR) -> date:
    return date(year + month // 12, month % 12 + 1, 1)


def _spread(rng: random.Random, n: int, months: Sequence[int], weights: Sequence[float]) -> Counter[int]:
    return Counter(rng.choices(list(months), weights=list(weights), k=n)) if n and months else Counter()


class People:
    """Synthetic persons with national ids unique across the whole run."""

    def __init__(self) -> None:
        self.ids: set[str] = set()

    def national_id(self, rng: random.Random, birth: date, gender: str) -> str:
        century_digit = (0 if birth.year < 2000 else 2) + (gender == "Nữ")
        while True:
            nid = f"{PROVINCE_ID_PREFIX}{century_digit}{birth.year % 100:02d}{rng.randrange(10**6):06d}"
            if nid not in self.ids:
                self.ids.add(nid)
                return nid

    def person(self, rng: random.Random, unit: Unit, source: str, admitted_on: date, age: int | None = None) -> Person:
        female_share = 0.62 if unit.name.startswith(FEMALE_HEAVY_UNITS) else 0.48
        gender = "Nữ" if rng.random() < female_share else "Nam"
        ethnicity = _weighted(rng, ETHNICITIES)
        surname = rng.choice(MINORITY_SURNAMES) if ethnicity != "Kinh" else _weighted(rng, SURNAMES)
        full_name = f"{surname} {rng.choice(MIDDLE_NAMES[gender])} {rng.choice(GIVEN_NAMES[gender])}"
        if age is None:
            bands = STUDENT_AGE_BANDS if unit.name.startswith(STUDENT_UNITS) else AGE_BANDS
            low, high, _ = rng.choices(bands, weights=[b[2] for b in bands])[0]
            age = rng.randint(low, high)
        # Born between age+1 years and age years (plus a few days) before the admission.
        anchor = date(admitted_on.year - age, admitted_on.month, 1)
        birth = anchor - timedelta(days=rng.randint(0, 330))
        return Person(
            unit=unit.code,
            full_name=full_name,
            birth_date=birth,
            gender=gender,
            ethnicity=ethnicity,
            religion=_weighted(rng, RELIGIONS),
            national_id=self.national_id(rng, birth, gender),
            source=source,
            admitted_on=admitted_on,
        )


def _meetings(seed: int) -> dict[int, list[date]]:
    """The bloc standing committee's meeting days (admission decisions), two a month."""
    rng = random.Random(f"{seed}:meetings")
    out = {}
    for m in MONTHS:
        first = date(YEAR, m, 1)
        out[m] = [rng.choice(_weekdays(first, range(5, 15))), rng.choice(_weekdays(first, range(17, 29)))]
    return out


def simulate_unit(
    unit: Unit,
    target: Target,
    seed: int,
    people: People,
    meetings: dict[int, list[date]],
    quiet: set[int],
    minimum: dict[int, tuple[int, int]],
) -> dict[int, UnitMonth]:
    """One unit's year: ``quiet`` months admit nobody, ``minimum`` months admit at least (n, union)."""
    rng = random.Random(f"{seed}:{unit.code}")
    _, _, low, high = rng.choices(PERFORMANCE, weights=[p[1] for p in PERFORMANCE])[0]
    admitted = round(target.total * rng.uniform(low, high)) if target.total else int(rng.random() < 0.4)
    youth_share = target.youth / (target.youth + target.union) if target.youth + target.union else 0.8
    open_months = [m for m in MONTHS if m not in quiet]
    counts = _spread(rng, admitted, open_months, [MONTH_WEIGHTS[m - 1] for m in open_months])
    for m, (need, _) in sorted(minimum.items()):
        while counts[m] < need:
            donors = [d for d in open_months if d != m and d not in minimum and counts[d] > 0]
            if donors:
                counts[max(donors, key=lambda d: (counts[d], -d))] -= 1
            counts[m] += 1
    youth = {m: sum(rng.random() < youth_share for _ in range(counts[m])) for m in MONTHS}
    for m, (_, union_need) in minimum.items():
        youth[m] = min(youth[m], counts[m] - union_need)
    # Recognitions: the 2023 intake, twelve months on. Courses: graduates join the pool.
    intake_2023 = round(target.total * rng.uniform(0.6, 1.1)) if target.total else int(rng.random() < 0.5)
    recognized = _spread(rng, intake_2023, MONTHS, MONTH_WEIGHTS)
    graduates = admitted + rng.randint(0, 3) if target.total else rng.choice((0, 0, 1))
    trained = _spread(rng, graduates, COURSE_MONTHS, [1.0] * len(COURSE_MONTHS))
    dropouts = {m: int(rng.random() < 0.06) for m in MONTHS}
    change, running = [], 0
    for m in MONTHS:
        running += trained[m] - counts[m] - dropouts[m]
        change.append(running)
    pool = max(rng.randint(1, 4) + target.total // 2 if target.total else rng.randint(0, 1), -min(change))
    late_share = rng.choice(LATENESS)
    months: dict[int, UnitMonth] = {}
    for i, m in enumerate(MONTHS):
        due = _next_month(m)
        window = range(6, 21) if rng.random() < late_share else range(1, 6)
        um = UnitMonth(
            unit=unit.code,
            month=m,
            youth=youth[m],
            union=counts[m] - youth[m],
            recognized_full=recognized[m],
            trained=trained[m],
            sympathizers=pool + change[i],
            reported_on=rng.choice(_weekdays(due, window)),
            name=unit.name,
            parent=unit.parent,
        )
        sources = ["youth"] * um.youth + ["union"] * um.union
        rng.shuffle(sources)
        um.persons = [people.person(rng, unit, s, rng.choice(meetings[m])) for s in sources]
        um.persons.sort(key=lambda p: (p.admitted_on, p.full_name))
        months[m] = um
    return months


def simulate(units: Sequence[Unit], targets: dict[str, Target], seed: int, people: People) -> Ledger:
    meetings = _meetings(seed)
    quiet: dict[str, set[int]] = {}
    minimum: dict[str, dict[int, tuple[int, int]]] = {}
    for code, month in NOT_REPORTED:
        quiet.setdefault(code, set()).add(month)
    for flaw in FLAWS:
        if flaw.rule in SUMMARY_ROW_RULES:
            quiet.setdefault(flaw.unit, set()).add(flaw.month)
        if flaw.rule in FLAW_MINIMUM:
            minimum.setdefault(flaw.unit, {})[flaw.month] = FLAW_MINIMUM[flaw.rule]
        if flaw.source:
            minimum.setdefault(flaw.source[0], {})[flaw.source[1]] = (1, 0)
    ledger: Ledger = {}
    for unit in units:
        months = simulate_unit(
            unit, targets[unit.code], seed, people, meetings, quiet.get(unit.code, set()), minimum.get(unit.code, {})
        )
        ledger.update({(unit.code, m): um for m, um in months.items()})
    return ledger


def flawed_people(
    ledger: Ledger, units: dict[str, Unit], seed: int, people: People
) -> tuple[dict[tuple[str, int], list[tuple[Person, str]]], set[int]]:
    """Extra invalid roster rows per unit-month, and persons (by id()) left out of the roster."""
    rng = random.Random(f"{seed}:flaws")
    meetings = _meetings(seed)
    extra: dict[tuple[str, int], list[tuple[Person, str]]] = {}
    left_out: set[int] = set()
    for flaw in FLAWS:
        key = (flaw.unit, flaw.month)
        unit, day = units[flaw.unit], rng.choice(meetings[flaw.month])
        if flaw.rule == "roster.under_18":
            person = people.person(rng, unit, "youth", day, age=17)
        elif flaw.rule == "roster.national_id_invalid":
            person = people.person(rng, unit, "union", day)
            person.national_id = person.national_id[:5] + person.national_id[6:]  # a digit dropped
        elif flaw.rule == "roster.duplicate_person" and flaw.source:
            first = ledger[flaw.source].persons[0]
            person = replace(first, unit=flaw.unit, admitted_on=day, decision_no="")
        elif flaw.rule == "cross.roster_count_mismatch":
            left_out.add(id(next(p for p in ledger[key].persons if p.source == "union")))
            continue
        else:
            continue
        extra.setdefault(key, []).append((person, flaw.rule))
    return extra, left_out


def number_decisions(persons: Iterable[Person], units: Sequence[Unit], seed: int) -> None:
    """Decision numbers in date order across the bloc, with gaps for its other decisions."""
    rng = random.Random(f"{seed}:decisions")
    order = {u.code: i for i, u in enumerate(units)}
    number = FIRST_DECISION
    for p in sorted(persons, key=lambda p: (p.admitted_on, order[p.unit], p.full_name, p.national_id)):
        number += rng.randint(1, 3)
        p.decision_no = f"{number}-{DECISION_SUFFIX}"


def pick_not_reported(ledger: Ledger, units: Sequence[Unit], seed: int) -> set[tuple[str, int]]:
    """A few unit-months without any report: quiet months of some units, never a flawed one."""
    rng = random.Random(f"{seed}:not-reported")
    protected = {(f.unit, f.month) for f in FLAWS} | {f.source for f in FLAWS if f.source}
    out = set(NOT_REPORTED)
    for unit in units:
        skips = rng.random() < NOT_REPORTED_SHARE
        quiet = [m for m in MONTHS if ledger[(unit.code, m)].total == 0 and (unit.code, m) not in protected]
        if skips and quiet:
            out.add((unit.code, rng.choice(quiet)))
    return out


# --------------------------------------------------------------------------------------------------
# File plan: which files exist, what they hold, how they look.
# --------------------------------------------------------------------------------------------------


@dataclass
class FilePlan:
    stem: str  # relative to out_dir, without extension
    layout: Layout
    unit_months: list[UnitMonth]
    heading: str  # first title row
    label: str  # period title row
    flaws: list[Flaw]


def check_tables(units: Sequence[Unit]) -> None:
    """REPORTING, FLAWS and NOT_REPORTED may only name registry units, each unit reporting once."""
    listed = [c for r in REPORTING for c in r.units]
    named = {f.unit for f in FLAWS} | {f.source[0] for f in FLAWS if f.source} | {c for c, _ in NOT_REPORTED}
    unknown = sorted((set(listed) | named) - {u.code for u in units})
    if unknown or len(listed) != len(set(listed)):
        raise ValueError(f"REPORTING/FLAWS/NOT_REPORTED name units not in the registry (or twice): {unknown}")


def _period_label(cadence: str, index: int, months: Sequence[int], year: int = YEAR) -> str:
    if cadence == "month":
        return f"Tháng {months[0]}/{year}"
    if cadence == "quarter":
        return f"Quý {ROMAN[index - 1]}/{year}"
    return f"6 tháng {'đầu' if index == 1 else 'cuối'} năm {year}"


def plan_files(
    units: Sequence[Unit],
    ledger: Ledger,
    not_reported: set[tuple[str, int]],
    year: int = YEAR,
    reporting: Sequence[Reporting] = REPORTING,
    flaws: Sequence[Flaw] = FLAWS,
    committees: dict[str, str] | None = None,
) -> list[FilePlan]:
    """The files of ``year``: one per reporting unit (or group) and period holding any ledger month.

    ``committees`` (code -> name) titles a consolidated file after its cells' parent committee;
    without it the file is titled by its group number.
    """
    by_code = {u.code: u for u in units}
    listed = {c for r in reporting for c in r.units}
    rest = tuple(u.code for u in units if u.code not in listed)
    plans: list[FilePlan] = []
    for rep in (*reporting, replace(DEFAULT_REPORTING, units=rest)):
        spans, pattern = CADENCES[rep.cadence]
        unit_sets = [rep.units] if rep.group else [(c,) for c in rep.units]
        for codes in unit_sets:
            for index, months in enumerate(spans, start=1):
                # A unit is absent from the ledger in the months it does not exist (unit changes).
                keys = [(c, m) for m in months for c in codes if (c, m) not in not_reported and (c, m) in ledger]
                if not keys:
                    continue
                in_file = [f for f in flaws if (f.unit, f.month) in {(c, m) for c in codes for m in months}]
                layout = LAYOUTS[rep.layouts[(index - 1) % len(rep.layouts)]]
                for flaw in in_file:
                    layout = replace(layout, **FLAW_LAYOUT.get(flaw.rule, {}))  # type: ignore[arg-type]
                directory = f"{year}" if rep.group else f"{year}/{months[-1]:02d}"
                owner = f"ChiBo_{rep.group}" if rep.group else codes[0]
                stem = pattern.format(stem=owner, first=months[0], index=index, y=year)
                ums = sorted((ledger[k] for k in keys), key=lambda um: (um.month, codes.index(um.unit)))
                if rep.group and committees:
                    heading = f"CÁC CHI BỘ CƠ SỞ TRỰC THUỘC {committees[ums[-1].parent]}".upper()
                elif rep.group:
                    heading = f"CÁC CHI BỘ CƠ SỞ TRỰC THUỘC (NHÓM {rep.group[-1]})"
                else:  # the name the unit bears at the end of the file's period
                    heading = f"{by_code[codes[0]].type} {ums[-1].name}".upper()
                label = _period_label(rep.cadence, index, months, year)
                plans.append(FilePlan(f"{directory}/{stem}", layout, ums, heading, label, in_file))
    return plans


# --------------------------------------------------------------------------------------------------
# Tables: rows as written, before any format is chosen.
# --------------------------------------------------------------------------------------------------


@dataclass
class Row:
    cells: dict[str, Cell]
    kind: str = "data"  # data | blank | total
    unit_month: UnitMonth | None = None
    person: Person | None = None
    flaw: str | None = None
    line: int = 0  # Excel row or CSV line once rendered


_COUNT_ATTRS = dict(
    zip(COUNT_COLUMNS, ("total", "youth", "union", "recognized_full", "trained", "sympathizers"), strict=True)
)


def _unit_cells(layout: Layout, um: UnitMonth) -> dict[str, Cell]:
    return {"unit_code": um.unit, "unit_name": layout.unit_name(um.name)}


def summary_rows(plan: FilePlan) -> list[Row]:
    lay = plan.layout
    rows = []
    for um in plan.unit_months:
        counts = (um.total, um.youth, um.union, um.recognized_full, um.trained, um.sympathizers)
        cells = {
            **_unit_cells(lay, um),
            "period": lay.period(um.month, um.year),
            **{c: lay.number(v) for c, v in zip(COUNT_COLUMNS, counts, strict=True)},
            "reported_on": lay.day(um.reported_on),
        }
        rows.append(Row(cells, unit_month=um))
    for flaw in plan.flaws:
        if flaw.rule in SUMMARY_ROW_RULES | LOADED_RULES | UNIT_LIFE_RULES:
            row = next(
                r for r in rows if r.unit_month and (r.unit_month.unit, r.unit_month.month) == (flaw.unit, flaw.month)
            )
            row.flaw = flaw.rule
            if flaw.column:
                row.cells[flaw.column] = lay.number(flaw.value) if isinstance(flaw.value, int) else flaw.value
    data = list(rows)
    if lay.blank_rows and len(data) >= 2:
        rows.insert(len(rows) // 2, Row({}, kind="blank"))
    if lay.total_row and len(data) >= 2:
        sums = {c: sum(int(getattr(r.unit_month, a)) for r in data if r.unit_month) for c, a in _COUNT_ATTRS.items()}
        label_col = "unit_name" if lay.unit_cols != "code" else "unit_code"
        total = Row({label_col: TOTAL_LABEL, **{c: lay.number(v) for c, v in sums.items()}}, kind="total")
        for flaw in plan.flaws:
            if flaw.rule == "summary.total_row_mismatch" and isinstance(flaw.value, int):
                total.cells[flaw.column] = lay.number(sums[flaw.column] + flaw.value)
                total.flaw = flaw.rule
        rows.append(total)
    return rows


def roster_rows(
    plan: FilePlan, extra: dict[tuple[str, int], list[tuple[Person, str]]], left_out: set[int]
) -> list[Row]:
    lay = plan.layout
    entries: list[tuple[Person, str | None, UnitMonth]] = []
    for um in plan.unit_months:  # persons of a unit-month, extra flawed ones included, belong to its unit
        entries += [(p, None, um) for p in um.persons if id(p) not in left_out]
        entries += [(p, rule, um) for p, rule in extra.get((um.unit, um.month), [])]
    rows = []
    for person, rule, um in entries:
        cells = {
            **_unit_cells(lay, um),
            "full_name": person.full_name,
            "birth_date": lay.day(person.birth_date),
            "gender": person.gender,
            "ethnicity": person.ethnicity,
            "religion": person.religion,
            "national_id": person.national_id,
            "source": lay.sources[person.source == "union"],
            "admitted_on": lay.day(person.admitted_on),
            "decision_no": person.decision_no,
        }
        rows.append(Row(cells, person=person, flaw=rule))
    if lay.blank_rows and len(rows) >= 3:
        rows.insert(len(rows) // 2, Row({}, kind="blank"))
    return rows


# --------------------------------------------------------------------------------------------------
# Rendering.
# --------------------------------------------------------------------------------------------------

_THIN = Side(style="thin")
_BOX = Border(left=_THIN, right=_THIN, top=_THIN, bottom=_THIN)
_WIDTHS = {"unit_name": 44, "full_name": 24, "national_id": 15, "decision_no": 13, "source": 15}


def _render_sheet(
    ws: Worksheet, layout: Layout, columns: list[str], labels: dict[str, str], rows: list[Row], titles: list[str]
) -> None:
    r = 1
    width = len(columns)
    for text in titles:
        ws.cell(r, 1, text).font = Font(bold=True)
        if r > 1:
            ws.merge_cells(start_row=r, start_column=1, end_row=r, end_column=width)
            ws.cell(r, 1).alignment = Alignment(horizontal="center")
        r += 1
    if titles:
        r += 1
    head = Alignment(horizontal="center", vertical="center", wrap_text=True)
    two_level = layout.two_level and "admitted_total" in columns
    if two_level:
        upper, lowers = TWO_LEVEL_HEADERS[layout.headers]
        first = columns.index("admitted_total") + 1
        for c, col in enumerate(columns, start=1):
            if first <= c < first + 3:
                ws.cell(r + 1, c, lowers[c - first])
            else:
                ws.cell(r, c, labels[col])
                ws.merge_cells(start_row=r, start_column=c, end_row=r + 1, end_column=c)
        ws.cell(r, first, upper)
        ws.merge_cells(start_row=r, start_column=first, end_row=r, end_column=first + 2)
    else:
        for c, col in enumerate(columns, start=1):
            ws.cell(r, c, labels[col])
    height = 2 if two_level else 1
    for hr in range(r, r + height):
        for c in range(1, width + 1):
            cell = ws.cell(hr, c)
            cell.font, cell.alignment, cell.border = Font(bold=True), head, _BOX
    r += height
    for row in rows:
        row.line = r
        if row.kind != "blank":
            for c, col in enumerate(columns, start=1):
                value = row.cells.get(col)
                cell = ws.cell(r, c, value if value != "" else None)
                cell.border = _BOX
                if isinstance(value, date):
                    cell.number_format = "mm/yyyy" if col == "period" else "dd/mm/yyyy"
                if row.kind == "total":
                    cell.font = Font(bold=True)
        r += 1
    for c, col in enumerate(columns, start=1):
        ws.column_dimensions[get_column_letter(c)].width = _WIDTHS.get(col, 13)


def _footer(ws: Worksheet, last: date) -> None:
    """Form furniture below the table (format 1.1): none of it is data or an issue."""
    r = ws.max_row + 2
    ws.cell(r, 1, "Ghi chú: số liệu tính đến ngày cuối tháng.")
    ws.cell(r + 2, 6, f"Quy Nhơn, ngày {last.day:02d} tháng {last.month} năm {last.year}")
    ws.cell(r + 3, 2, "NGƯỜI LẬP BIỂU")
    ws.cell(r + 3, 6, "T/M ĐẢNG ỦY")
    ws.cell(r + 4, 6, "BÍ THƯ")
    ws.cell(r + 7, 2, "Nguyễn Thị Lan")
    ws.cell(r + 7, 6, "Trần Văn Hùng")


def _legacy_text(wb: Workbook, encoding: str) -> None:
    from pdv.sources.legacy import encode

    for sheet in wb.worksheets:
        for row in sheet.iter_rows():
            for cell in row:
                if isinstance(cell.value, str) and type(cell).__name__ != "MergedCell":
                    cell.value = encode(cell.value, encoding)


def write_xlsx(path: Path, plan: FilePlan, summary: list[Row], roster: list[Row] | None) -> None:
    lay = plan.layout
    wb = Workbook()
    ws = wb.active
    assert isinstance(ws, Worksheet)
    ws.title = lay.sheets[0]
    titles = [plan.heading, "BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN", plan.label] if lay.titles else []
    cols = lay.columns(SUMMARY_COLUMNS)
    _render_sheet(ws, lay, cols, dict(zip(SUMMARY_COLUMNS, SUMMARY_HEADERS[lay.headers], strict=True)), summary, titles)
    if roster is not None:
        ws2 = wb.create_sheet(lay.sheets[1])
        if titles:
            titles = [plan.heading, "DANH SÁCH ĐẢNG VIÊN MỚI KẾT NẠP", plan.label]
        labels = dict(zip(ROSTER_COLUMNS, ROSTER_HEADERS[lay.headers], strict=True))
        _render_sheet(ws2, lay, lay.columns(ROSTER_COLUMNS), labels, roster, titles)
    last = max(um.reported_on for um in plan.unit_months)
    if lay.footer:
        _footer(ws, last)
    if lay.legacy:
        _legacy_text(wb, lay.legacy)
    stamp = datetime.combine(last, time(8, 30))
    wb.properties.creator = "pdv.demo (synthetic data)"  # as in the committed sample files
    path.write_bytes(workbook_bytes(wb, stamp))


_TONE_MARKS = frozenset("\u0300\u0301\u0303\u0309\u0323")


def encode_cp1258(text: str) -> bytes:
    """Windows-1258: precomposed base letters (ê, ơ, ư, đ, ...) followed by combining tone marks."""
    out = []
    for ch in unicodedata.normalize("NFC", text):
        try:
            out.append(ch.encode("cp1258"))
        except UnicodeEncodeError:
            parts = unicodedata.normalize("NFD", ch)
            base = unicodedata.normalize("NFC", "".join(c for c in parts if c not in _TONE_MARKS))
            out.append((base + "".join(c for c in parts if c in _TONE_MARKS)).encode("cp1258"))
    data = b"".join(out)
    if unicodedata.normalize("NFC", data.decode("cp1258")) != unicodedata.normalize("NFC", text):
        raise ValueError(f"cannot round-trip through cp1258: {text!r}")
    return data


def encode_text(text: str, encoding: str) -> bytes:
    if encoding == "utf-8-sig":
        return codecs.BOM_UTF8 + text.encode("utf-8")
    if encoding == "utf-16":  # BOM and byte order fixed, whatever the platform
        return codecs.BOM_UTF16_LE + text.encode("utf-16-le")
    if encoding == "cp1258":
        return encode_cp1258(text)
    return text.encode(encoding)


def write_csv(path: Path, layout: Layout, columns: list[str], labels: Sequence[str], rows: list[Row]) -> None:
    buffer = io.StringIO()
    writer = csv.writer(buffer, lineterminator="\r\n")
    writer.writerow(labels)
    for line, row in enumerate(rows, start=2):
        row.line = line
        writer.writerow(["" if row.cells.get(c) is None else str(row.cells.get(c)) for c in columns])
    path.write_bytes(encode_text(buffer.getvalue(), layout.encoding))


def write_junk(path: Path, fmt: str, rng: random.Random) -> None:
    """A corrupt workbook (random bytes) or a legacy Word .doc (OLE2 signature, then noise)."""
    if fmt == "doc":
        path.write_bytes(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + bytes(16) + rng.randbytes(512 * 11 - 24))
        return
    data = bytearray(rng.randbytes(rng.randint(3000, 6000)))
    if data[:2] == b"PK" or data[:4] == b"\xd0\xcf\x11\xe0":
        data[0] ^= 0xFF
    path.write_bytes(bytes(data))


# --------------------------------------------------------------------------------------------------
# 2025: the reorganised bloc. Unit changes, inherited targets, who reports what.
# --------------------------------------------------------------------------------------------------

CHANGE_KINDS = ("rename", "merge", "split", "move", "dissolve")
ZERO = Target(0, 0, 0)
# Tết fell on 29 January 2025; February and March also saw the departments merged.
MONTH_WEIGHTS_2025 = (0.6, 0.8, 1.0, 0.9, 1.2, 1.0, 0.8, 1.1, 1.0, 0.9, 1.1, 1.5)
# Each parent committee's standing committee numbers its own decisions; the bloc's kept "ĐUK".
DECISION_SUFFIXES = {"DUK": DECISION_SUFFIX}
OTHER_DECISION_SUFFIX = "QĐ/ĐU"

REPORTING_2025: tuple[Reporting, ...] = (
    Reporting("month", ("A", "P"), ("BVDK",)),  # every other month typed in VNI, with form furniture
    Reporting("month", ("A", "G"), ("SKHCN",)),  # absorbed STTTT on 01/03
    Reporting("month", ("E",), ("SNNPTNT", "SNNMT")),  # SNNMT = STNMT + SNNPTNT from 01/03
    Reporting("month", ("C",), ("SYT",)),
    Reporting("month", ("K", "L"), ("CTHUE",)),
    Reporting("month", ("D",), ("TCDKTCN",)),
    Reporting("quarter", ("B",), ("SVHTT", "SVHTTDL", "SLDTBXH", "SNOIVU", "BPTTH")),
    Reporting("quarter", ("M",), ("SGTVT", "SXD")),
    Reporting("quarter", ("N",), ("TCT",)),  # by name: renamed on 01/07
    Reporting("half", ("G",), ("KBNN", "SGDDT", "TTRA")),
    # Consolidated quarterly files of the cells, one per parent committee (Party agencies / People's Committee).
    Reporting("quarter", ("G",), ("DLS", "HLHPN", "HND", "HCTD", "TDOAN", "UBMTTQV"), group="CQD"),
    Reporting(
        "quarter", ("F",), ("BVM", "CTK", "CCKDTVV", "STTTT", "SNV", "BGPMB", "BQLDADT", "SDL", "QDTPT"), group="UBND"
    ),
)


@dataclass(frozen=True)
class Stray:
    """A report naming a unit (by its last name) for a month after the unit ceased.

    ``unit.succeeded``: the figures are those of the unit's successor in that month, which sends no
    report of its own for it (and admits nobody then, so no roster row needs resolving);
    ``unit.dissolved``: nobody continues the unit, a blank report the pipeline must reject.
    """

    rule: str
    named: str
    month: int
    layout: str


STRAYS_2025 = (
    Stray("unit.succeeded", "STTTT", 4, "B"),  # the former department's clerk, old form, old name
    Stray("unit.dissolved", "SNV", 5, "A"),
)


@dataclass(frozen=True)
class Change:
    """One row of unit_changes.csv."""

    change_id: str
    effective: date
    kind: str  # one of CHANGE_KINDS
    predecessors: tuple[str, ...]
    successors: tuple[str, ...] = ()
    new_name: str = ""
    new_parent: str = ""
    target: Target | None = None  # replaces the inherited yearly target of the (principal) successor


def _codes(text: str) -> tuple[str, ...]:
    return tuple(c.strip() for c in text.split(";") if c.strip())


def read_changes(changes_csv: Path) -> list[Change]:
    """The change list in date order (file order within a day), checked for what each kind needs."""
    out: list[tuple[date, int, Change]] = []
    with changes_csv.open(encoding="utf-8-sig", newline="") as fh:
        for i, r in enumerate(csv.DictReader(fh)):
            where = f"{changes_csv.name}: {r.get('change_id') or f'row {i + 2}'}"
            kind = (r.get("kind") or "").strip()
            if kind not in CHANGE_KINDS:
                raise ValueError(f"{where}: unknown kind {kind!r}")
            try:
                effective = datetime.strptime((r.get("effective_date") or "").strip(), "%d/%m/%Y").date()
            except ValueError:
                raise ValueError(f"{where}: effective_date must be dd/mm/yyyy") from None
            preds, succs = _codes(r.get("predecessors") or ""), _codes(r.get("successors") or "")
            youth, union = ((r.get(c) or "").strip() for c in ("target_youth", "target_union"))
            target = None
            if youth or union:
                if not (youth.isdigit() and union.isdigit()):
                    raise ValueError(f"{where}: target_youth and target_union must both be whole numbers")
                target = Target(int(youth) + int(union), int(youth), int(union))
            change = Change(
                (r.get("change_id") or "").strip(),
                effective,
                kind,
                preds,
                succs,
                unicodedata.normalize("NFC", (r.get("new_name") or "").strip()),
                (r.get("new_parent") or "").strip(),
                target,
            )
            needs = {
                "rename": len(preds) == 1 and not succs and bool(change.new_name),
                "move": bool(preds) and not succs and bool(change.new_parent),
                "merge": len(preds) >= 1 and len(succs) == 1,
                "split": len(preds) == 1 and len(succs) >= 1,
                "dissolve": bool(preds) and not succs,
            }
            if not needs[kind]:
                raise ValueError(f"{where}: a {kind} with predecessors {preds} and successors {succs} is incomplete")
            if target is not None and kind not in ("merge", "split"):
                raise ValueError(f"{where}: only a merge or a split carries a target")
            out.append((effective, i, change))
    return [c for _, _, c in sorted(out, key=lambda t: t[:2])]


def read_committees(committees_csv: Path) -> dict[str, str]:
    """Parent committee code -> name."""
    with committees_csv.open(encoding="utf-8-sig", newline="") as fh:
        return {r["parent_code"].strip(): r["parent_name"].strip() for r in csv.DictReader(fh)}


@dataclass
class Lifespan:
    """A unit's existence (days inclusive) with its names and parent committees over time."""

    unit: Unit
    start: date = date.min  # date.min: since before the change list
    end: date = date.max
    names: list[tuple[date, str]] = field(default_factory=list)  # (valid from, name)
    parents: list[tuple[date, str]] = field(default_factory=list)

    def exists(self, day: date) -> bool:
        return self.start <= day <= self.end

    @staticmethod
    def _on(history: list[tuple[date, str]], day: date) -> str:
        return [value for since, value in history if since <= day][-1]

    def name_on(self, day: date) -> str:
        return self._on(self.names, day)

    def parent_on(self, day: date) -> str:
        return self._on(self.parents, day)


@dataclass
class Structure:
    """The registry's units over time: lifespans, and who continues a unit that ceased."""

    spans: dict[str, Lifespan]
    handover: dict[str, tuple[str, date]]  # ceased unit -> (unit that takes over its members, from)

    def months(self, code: str, year: int) -> list[int]:
        """Months that begin while the unit exists: those it is expected to report."""
        span = self.spans.get(code)
        return [m for m in MONTHS if span and span.exists(date(year, m, 1))]

    def holder(self, code: str, day: date) -> str | None:
        """The unit that holds ``code``'s members on ``day`` (itself, a successor, or nobody)."""
        current: str | None = code
        while current is not None and not self.spans[current].exists(day):
            nxt = self.handover.get(current)
            current = nxt[0] if nxt and nxt[1] <= day else None
        return current


def build_structure(units: Sequence[Unit], changes: Sequence[Change]) -> Structure:
    """Apply the changes (in date order) to the registry; new codes must be registry rows without parent."""
    registry = {u.code: u for u in units}
    spans = {u.code: Lifespan(u, names=[(date.min, u.name)], parents=[(date.min, u.parent)]) for u in units if u.parent}
    handover: dict[str, tuple[str, date]] = {}
    for ch in changes:
        eve = ch.effective - timedelta(days=1)
        for code in ch.predecessors:
            if code not in spans or not spans[code].exists(eve):
                raise ValueError(f"{ch.change_id}: {code} does not exist on {eve:%d/%m/%Y}")
        first_parent = spans[ch.predecessors[0]].parent_on(eve)
        for code in ch.successors:
            if code in spans:  # an existing unit continues
                if not spans[code].exists(ch.effective):
                    raise ValueError(f"{ch.change_id}: successor {code} has ceased")
            elif code in registry and not registry[code].parent:  # a new unit begins
                unit = registry[code]
                spans[code] = Lifespan(unit, ch.effective, names=[(ch.effective, unit.name)],
                                       parents=[(ch.effective, first_parent)])  # fmt: skip
            else:
                raise ValueError(f"{ch.change_id}: successor {code} is not a new unit of the registry")
            if ch.new_parent:
                spans[code].parents.append((ch.effective, ch.new_parent))
            if ch.new_name and ch.kind == "merge":
                spans[code].names.append((ch.effective, ch.new_name))
        if ch.kind == "move":
            for code in ch.predecessors:
                spans[code].parents.append((ch.effective, ch.new_parent))
        elif ch.kind == "rename":
            spans[ch.predecessors[0]].names.append((ch.effective, ch.new_name))
        elif ch.kind in ("merge", "split", "dissolve"):
            heir = ch.successors[0] if ch.successors else None  # the merge's successor, the split's principal
            for code in ch.predecessors:
                if code in ch.successors:
                    continue
                spans[code].end = eve
                if heir:
                    handover[code] = (heir, ch.effective)
    return Structure(spans, handover)


def _plus(*targets: Target) -> Target:
    return Target(*(sum(getattr(t, a) for t in targets) for a in ("total", "youth", "union")))


def targets_on(annex: dict[str, Target], changes: Sequence[Change], day: date) -> dict[str, Target]:
    """Yearly targets in force on ``day``: the annex's, passed on by the changes effective by then.

    A merge's successor carries its own plus its predecessors' targets, a split's principal the
    predecessor's; an explicit target replaces the sum; a dissolved unit's target is gone.
    """
    out = dict(annex)
    for ch in changes:
        if ch.effective > day:
            break
        if ch.kind in ("merge", "split"):
            heir = ch.successors[0]
            passed = [out.pop(c, ZERO) for c in ch.predecessors if c != heir]
            out[heir] = ch.target or _plus(out.get(heir, ZERO), *passed)
        elif ch.kind == "dissolve":
            for code in ch.predecessors:
                out.pop(code, None)
    return out


def check_tables_2025(units: Sequence[Unit], structure: Structure, committees: dict[str, str], year: int) -> None:
    """REPORTING_2025 and STRAYS_2025 name registry units (each reporting once); parents are committees."""
    listed = [c for r in REPORTING_2025 for c in r.units]
    unknown = sorted((set(listed) | {s.named for s in STRAYS_2025}) - {u.code for u in units})
    if unknown or len(listed) != len(set(listed)):
        raise ValueError(f"REPORTING_2025/STRAYS_2025 name units not in the registry (or twice): {unknown}")
    parents = {p for span in structure.spans.values() for _, p in span.parents}
    if parents - set(committees):
        raise ValueError(f"parent committees missing from committees.csv: {sorted(parents - set(committees))}")
    for code in listed:
        if not structure.months(code, year):
            raise ValueError(f"REPORTING_2025 lists {code}, which does not exist in {year}")


def stray_heirs(structure: Structure, year: int) -> dict[Stray, str]:
    """Each stray report's successor (who the figures count for); checks each is what it claims."""
    out = {}
    for stray in STRAYS_2025:
        first = date(year, stray.month, 1)
        heir = structure.holder(stray.named, first)
        if structure.spans[stray.named].exists(first) or (heir is None) != (stray.rule == "unit.dissolved"):
            raise ValueError(f"{stray} does not name a unit that ceased the way {stray.rule} says")
        if heir is not None:
            out[stray] = heir
    return out


def _committee_meetings(seed: int, year: int, committees: Iterable[str]) -> dict[str, dict[int, list[date]]]:
    """Each committee's standing committee meets twice a month (admission decisions)."""
    out = {}
    for code in sorted(set(committees)):
        rng = random.Random(f"{seed}:{year}:meetings:{code}")
        firsts = [date(year, m, 1) for m in MONTHS]
        out[code] = {
            d.month: [rng.choice(_weekdays(d, range(5, 15))), rng.choice(_weekdays(d, range(17, 29)))] for d in firsts
        }
    return out


def simulate_changed_year(
    units: Sequence[Unit],
    structure: Structure,
    changes: Sequence[Change],
    annex: dict[str, Target],
    base: Year2024,
    seed: int,
    year: int,
    quiet: set[tuple[str, int]],
) -> Ledger:
    """A ledger for every month each unit exists, against the targets in force that month.

    A unit's admissions follow the target in force each month (its own, then the inherited one), so a
    successor and its predecessors together admit about the successor's yearly target.
    """
    in_force = {m: targets_on(annex, changes, date(year, m, 1)) for m in MONTHS}
    meetings = _committee_meetings(seed, year, (p for s in structure.spans.values() for _, p in s.parents))
    recognized: Counter[tuple[str, int]] = Counter()  # last year's intake, twelve months on
    for um in base.ledger.values():
        for person in um.persons:
            m = person.admitted_on.month
            heir = structure.holder(person.unit, date(year, m, 1))
            if heir is not None:
                recognized[(heir, m)] += 1
    ledger: Ledger = {}
    dropouts: dict[tuple[str, int], int] = {}
    weight_sum = sum(MONTH_WEIGHTS_2025)
    for unit in units:
        months = structure.months(unit.code, year)
        if not months:
            continue
        span = structure.spans[unit.code]
        rng = random.Random(f"{seed}:{year}:{unit.code}")
        rates = {m: in_force[m].get(unit.code, ZERO).total * MONTH_WEIGHTS_2025[m - 1] / weight_sum for m in months}
        expected = sum(rates.values())
        _, _, low, high = rng.choices(PERFORMANCE, weights=[p[1] for p in PERFORMANCE])[0]
        admitted = round(expected * rng.uniform(low, high)) if expected else int(rng.random() < 0.4 * len(months) / 12)
        open_months = [m for m in months if (unit.code, m) not in quiet]
        weights = [rates[m] for m in open_months]
        if not any(weights):
            weights = [MONTH_WEIGHTS_2025[m - 1] for m in open_months]
        counts = _spread(rng, admitted, open_months, weights)
        graduates = admitted + rng.randint(0, 3) if expected else rng.choice((0, 0, 1))
        courses = [m for m in COURSE_MONTHS if m in months]
        trained = _spread(rng, graduates, courses, [1.0] * len(courses))
        late_share = rng.choice(LATENESS)
        for m in months:
            target = in_force[m].get(unit.code, ZERO)
            share = target.youth / target.total if target.total else 0.8
            youth = sum(rng.random() < share for _ in range(counts[m]))
            first = date(year, m, 1)
            window = range(6, 21) if rng.random() < late_share else range(1, 6)
            um = UnitMonth(
                unit=unit.code,
                month=m,
                youth=youth,
                union=counts[m] - youth,
                recognized_full=recognized[(unit.code, m)],
                trained=trained[m],
                sympathizers=0,  # set below, once predecessors' pools are known
                reported_on=rng.choice(_weekdays(_next_month(m, year), window)),
                name=span.name_on(first),
                year=year,
                parent=span.parent_on(first),
            )
            # Decided by the committee the unit belongs to on the meeting day (the bloc until 06/02/2025).
            days = sorted(
                d for c, dates in meetings.items() for d in dates[m] if span.exists(d) and span.parent_on(d) == c
            )
            sources = ["youth"] * um.youth + ["union"] * um.union
            rng.shuffle(sources)
            um.persons = [base.people.person(rng, unit, s, rng.choice(days)) for s in sources]
            um.persons.sort(key=lambda p: (p.admitted_on, p.full_name))
            dropouts[(unit.code, m)] = int(rng.random() < 0.06)
            ledger[(unit.code, m)] = um
    _settle_pools(ledger, structure, base, year, dropouts)
    _number_decisions_by_committee(ledger, structure, units, base, seed, year)
    return ledger


def _settle_pools(
    ledger: Ledger, structure: Structure, base: Year2024, year: int, dropouts: dict[tuple[str, int], int]
) -> None:
    """Sympathiser pools: last December's carried on, a ceased unit's passed to its heir; a pool that would
    run dry is raised from the start (sympathisers found since last year)."""
    donors: dict[str, list[tuple[str, date]]] = {}
    for code, (heir, since) in sorted(structure.handover.items()):
        donors.setdefault(heir, []).append((code, since))
    done: dict[str, dict[int, int]] = {}

    def pools(code: str) -> dict[int, int]:
        if code not in done:
            months = structure.months(code, year)
            inflow: Counter[int] = Counter()
            for donor, since in donors.get(code, []):
                passed, later = pools(donor), [m for m in months if date(year, m, 1) >= since]
                if passed and later:
                    inflow[later[0]] += passed[max(passed)]
            start = base.ledger[(code, 12)].sympathizers if (code, 12) in base.ledger else 0
            path, running = {}, 0
            for m in months:
                um = ledger[(code, m)]
                running += inflow[m] + um.trained - um.total - dropouts[(code, m)]
                path[m] = running
            start += max(0, -(start + min(path.values(), default=0)))
            done[code] = {m: start + v for m, v in path.items()}
        return done[code]

    for (code, m), um in ledger.items():
        um.sympathizers = pools(code)[m]


def _number_decisions_by_committee(
    ledger: Ledger, structure: Structure, units: Sequence[Unit], base: Year2024, seed: int, year: int
) -> None:
    """Decision numbers in date order per deciding committee (the unit's parent on the day), with gaps
    for its other decisions: the bloc's run on from last year, a new committee's start at 1."""
    last_year = [p for um in base.ledger.values() for p in um.persons] + [p for v in base.extra.values() for p, _ in v]
    numbers = {DEFAULT_PARENT: max(int(p.decision_no.split("-")[0]) for p in last_year)}  # 2024: all the bloc's
    rng = random.Random(f"{seed}:{year}:decisions")
    order = {u.code: i for i, u in enumerate(units)}
    persons = [p for um in ledger.values() for p in um.persons]
    for p in sorted(persons, key=lambda p: (p.admitted_on, order[p.unit], p.full_name, p.national_id)):
        committee = structure.spans[p.unit].parent_on(p.admitted_on)
        numbers[committee] = numbers.get(committee, 0) + rng.randint(1, 3)
        p.decision_no = f"{numbers[committee]}-{DECISION_SUFFIXES.get(committee, OTHER_DECISION_SUFFIX)}"


def stray_plans(structure: Structure, ledger: Ledger, heirs: dict[Stray, str], year: int) -> list[FilePlan]:
    """One single-month file per stray report, under the ceased unit's code and last name."""
    plans = []
    for stray in STRAYS_2025:
        span = structure.spans[stray.named]
        name = span.name_on(span.end)
        heir = heirs.get(stray)
        if heir is not None:  # the heir's own figures for the month, under the old name
            um = ledger[(heir, stray.month)]
            flaw = Flaw(stray.rule, heir, stray.month, "unit_name", name)
        else:  # a blank report; the clerk copied the last pool
            months = structure.months(stray.named, year)
            pool = ledger[(stray.named, months[-1])].sympathizers if months else 0
            sent = _weekdays(_next_month(stray.month, year), range(1, 6))[0]
            um = UnitMonth(stray.named, stray.month, 0, 0, 0, 0, pool, sent, name=name, year=year,
                           parent=span.parent_on(span.end))  # fmt: skip
            flaw = Flaw(stray.rule, stray.named, stray.month)
        layout = replace(LAYOUTS[stray.layout], **FLAW_LAYOUT[stray.rule])  # type: ignore[arg-type]
        stem = f"{year}/{stray.month:02d}/{stray.named}_T{stray.month:02d}-{year}"
        label = _period_label("month", 1, (stray.month,), year)
        plans.append(FilePlan(stem, layout, [um], f"{span.unit.type} {name}".upper(), label, [flaw]))
    return plans


# --------------------------------------------------------------------------------------------------
# Entry point.
# --------------------------------------------------------------------------------------------------

Issue = tuple[str, str | None, int | None, str]


@dataclass
class Truth:
    """What a correct pipeline loads from the valid rows (``truth.summary`` or ``truth["summary"]``)."""

    summary: pd.DataFrame
    roster: pd.DataFrame

    def __getitem__(self, key: str) -> pd.DataFrame:
        return {"summary": self.summary, "roster": self.roster}[key]


@dataclass
class DemoResult:
    files: list[Path]  # absolute paths, sorted
    expected_issues: list[Issue]  # (file relative to the raw dir, sheet or None, row or None, rule)
    truth: Truth


TRUTH_SUMMARY = [
    "unit_code",
    "period",
    *COUNT_COLUMNS,
    "reported_on",
    "file",
    "sheet",
    "row",
]
TRUTH_ROSTER = [
    "unit_code",
    "period",
    "national_id",
    "gender",
    "ethnicity",
    "religion",
    "source",
    "admitted_on",
    "decision_no",
    "birth_date",
    "full_name",
    "file",
    "sheet",
    "row",
]


def _summary_truth(row: Row, rel: str, sheet: str | None) -> dict[str, object]:
    um = row.unit_month
    assert um is not None
    counts = {c: int(getattr(um, a)) for c, a in _COUNT_ATTRS.items()}
    return {"unit_code": um.unit, "period": um.period, **counts, "reported_on": um.reported_on,
            "file": rel, "sheet": sheet, "row": row.line}  # fmt: skip


def _roster_truth(row: Row, rel: str, sheet: str | None) -> dict[str, object]:
    p = row.person
    assert p is not None
    return {
        "unit_code": p.unit,
        "period": f"{p.admitted_on:%Y-%m}",
        "national_id": p.national_id,
        "gender": p.gender,
        "ethnicity": p.ethnicity,
        "religion": p.religion,
        "source": p.source,
        "admitted_on": p.admitted_on,
        "decision_no": p.decision_no,
        "birth_date": p.birth_date,
        "full_name": p.full_name,
        "file": rel,
        "sheet": sheet,
        "row": row.line,
    }


def _collect(
    rows: list[Row], rel: str, sheet: str | None, to_truth: dict[str, list[dict[str, object]]], kind: str,
    issues: list[Issue],
) -> None:  # fmt: skip
    for row in rows:
        if row.flaw:
            issues.append((rel, sheet, row.line, row.flaw))
        if row.kind == "data" and (row.flaw is None or row.flaw in LOADED_RULES):
            to_truth[kind].append(
                _summary_truth(row, rel, sheet) if kind == "summary" else _roster_truth(row, rel, sheet)
            )


@dataclass
class Year2024:
    """The 2024 simulation of a seed: what its files hold, and what 2025 carries on from."""

    units: list[Unit]
    ledger: Ledger
    extra: dict[tuple[str, int], list[tuple[Person, str]]]
    left_out: set[int]
    people: People


def simulate_2024(units: list[Unit], plan_text: Path, aliases_csv: Path, seed: int) -> Year2024:
    check_tables(units)
    targets = read_targets(plan_text, units, aliases_csv)
    people = People()
    ledger = simulate(units, targets, seed, people)
    by_code = {u.code: u for u in units}
    extra, left_out = flawed_people(ledger, by_code, seed, people)
    number_decisions([p for um in ledger.values() for p in um.persons] + [p for v in extra.values() for p, _ in v],
                     units, seed)  # fmt: skip
    return Year2024(units, ledger, extra, left_out, people)


def generate(out_dir: Path, units_csv: Path, plan_text: Path, seed: int = 2024, year: int = YEAR) -> DemoResult:
    """Write ``year``'s demo reports under ``out_dir/<year>/`` (``out_dir`` = ``<raw_dir>/reports``).

    Same seed, same bytes. 2025 replays the 2024 simulation of the same seed and continues it.
    """
    if year not in YEARS:
        raise ValueError(f"demo data exists for {YEARS}, not {year}")
    registry = read_units(units_csv)
    # Units a change creates (blank parent) do not exist before it: never in 2024.
    base = simulate_2024([u for u in registry if u.parent], plan_text, units_csv.parent / "unit_aliases.csv", seed)
    if year == YEAR:
        plans = plan_files(base.units, base.ledger, pick_not_reported(base.ledger, base.units, seed))
        return write_files(plans, Path(out_dir), base.extra, base.left_out, seed)
    reference = units_csv.parent
    changes = read_changes(reference / "unit_changes.csv")
    structure = build_structure(registry, changes)
    committees = read_committees(reference / "committees.csv")
    check_tables_2025(registry, structure, committees, year)
    annex = read_targets(plan_text, base.units, reference / "unit_aliases.csv", year=year)
    heirs = stray_heirs(structure, year)
    quiet = {(heir, stray.month) for stray, heir in heirs.items()}  # the heir's report is the stray one
    ledger = simulate_changed_year(registry, structure, changes, annex, base, seed, year, quiet)
    units = [u for u in registry if structure.months(u.code, year)]
    plans = plan_files(units, ledger, quiet, year, REPORTING_2025, (), committees)
    plans += stray_plans(structure, ledger, heirs, year)
    return write_files(plans, Path(out_dir), {}, set(), seed)


def write_files(
    plans: list[FilePlan],
    out_dir: Path,
    extra: dict[tuple[str, int], list[tuple[Person, str]]],
    left_out: set[int],
    seed: int,
) -> DemoResult:
    """Render the planned files; the rows as written give the truth and the expected issues."""
    raw_dir = out_dir.parent
    files: list[Path] = []
    issues: list[Issue] = []
    truth: dict[str, list[dict[str, object]]] = {"summary": [], "roster": []}
    junk_rng = random.Random(f"{seed}:junk")
    for plan in plans:
        lay = plan.layout
        base = out_dir / plan.stem
        base.parent.mkdir(parents=True, exist_ok=True)
        if lay.fmt in ("corrupt", "doc"):
            path = base.with_name(base.name + (".doc" if lay.fmt == "doc" else ".xlsx"))
            write_junk(path, lay.fmt, junk_rng)
            files.append(path)
            issues += [(path.relative_to(raw_dir).as_posix(), None, None, f.rule) for f in plan.flaws]
            continue
        summary = summary_rows(plan)
        roster: list[Row] | None = roster_rows(plan, extra, left_out)
        if not roster and lay.empty_roster == "omit":
            roster = None
        if lay.fmt == "xlsx":
            path = base.with_name(base.name + ".xlsx")
            write_xlsx(path, plan, summary, roster)
            files.append(path)
            rel = path.relative_to(raw_dir).as_posix()
            _collect(summary, rel, lay.sheets[0], truth, "summary", issues)
            _collect(roster or [], rel, lay.sheets[1], truth, "roster", issues)
            if lay.legacy:  # one warning per file, at its first converted cell (the title)
                issues.append((rel, lay.sheets[0], 1, "text.legacy_encoding"))
            continue
        for part, rows, cols, labels in (
            ("BM1", summary, SUMMARY_COLUMNS, SUMMARY_HEADERS),
            ("BM2", roster, ROSTER_COLUMNS, ROSTER_HEADERS),
        ):
            if rows is None:
                continue
            path = base.with_name(f"{base.name}_{part}.csv")
            chosen = lay.columns(cols)
            label_of = dict(zip(cols, labels[lay.headers], strict=True))
            write_csv(path, lay, chosen, [label_of[c] for c in chosen], rows)
            files.append(path)
            _collect(rows, path.relative_to(raw_dir).as_posix(), None, truth, "summary" if part == "BM1" else "roster",
                     issues)  # fmt: skip

    summary_df = pd.DataFrame(truth["summary"], columns=TRUTH_SUMMARY)
    roster_df = pd.DataFrame(truth["roster"], columns=TRUTH_ROSTER)
    for col in (*COUNT_COLUMNS, "row"):
        summary_df[col] = summary_df[col].astype("int64")
    roster_df["row"] = roster_df["row"].astype("int64")
    summary_df = summary_df.sort_values(["unit_code", "period"], ignore_index=True)
    roster_df = roster_df.sort_values(["unit_code", "period", "national_id"], ignore_index=True)
    issues.sort(key=lambda i: (i[0], i[1] or "", i[2] or 0, i[3]))
    return DemoResult(sorted(files), issues, Truth(summary_df, roster_df))
