"""Small monthly-report workbooks written by the tests (the layout of the report format's template)."""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any

import openpyxl

# The template's headers, as the corpus generator writes them.
from tests.data.reports.make_corpus import ROSTER, SUMMARY

UNITS = {"SYT": "Sở Y tế tỉnh Bình Định", "STP": "Sở Tư pháp tỉnh Bình Định"}
# Invented people: the names the privacy tests look for in every page.
PEOPLE = {
    "SYT": [
        ("Lê Thị Thanh Hương", date(1996, 2, 14), "052196000311", "Đoàn TN"),
        ("Phạm Quốc Bảo", date(1990, 9, 1), "052190000312", "Công đoàn"),
    ],
    "STP": [
        ("Võ Minh Khang", date(1994, 6, 30), "052194000421", "Đoàn TN"),
        ("Đặng Thu Trang", date(1989, 12, 5), "052189000422", "Công đoàn"),
    ],
}


def report(
    path: Path, unit: str, month: str, reported: date, total: int | None = None, extra_unit: str | None = None
) -> Path:
    """A one-unit report for ``month`` (yyyy-mm) with two admissions; ``total`` != 2 is a flaw."""
    year, mon = (int(x) for x in month.split("-"))
    people = PEOPLE[unit]
    rows: list[list[Any]] = [[unit, UNITS[unit], month, 2 if total is None else total, 1, 1, 0, 3, 10, reported]]
    if extra_unit:
        rows.append([extra_unit, UNITS[extra_unit], month, 0, 0, 0, 0, 0, 5, reported])
    wb = openpyxl.Workbook()
    summary = wb.active
    assert summary is not None
    summary.title = "TongHop"
    for row in [SUMMARY, *rows]:
        summary.append(row)
    roster = wb.create_sheet("DanhSach")
    roster.append(ROSTER)
    for i, (name, born, _, source) in enumerate(people):
        nid = national_id(unit, month, i)
        roster.append(
            [
                unit,
                UNITS[unit],
                name,
                born,
                "Nữ" if i == 0 else "Nam",
                "Kinh",
                "Không",
                nid,
                source,
                date(year, mon, 10 + i),
                f"{20 + i}-QĐ/ĐUK",
            ]
        )
    path.parent.mkdir(parents=True, exist_ok=True)
    wb.save(path)
    return path


def national_id(unit: str, month: str, index: int) -> str:
    """A 12-digit id unique per unit, month and person (a person is admitted once)."""
    return f"052{list(UNITS).index(unit)}9{month[2:4]}{month[5:7]}0{index:02d}"
