"""The extracts' section "Dự báo khả năng hoàn thành chỉ tiêu" (quarter and half year): XLSX sheet and HTML.

The numbers come from ``v_unit_outlook`` at the extract's cut-off month (pdv/outlook.py); this module
lays them out: the bloc against the plan, a chart (actual to date, projection with its range, target
line), the units not on track and the follow-up list the Board can act on.
"""

from __future__ import annotations

import hashlib
from collections.abc import Mapping
from copy import copy
from dataclasses import dataclass
from functools import cached_property
from typing import Any

import pandas as pd
from openpyxl import Workbook
from openpyxl.styles import Alignment, Font, PatternFill
from openpyxl.utils import get_column_letter

from pdv import outlook as o
from pdv.extracts.render import cells
from pdv.extracts.render.table import LARGE_UNITS, ExtractMeta, _clean_text, _e, _vi_int, _vi_num, _vi_pct
from pdv.extracts.render.to_html import (
    _ACHIEVED,
    _AXIS,
    _GRID,
    _INK,
    _MUTED,
    _TARGET_LINE,
    _legend,
    _nice_ticks,
    _svg_text,
)
from pdv.extracts.render.to_xlsx import _BORDER, _CENTER, _FONT, _HEADER_FILL, _LEFT, _text_cell

TITLE_VI = "Dự báo khả năng hoàn thành chỉ tiêu"
METHOD_VI = (
    "Cách dự báo: đầu năm, mỗi đơn vị được kỳ vọng kết nạp khoảng bằng chỉ tiêu được giao (điều chỉnh theo"
    " mức các đơn vị trong Khối đã đạt năm trước). Mỗi tháng đơn vị báo cáo, tốc độ kết nạp thực tế của đơn vị"
    " (đã tính theo mùa vụ kết nạp của Khối năm trước) càng được tính nhiều hơn. Tháng chưa nộp báo cáo không"
    " được tính là 0 mà được ước như các tháng còn lại. Số dự báo không vượt quá nguồn: số quần chúng đã học"
    " lớp bồi dưỡng nhận thức về Đảng chưa được kết nạp, cộng số quần chúng cảm tình Đảng nếu còn đủ thời gian"
    " học lớp (thời gian chờ thường thấy của đơn vị, hoặc của Khối khi đơn vị có ít số liệu). Khoảng dự báo là"
    " khoảng mà kết quả cuối năm rơi vào 8 trên 10 lần. Đạt: dự báo đạt chỉ tiêu; có nguy cơ: dự báo chưa đạt"
    " nhưng còn trong khoảng dự báo, hoặc đơn vị chưa nộp báo cáo từ 2 tháng; khó đạt: cả mức cao của khoảng"
    " dự báo vẫn dưới chỉ tiêu."
)
_BAND = "#c9d9ee"
_PROJECTED = "#1f5fa8"
_FOLLOW = (o.AT_RISK, o.UNLIKELY, o.UNKNOWN)
_ROW_COLUMNS = [
    *("stt", "unit_code", "unit_name", "status", "status_vi", "reason_vi", "target_total", "admitted_total"),
    *("projected_total", "projected_low", "projected_high", "needed_per_month", "trained_waiting", "youth_gap"),
]
_STATUS_CLASS = {o.ON_TRACK: "ok", o.AT_RISK: "warn", o.UNLIKELY: "bad", o.UNKNOWN: "na"}


@dataclass(frozen=True)
class OutlookSection:
    """One month end's outlook: the units (v_unit_outlook rows), the bloc and the bloc's months so far."""

    year: int
    month: int
    units: pd.DataFrame
    bloc: dict[str, Any]
    cumulative: list[int]  # the bloc's admissions, cumulative, January to ``month``
    missing_months: dict[str, str]  # unit -> "T5, T6": months up to ``month`` without a report

    def fingerprint(self) -> bytes:
        digest = hashlib.sha256()
        digest.update(pd.util.hash_pandas_object(self.units, index=False).to_numpy().tobytes())
        digest.update(repr((self.year, self.month, sorted(self.bloc.items()), self.cumulative)).encode())
        digest.update(repr(sorted(self.missing_months.items())).encode())
        return digest.digest()

    @property
    def follow_up(self) -> pd.DataFrame:
        return self.units[self.units["status"].isin(_FOLLOW)]

    @cached_property
    def follow_up_rows(self) -> list[dict[str, Any]]:
        """The units to follow up as plain rows, the columns the sections show (``iterrows`` built a
        Series per unit: seconds at national scale). Computed once for the XLSX and the HTML."""
        frame = self.follow_up[[c for c in _ROW_COLUMNS if c in self.units.columns]]
        keys = [str(k) for k in frame.columns]
        return [dict(zip(keys, row, strict=True)) for row in zip(*(frame[k].tolist() for k in keys), strict=True)]

    @cached_property
    def follow_up_texts(self) -> list[str]:
        """What to follow up for each of ``follow_up_rows`` (its ``follow_up_items``), for both formats."""
        return ["; ".join(follow_up_items(self, r)) for r in self.follow_up_rows]


def load_section(dest: Any, year: int, month: int, yearly_target: int, min_youth_pct: float) -> OutlookSection:
    """The outlook at ``year``-``month`` from the warehouse."""
    units = dest.read_sql(
        "select * from v_unit_outlook where year = :y and month = :m order by stt nulls last, unit_code",
        y=year,
        m=month,
    )
    # The months so far from the mart too, not from v_unit_month: at national scale that view takes seconds.
    history = dest.read_sql(
        "select unit_code, month, admitted_total, months_missing from mart_unit_outlook"
        " where year = :y and month <= :m order by unit_code, month",
        y=year,
        m=month,
    )
    # admitted_total is the year to date already: the bloc's cumulative is its sum over the units.
    cumulative = history.groupby("month")["admitted_total"].sum().reindex(range(1, month + 1), fill_value=0)
    # A month was not reported where the unit's count of missing months goes up.
    rise = history["months_missing"].diff().where(history["unit_code"].eq(history["unit_code"].shift()))
    gaps = history[rise.fillna(history["months_missing"]) > 0]
    # One string per unit, in month order ("T5, T6"), built column-wise: a loop over 24,000 units took seconds.
    gaps = gaps.assign(month=gaps["month"].astype(int), unit_code=gaps["unit_code"].astype(str))
    gaps = gaps[["unit_code", "month"]].drop_duplicates().sort_values(["unit_code", "month"])
    labels = ("T" + gaps["month"].astype(str)).groupby(gaps["unit_code"], sort=False).agg(", ".join)
    missing = {str(u): str(text) for u, text in labels.items()}
    bloc: dict[str, Any] = {}
    if not units.empty:
        row = o.bloc_outlook(units, yearly_target, min_youth_pct).iloc[0]
        bloc = {str(k): (v.item() if hasattr(v, "item") else v) for k, v in row.to_dict().items()}
    return OutlookSection(year, month, units, bloc, [int(c) for c in cumulative], missing)


def _missing(value: Any) -> bool:
    if isinstance(value, float):  # the common case, without pd.isna's dispatch (50,000 units, five each)
        return value != value
    return value is None or bool(pd.isna(value))


def _num(value: Any) -> float | None:
    return None if _missing(value) else float(value)


def _range(r: Mapping[str, Any]) -> str:
    low, high = _num(r["projected_low"]), _num(r["projected_high"])
    return "-" if low is None or high is None else f"{_vi_num(low)}–{_vi_num(high)}"


def bloc_sentence(s: OutlookSection) -> str:
    b = s.bloc
    if not b:
        return "Chưa có số liệu để dự báo."
    share = _num(b.get("projected_youth_share_pct"))
    youth = "đạt" if b.get("youth_share_ok") else "chưa đạt"
    return (
        f"Đến hết tháng {s.month}/{s.year}, Khối đã kết nạp {_vi_int(int(b['admitted_total']))} đảng viên. Dự báo cả"
        f" năm: {_vi_num(_num(b['projected_total']), 0)} đảng viên (khoảng {_vi_num(_num(b['projected_low']), 0)}–"
        f"{_vi_num(_num(b['projected_high']), 0)}) so với chỉ tiêu {_vi_int(int(b['yearly_target']))}:"
        f" {o.STATUS_VI[str(b['status'])]}. Tỷ lệ đoàn viên thanh niên dự báo {_vi_pct(share)}% (tối thiểu"
        f" {_vi_pct(float(b['min_youth_share_pct']))}%): {youth}."
    )


def counts_sentence(s: OutlookSection) -> str:
    by = s.units["status"].value_counts()
    parts = [f"{o.STATUS_VI[k]}: {int(by.get(k, 0))}" for k in (o.ON_TRACK, o.AT_RISK, o.UNLIKELY, o.UNKNOWN)]
    return f"Số đơn vị theo dự báo - {'; '.join(parts)}."


def follow_up_items(s: OutlookSection, r: Mapping[str, Any]) -> list[str]:
    """What the Board can act on for one unit."""
    items = []
    months = s.missing_months.get(str(r["unit_code"]))
    if months:
        items.append(f"chưa nộp báo cáo tháng {months}")
    items.append(f"{int(r['trained_waiting'])} quần chúng đã học lớp bồi dưỡng đang chờ kết nạp")
    if int(r["youth_gap"]):
        items.append(f"cần thêm {int(r['youth_gap'])} đoàn viên thanh niên để đạt tỷ lệ tối thiểu")
    needed = _num(r["needed_per_month"])
    if needed:
        items.append(f"cần kết nạp {_vi_num(needed)} đảng viên/tháng")
    return items


# --- HTML -----------------------------------------------------------------------------------------

CSS = """
.outlook .status { white-space: nowrap; margin: 0; }
.outlook .status.bad { background: #f8d0cc; color: #8c1d18; }
.outlook table td.t { text-align: left; }
.outlook ul.follow { margin: 4px 0 0; padding-left: 20px; font-size: 12.5px; }
.outlook ul.follow li { margin: 2px 0; break-inside: avoid; }
"""


def html_section(s: OutlookSection, meta: ExtractMeta, number: int = 4) -> str:
    rows = _html_rows(s)
    follow = s.follow_up_rows
    listed = [i for i, r in enumerate(follow) if r["status"] != o.UNKNOWN or s.missing_months.get(str(r["unit_code"]))]
    items = (
        cells.join(
            "<li><strong>",
            _escaped([follow[i]["unit_name"] or follow[i]["unit_code"] for i in listed]),
            "</strong>: ",
            _escaped([s.follow_up_texts[i] for i in listed]),
            ".</li>",
        )
        if listed
        else None
    )
    head = (
        "<tr><th>STT</th><th>Đơn vị</th><th>Chỉ tiêu năm</th><th>Đã kết nạp</th><th>Dự báo cả năm</th>"
        "<th>Khoảng dự báo</th><th>Cần kết nạp/tháng</th><th>Đánh giá</th><th>Nguyên nhân chính</th></tr>"
    )
    table = (
        f'<table class="outlook-units"><thead>{head}</thead><tbody>\n{rows}</tbody></table>'
        if rows
        else '<p class="note">Tất cả các đơn vị được dự báo đạt chỉ tiêu.</p>'
    )
    return "\n".join(
        [
            '<section class="chart outlook">',
            f"<h2>{number}. {_e(TITLE_VI)} năm {s.year}</h2>",
            f"<p>{_e(bloc_sentence(s))}</p>",
            svg_outlook(s, meta),
            f"<p>{_e(counts_sentence(s))}</p>",
            "<h3>Đơn vị có nguy cơ không đạt chỉ tiêu</h3>",
            table,
            "<h3>Danh sách đôn đốc</h3>",
            '<ul class="follow">' + cells.concat(items).decode("utf-8") + "</ul>"
            if items is not None
            else '<p class="note">Không có đơn vị cần đôn đốc.</p>',
            f'<p class="note">{_e(METHOD_VI)}</p>',
            "</section>",
        ]
    )


def _escaped(values: list[Any]) -> cells.Strings:
    return cells.escaped(cells.strings([str(v) for v in values]))


def _html_rows(s: OutlookSection) -> str:
    """The table's rows, one per unit to follow up, built a column at a time (``cells``)."""
    follow = s.follow_up_rows
    if not follow:
        return ""

    def column(key: str) -> list[Any]:
        return [r[key] for r in follow]

    row = cells.join(
        '<tr><td class="n">',
        _escaped(["" if _missing(v) else int(v) for v in column("stt")]),
        '</td><td class="t">',
        _escaped([r["unit_name"] or r["unit_code"] for r in follow]),
        '</td><td class="n">',
        cells.strings([str(int(v)) for v in column("target_total")]),
        '</td><td class="n">',
        cells.strings([str(int(v)) for v in column("admitted_total")]),
        '</td><td class="n">',
        _escaped([_vi_num(_num(v)) for v in column("projected_total")]),
        '</td><td class="n">',
        _escaped([_range(r) for r in follow]),
        '</td><td class="n">',
        _escaped([_vi_num(_num(v)) for v in column("needed_per_month")]),
        '</td><td><span class="status ',
        cells.strings([_STATUS_CLASS[str(v)] for v in column("status")]),
        '">',
        _escaped(column("status_vi")),
        '</span></td><td class="t">',
        _escaped(column("reason_vi")),
        "</td></tr>\n",
    )
    return cells.concat(row).decode("utf-8")


def svg_outlook(s: OutlookSection, meta: ExtractMeta) -> str:
    """The bloc's cumulative admissions to date, the projection to December with its range, the target."""
    width, height = 1200, 420
    x0, x1, top, bottom = 120, width - 190, 56, height - 56
    out = [
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="c4t" '
        'preserveAspectRatio="xMidYMin meet">',
        f'<title id="c4t">Dự báo kết nạp đảng viên của Khối đến hết năm {s.year} so với chỉ tiêu</title>',
    ]
    out += _legend(
        x0,
        22,
        [
            (f'<line x1="0" y1="5" x2="16" y2="5" stroke="{_ACHIEVED}" stroke-width="3"/>', "Kết nạp lũy kế"),
            (
                f'<line x1="0" y1="5" x2="16" y2="5" stroke="{_PROJECTED}" stroke-width="2" stroke-dasharray="6 4"/>',
                "Dự báo",
            ),
            (f'<rect width="16" height="10" fill="{_BAND}"/>', "Khoảng dự báo"),
            (
                f'<line x1="0" y1="5" x2="16" y2="5" stroke="{_TARGET_LINE}" stroke-width="2"/>',
                f"Chỉ tiêu năm ({_vi_int(meta.yearly_target)})",
            ),
        ],
    )
    b = s.bloc
    if not b or not s.cumulative:
        out.append(_svg_text(width / 2, height / 2, "Chưa có số liệu", font_size=14, fill=_MUTED, text_anchor="middle"))
        out.append("</svg>")
        return "\n".join(out)
    proj, low, high = float(b["projected_total"]), float(b["projected_low"]), float(b["projected_high"])
    ticks = _nice_ticks(max(high, float(meta.yearly_target), float(s.cumulative[-1])) * 1.08, 6)
    band = (x1 - x0) / 12

    def sx(month: float) -> float:
        return x0 + band * (month - 0.5)

    def sy(v: float) -> float:
        return bottom - (bottom - top) * v / ticks[-1]

    for tick in ticks:
        y = sy(tick)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="{_GRID}"/>')
        out.append(_svg_text(x0 - 9, y + 4, _vi_int(tick), font_size=12, fill=_MUTED, text_anchor="end"))
    for m in range(1, 13):
        out.append(_svg_text(sx(m), bottom + 20, f"T{m}", font_size=12, fill=_INK, text_anchor="middle"))
    out.append(f'<line x1="{x0}" y1="{bottom}" x2="{x1}" y2="{bottom}" stroke="{_AXIS}"/>')
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="{_AXIS}"/>')
    m, now = s.month, float(s.cumulative[-1])
    if m < 12:  # the range fans out from today's figure to the year-end range
        pts = [(sx(m), sy(now)), (sx(12), sy(high)), (sx(12), sy(low))]
        out.append(
            '<polygon points="' + " ".join(f"{x:.1f},{y:.1f}" for x, y in pts) + f'" fill="{_BAND}" opacity="0.8">'
            f"<title>{_e(f'Khoảng dự báo cuối năm: {_vi_num(low, 0)}–{_vi_num(high, 0)}')}</title></polygon>"
        )
        out.append(
            f'<line x1="{sx(m):.1f}" y1="{sy(now):.1f}" x2="{sx(12):.1f}" y2="{sy(proj):.1f}" stroke="{_PROJECTED}"'
            ' stroke-width="2.5" stroke-dasharray="6 4"/>'
        )
    y_t = sy(float(meta.yearly_target))
    out.append(f'<line x1="{x0}" y1="{y_t:.1f}" x2="{x1}" y2="{y_t:.1f}" stroke="{_TARGET_LINE}" stroke-width="2"/>')
    actual = " ".join(f"{sx(i + 1):.1f},{sy(c):.1f}" for i, c in enumerate(s.cumulative))
    out.append(f'<polyline points="{actual}" fill="none" stroke="{_ACHIEVED}" stroke-width="3"/>')
    for i, c in enumerate(s.cumulative):
        out.append(
            f'<circle cx="{sx(i + 1):.1f}" cy="{sy(c):.1f}" r="4" fill="{_ACHIEVED}" stroke="#fff">'
            f"<title>{_e(f'Tháng {i + 1}/{s.year}: lũy kế {c}')}</title></circle>"
        )
    labels = [
        (sy(proj), f"Dự báo: {_vi_num(proj, 0)} ({_vi_num(low, 0)}–{_vi_num(high, 0)})", _PROJECTED),
        (y_t, f"Chỉ tiêu: {_vi_int(meta.yearly_target)}", _TARGET_LINE),
    ]
    if abs(labels[0][0] - labels[1][0]) < 18:  # keep the two end labels apart
        mid = (labels[0][0] + labels[1][0]) / 2
        first, second = (mid - 10, mid + 10) if proj >= meta.yearly_target else (mid + 10, mid - 10)
        labels = [(first, labels[0][1], labels[0][2]), (second, labels[1][1], labels[1][2])]
    for y, text, colour in labels:
        out.append(_svg_text(x1 + 8, y + 4, text, font_size=12, font_weight="bold", fill=colour))
    out.append(
        _svg_text(
            sx(m),
            sy(now) - 12,
            f"{_vi_int(int(now))}",
            font_size=12,
            font_weight="bold",
            fill=_ACHIEVED,
            text_anchor="middle",
        )
    )
    out.append(
        _svg_text((x0 + x1) / 2, height - 10, f"Tháng (năm {s.year})", font_size=12, fill=_MUTED, text_anchor="middle")
    )
    out.append("</svg>")
    return "\n".join(out)


# --- XLSX -----------------------------------------------------------------------------------------

_XLSX_COLUMNS = [
    ("STT", 6),
    ("Đơn vị", 48),
    ("Chỉ tiêu năm", 10),
    ("Đã kết nạp", 10),
    ("Dự báo cả năm", 10),
    ("Dự báo thấp", 10),
    ("Dự báo cao", 10),
    ("Cần kết nạp/tháng", 11),
    ("Đánh giá", 12),
    ("Nguyên nhân chính", 40),
    ("Việc cần đôn đốc", 70),
]


def add_sheet(wb: Workbook, s: OutlookSection, meta: ExtractMeta) -> tuple[int, int, bytes] | None:
    """A sheet "Dự báo": the bloc's outlook, then every unit not on track with what to follow up.

    Above ``LARGE_UNITS`` units the unit rows come back as ``<row>`` XML for ``workbook_bytes``
    (``sheet_rows``) instead of openpyxl cells; below it the sheet is as it always was.
    """
    ws = wb.create_sheet("Dự báo")
    bold = Font(name=_FONT, size=12, bold=True)
    plain = Font(name=_FONT, size=11)
    _text_cell(ws, 1, 1, f"{TITLE_VI.upper()} NĂM {s.year}", Font(name=_FONT, size=14, bold=True))
    _text_cell(
        ws, 2, 1, f"Kỳ báo cáo {meta.period}; số liệu đến hết tháng {s.month}/{s.year}", Font(name=_FONT, italic=True)
    )
    _text_cell(ws, 3, 1, bloc_sentence(s), plain)
    _text_cell(ws, 4, 1, counts_sentence(s), plain)
    header_row = 6
    for i, (label, width) in enumerate(_XLSX_COLUMNS, start=1):
        cell = _text_cell(ws, header_row, i, label, bold)
        cell.fill = PatternFill("solid", fgColor=_HEADER_FILL.fgColor.rgb)
        cell.alignment = _CENTER
        cell.border = _BORDER
        ws.column_dimensions[cell.column_letter].width = width
    row = header_row + 1
    values = [_unit_values(r, text) for r, text in zip(s.follow_up_rows, s.follow_up_texts, strict=True)]
    inserted = None
    if len(s.units) > LARGE_UNITS and values:
        inserted = _xml_rows(wb, values, row, plain)
        row = inserted[1] + 1
    # Each column's style is set once through openpyxl and copied to the next rows: assigning font,
    # alignment and border per cell cost half a minute for a national extract's 50,000 units.
    styled: dict[tuple[int, bool], Any] = {}
    for line in values if inserted is None else []:
        for col, v in enumerate(line, start=1):
            key = (col, isinstance(v, str))
            if key in styled:
                cell = _text_cell(ws, row, col, v) if isinstance(v, str) else ws.cell(row=row, column=col, value=v)
                cell._style = copy(styled[key])  # type: ignore[union-attr]
                continue
            cell = _styled_cell(ws, row, col, v, plain)
            styled[key] = copy(cell._style)  # type: ignore[attr-defined]
        row += 1
    if row == header_row + 1:
        _text_cell(ws, row, 1, "Tất cả các đơn vị được dự báo đạt chỉ tiêu.", plain)
        row += 1
    note = _text_cell(ws, row + 1, 1, METHOD_VI, Font(name=_FONT, size=10, italic=True))
    note.alignment = Alignment(wrap_text=True, vertical="top")
    ws.merge_cells(start_row=row + 1, start_column=1, end_row=row + 1, end_column=len(_XLSX_COLUMNS))
    ws.row_dimensions[row + 1].height = 90
    ws.freeze_panes = f"C{header_row + 1}"  # a coordinate: a cell there would be a row written twice
    ws.page_setup.orientation = "landscape"
    ws.page_setup.paperSize = ws.PAPERSIZE_A4
    ws.page_setup.fitToWidth = 1
    ws.page_setup.fitToHeight = 0
    return inserted


def _unit_values(r: Mapping[str, Any], follow_up: str) -> list[object]:
    return [
        None if _missing(r["stt"]) else int(r["stt"]),
        str(r["unit_name"] or r["unit_code"]),
        int(r["target_total"]),
        int(r["admitted_total"]),
        _num(r["projected_total"]),
        _num(r["projected_low"]),
        _num(r["projected_high"]),
        _num(r["needed_per_month"]),
        str(r["status_vi"]),
        str(r["reason_vi"]),
        follow_up,
    ]


def _styled_cell(ws: Any, row: int, col: int, v: object, font: Font) -> Any:
    """A unit cell with its column's style (text left and wrapped, numbers right)."""
    if isinstance(v, str):
        cell = _text_cell(ws, row, col, v, font)
        cell.alignment = _LEFT
    else:
        cell = ws.cell(row=row, column=col, value=v)
        cell.font = font
        cell.alignment = Alignment(horizontal="right", vertical="center")
        cell.number_format = "0.0" if col in (5, 8) else "0"
    cell.border = _BORDER
    return cell


def _xml_rows(wb: Workbook, values: list[list[object]], first: int, font: Font) -> tuple[int, int, bytes]:
    """The unit rows as ``<row>`` XML, with the styles the openpyxl cells would have (see ``_xlsx_body``)."""
    scratch = wb.create_sheet()
    ids = [
        wb._cell_styles.add(copy(_styled_cell(scratch, 1, col, v, font)._style))  # type: ignore[attr-defined]
        for col, v in enumerate(values[0], start=1)
    ]
    wb.remove(scratch)
    refs = cells.numbers(list(range(first, first + len(values))))
    columns = []
    for col, sid in enumerate(ids):
        column = [line[col] for line in values]
        text = isinstance(values[0][col], str)
        if text:
            column = [_clean_text(v) for v in column]
        columns.append(cells.xlsx_cells(get_column_letter(col + 1), refs, str(sid), column, text))
    rows = cells.concat(cells.join('<row r="', refs, '">', *columns, "</row>"))
    return first, first + len(values) - 1, rows
