"""Revisions of issued figures: the "Điều chỉnh số liệu" sheet and section of an extract.

A re-issued period lists every figure that changed against its previous issued version; a later
period of the same year notes the revisions to earlier periods, so its year-to-date figures add up.
"""

from __future__ import annotations

import html
from dataclasses import dataclass, field
from typing import Any

from openpyxl import Workbook
from openpyxl.styles import Alignment, Font

SHEET_TITLE = "Điều chỉnh số liệu"
# The figures a unit reports (the rest of an extract row is derived from them or from the plan).
MEASURES_VI = {
    "admitted_total": "Kết nạp trong kỳ: Tổng số",
    "admitted_youth": "Kết nạp trong kỳ: Đoàn viên thanh niên",
    "admitted_union": "Kết nạp trong kỳ: Đoàn viên công đoàn",
    "recognized_full": "Công nhận đảng viên chính thức",
    "trained": "Bồi dưỡng nhận thức về Đảng",
    "sympathizers_end": "Quần chúng cảm tình Đảng cuối kỳ",
}
_HEADERS = ["Kỳ", "Phiên bản", "Mã đơn vị", "Tên đơn vị", "Chỉ tiêu", "Số đã báo cáo", "Số điều chỉnh"]


@dataclass(frozen=True)
class Revisions:
    """This version's changes against ``previous_version``, and revisions issued for earlier periods."""

    changed: list[dict[str, Any]] = field(default_factory=list)
    previous_version: int | None = None
    earlier: list[dict[str, Any]] = field(default_factory=list)

    def __bool__(self) -> bool:
        return bool(self.changed or self.earlier)


def _text(value: object) -> str:
    return "" if value is None else str(value)


def _rows(items: list[dict[str, Any]]) -> list[list[str]]:
    return [
        [
            _text(r["period"]),
            _text(r["version"]),
            _text(r["unit_code"]),
            _text(r["unit_name"]),
            MEASURES_VI.get(str(r["measure"]), str(r["measure"])),
            _text(r["old"]),
            _text(r["new"]),
        ]
        for r in items
    ]


def _intro(rev: Revisions, period: str) -> list[str]:
    lines = []
    if rev.previous_version is not None:
        lines.append(
            f"Số liệu kỳ {period} được ban hành lại, điều chỉnh so với phiên bản {rev.previous_version}"
            f" ({len(rev.changed)} chỉ tiêu thay đổi)."
        )
    if rev.earlier:
        periods = ", ".join(sorted({str(r["period"]) for r in rev.earlier}))
        lines.append(
            f"Số liệu các kỳ trước trong năm ({periods}) đã được điều chỉnh sau khi ban hành; số lũy kế"
            " từ đầu năm của kỳ này đã gồm các điều chỉnh đó."
        )
    return lines


def add_sheet(wb: Workbook, rev: Revisions, period: str) -> None:
    """A second sheet listing the revisions (nothing when there are none)."""
    if not rev:
        return
    ws = wb.create_sheet(SHEET_TITLE)
    bold = Font(name="Times New Roman", bold=True)
    plain = Font(name="Times New Roman")
    row = 1
    ws.cell(row=row, column=1, value=SHEET_TITLE.upper()).font = Font(name="Times New Roman", bold=True, size=13)
    for line in _intro(rev, period):
        row += 1
        ws.cell(row=row, column=1, value=line).font = plain
    for title, items in (("Điều chỉnh của kỳ này", rev.changed), ("Điều chỉnh các kỳ trước", rev.earlier)):
        if not items:
            continue
        row += 2
        ws.cell(row=row, column=1, value=title).font = bold
        row += 1
        for col, head in enumerate(_HEADERS, start=1):
            cell = ws.cell(row=row, column=col, value=head)
            cell.font = bold
            cell.alignment = Alignment(wrap_text=True)
        for values in _rows(items):
            row += 1
            for col, text in enumerate(values, start=1):
                cell = ws.cell(row=row, column=col)
                cell.value = text
                cell.data_type = "s"  # never a formula, whatever a unit name starts with
                cell.font = plain
    for letter, width in zip("ABCDEFG", (10, 9, 12, 48, 36, 14, 14), strict=True):
        ws.column_dimensions[letter].width = width


def html_section(rev: Revisions, period: str) -> str:
    """The revisions as an HTML section (empty when there are none)."""
    if not rev:
        return ""
    e = html.escape
    parts = ['<section class="revisions">', f"<h2>{e(SHEET_TITLE)}</h2>"]
    parts += [f"<p>{e(line)}</p>" for line in _intro(rev, period)]
    for title, items in (("Điều chỉnh của kỳ này", rev.changed), ("Điều chỉnh các kỳ trước", rev.earlier)):
        if not items:
            continue
        parts.append(f"<h3>{e(title)}</h3><table><thead><tr>")
        parts += [f"<th>{e(h)}</th>" for h in _HEADERS]
        parts.append("</tr></thead><tbody>")
        for values in _rows(items):
            parts.append("<tr>" + "".join(f"<td>{e(v)}</td>" for v in values) + "</tr>")
        parts.append("</tbody></table>")
    parts.append("</section>")
    return "\n".join(parts)
