"""Extracts of more than 500 units lead with the parent committees; the units follow, paged by committee."""

from __future__ import annotations

import re
from pathlib import Path

import openpyxl
import pandas as pd
import pytest

from pdv.extracts.render import FIRST_DATA_ROW, write_html, write_xlsx
from pdv.extracts.render.table import LARGE_UNITS, by_parent, prepare
from tests.extracts.test_render import meta_for, sample

COMMITTEES = ["Đảng bộ tỉnh Gia Lai", "Đảng bộ tỉnh Đắk Lắk", "Đảng bộ tỉnh Khánh Hòa"]


@pytest.fixture(scope="module")
def national() -> tuple[pd.DataFrame, pd.DataFrame]:
    """The sample's units twelve times over (648 units), spread over three parent committees."""
    rows, monthly = sample(meta_for("2024-Q2"))
    units, total = rows[~rows["is_total"]], rows[rows["is_total"]]
    copies = []
    for k in range(12):
        copy = units.assign(
            unit_code=units["unit_code"] + f"-{k}",
            unit_name=units["unit_name"] + f" ({k})",
            parent_name=COMMITTEES[k % 3],
        )
        copies.append(copy)
    big = pd.concat([*copies, total], ignore_index=True)
    big["stt"] = range(1, len(big) + 1)
    assert len(big) - 1 > LARGE_UNITS
    return big, monthly


def test_committee_rows_sum_their_units(national: tuple[pd.DataFrame, pd.DataFrame]) -> None:
    rows, _ = national
    parents = by_parent(prepare(rows))
    units = rows[~rows["is_total"]]
    assert parents.values["unit_name"][:-1] == COMMITTEES
    for j, name in enumerate(COMMITTEES):
        mine = units[units["parent_name"] == name]
        for key in ("target_total", "ytd_admitted_total", "ytd_admitted_youth", "reports_received"):
            assert parents.values[key][j] == int(mine[key].sum()), (name, key)
        expected = round(100 * mine["ytd_admitted_total"].sum() / mine["target_total"].sum(), 1)
        assert parents.values["achievement_pct"][j] == pytest.approx(expected, abs=0.05)
        assert parents.values["unit_type"][j] == f"{len(mine)} đơn vị"
    assert parents.values["target_total"][-1] == int(rows[rows["is_total"]]["target_total"].iloc[0])  # the total as given


def test_workbook_leads_with_the_committees_then_the_units(
    national: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    rows, _ = national
    path = tmp_path / "q2.xlsx"
    write_xlsx(path, rows, meta_for("2024-Q2"))
    wb = openpyxl.load_workbook(path)
    summary, detail = wb.worksheets[:2]
    assert summary.title == "Tổng hợp 2024-Q2" and detail.title == "Chi tiết đơn vị 2024-Q2"
    name_col = 3
    names = [summary.cell(FIRST_DATA_ROW + i, name_col).value for i in range(4)]
    assert names[:3] == COMMITTEES
    detail_names = [detail.cell(r, name_col).value for r in range(FIRST_DATA_ROW, FIRST_DATA_ROW + len(rows))]
    assert detail_names[:-1] == list(rows["unit_name"][:-1])


def test_page_has_no_bar_per_unit_and_pages_units_by_committee(
    national: tuple[pd.DataFrame, pd.DataFrame], tmp_path: Path
) -> None:
    rows, monthly = national
    path = tmp_path / "q2.html"
    write_html(path, rows, monthly, meta_for("2024-Q2"))
    page = path.read_text(encoding="utf-8")
    chart = page.split('<section class="chart chart-units">', 1)[1].split("</section>", 1)[0]
    assert "đảng bộ cấp trên" in chart and all(name in chart for name in COMMITTEES)
    assert "(11)" not in chart  # no unit is drawn
    assert page.count('<details class="committee">') == 3
    for name in COMMITTEES:
        assert re.search(rf"<summary>{re.escape(name)} \(216 đơn vị\)</summary>", page)
    assert all(n in page for n in rows["unit_name"][:-1].head(60))
    assert "<script" not in page


def test_a_bloc_sized_extract_keeps_its_one_sheet(tmp_path: Path) -> None:
    rows, monthly = sample(meta_for("2024-Q2"))
    write_xlsx(tmp_path / "q.xlsx", rows, meta_for("2024-Q2"))
    write_html(tmp_path / "q.html", rows, monthly, meta_for("2024-Q2"))
    assert openpyxl.load_workbook(tmp_path / "q.xlsx").sheetnames[0] == "Kết quả 2024-Q2"
    assert "<details" not in (tmp_path / "q.html").read_text(encoding="utf-8")
