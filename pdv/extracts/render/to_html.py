"""The extract as HTML: the figures, the SVG charts and the table, printable on A4."""

from __future__ import annotations

import math
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path
from typing import TYPE_CHECKING

import pandas as pd

from pdv.extracts.render import cells
from pdv.extracts.revisions import Revisions
from pdv.extracts.revisions import html_section as revision_section
from pdv.xlsxio import write_atomic

if TYPE_CHECKING:
    from pdv.extracts.outlook_section import OutlookSection

from pdv.extracts.render.table import (
    _MONTH,
    BEHIND_LEGEND,
    BOARD_NAME,
    BOARD_PARENT,
    MET,
    MONTHLY_COLUMNS,
    NO_DATA,
    NO_PARENT,
    NOT_MET,
    PARTY_NAME,
    VIEW_VI,
    ExtractMeta,
    Table,
    Value,
    _cutoff_month,
    _e,
    _floats,
    _groups,
    _ints,
    _Targets,
    _targets,
    _vi_int,
    _vi_num,
    _vi_pct,
    columns,
    is_large,
    period_label,
    prepare,
)

# --- HTML -----------------------------------------------------------------------------------------

_ACHIEVED = "#1f5fa8"
_BEHIND = "#e0701b"
_TARGET = "#d3dce8"
_TARGET_LINE = "#b3261e"
_MONTH_BAR = "#a9c8e8"
_GRID = "#e3e7ee"
_AXIS = "#8a96a3"
_INK = "#1d2733"
_MUTED = "#5b6776"
_LABEL_CHARS = 60  # unit names longer than this are shortened in the chart (full name in the tooltip)


def write_html(
    path: Path,
    rows: pd.DataFrame | Table,
    monthly: pd.DataFrame,
    meta: ExtractMeta,
    revisions: Revisions | None = None,
    outlook: OutlookSection | None = None,
) -> None:
    """One self-contained, offline page: key figures, two inline SVG charts and the table of units.

    With ``outlook`` (quarters and halves) a fourth section gives the early warning.
    """
    table = prepare(rows)
    months = _prepare_monthly(monthly)
    t = _targets(table, meta)
    behind_count = sum(table.behind[:-1])
    if is_large(table):  # a national extract: committees in the chart and first table, units paged below
        parents = table.parents
        chart_title, chart = "theo đảng bộ cấp trên", _svg_units(parents, meta)
        table_html = [
            "<h2>3. Kết quả theo đảng bộ cấp trên</h2>",
            _html_table(parents, meta),
            f"<h2>4. Chi tiết {len(table) - 1} đơn vị, theo đảng bộ cấp trên</h2>",
            *(
                f'<details class="committee"><summary>{_e(name)} ({len(part) - 1} đơn vị)</summary>'
                f"{_html_table(part, meta, ident=None)}</details>"
                for name, part in _by_committee(table, parents)
            ),
        ]
    else:  # the units' chart and table are drawn only here: 52,000 bars and rows would be thrown away
        chart_title, chart = "theo đơn vị", _svg_units(table, meta)
        table_html = ["<h2>3. Kết quả theo đơn vị</h2>", _html_table(table, meta)]
    units_html = [
        '<section class="chart chart-units">',
        f"<h2>1. Chỉ tiêu năm {meta.year} và kết quả kết nạp lũy kế {chart_title}</h2>",
        chart,
        "</section>",
    ]
    parts = [
        "<!DOCTYPE html>",
        '<html lang="vi">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        f"<title>{_e(meta.title_vi)} - {_e(meta.period)}</title>",
        f"<style>{_CSS}</style>",
        "</head>",
        "<body>",
        _html_header(meta),
        _html_figures(table, meta, t, behind_count),
        *units_html,
        '<section class="chart chart-months">',
        f"<h2>2. Kết nạp đảng viên lũy kế của Khối theo tháng so với chỉ tiêu {_e(_vi_int(meta.yearly_target))}"
        " đảng viên/năm</h2>",
        _svg_months(months, meta),
        "</section>",
        '<section class="units">',
        *table_html,
        f'<p class="legend"><span class="swatch behind"></span>{_e(BEHIND_LEGEND)} ({behind_count} đơn vị).</p>',
        '<p class="note">% đạt chỉ tiêu = số kết nạp lũy kế từ đầu năm / chỉ tiêu năm × 100 (để trống khi đơn vị'
        " không được giao chỉ tiêu). Tỷ lệ ĐVTN = số đoàn viên thanh niên / tổng số kết nạp lũy kế × 100.</p>",
        "</section>",
        *([revision_section(revisions, meta.period)] if revisions else []),
        "</body>",
        "</html>",
        "",
    ]
    if is_large(table):  # only then: a bloc-sized page stays byte for byte as it was
        parts[parts.index(f"<style>{_CSS}</style>")] = f"<style>{_CSS}{_CSS_LARGE}</style>"
    if outlook is not None:
        from pdv.extracts.outlook_section import CSS, html_section

        parts[parts.index("</body>") : parts.index("</body>")] = [html_section(outlook, meta)]
        style = next(i for i, part in enumerate(parts) if part.startswith("<style>"))
        parts[style] = parts[style].replace("</style>", f"{CSS}</style>")
    write_atomic(path, "\n".join(parts).encode("utf-8"))


@dataclass(frozen=True)
class _Month:
    month: int
    admitted: int
    cumulative: int
    target: float


def _prepare_monthly(monthly: pd.DataFrame) -> list[_Month]:
    missing = [c for c in MONTHLY_COLUMNS if c not in monthly.columns]
    if missing:
        raise ValueError(f"monthly lacks the columns {missing}")
    frame = monthly.sort_values("month", kind="stable").reset_index(drop=True)
    admitted = _ints(frame["admitted_total"], "admitted_total")
    cumulative = _ints(frame["cumulative"], "cumulative")
    target = _floats(frame["target_cumulative"], "target_cumulative")
    out: list[_Month] = []
    for i, m in enumerate(frame["month"].tolist()):
        match = _MONTH.match(str(m))
        if match is None:
            raise ValueError(f"monthly: month {m!r} is not 'YYYY-MM'")
        a, c, tg = admitted[i], cumulative[i], target[i]
        out.append(
            _Month(
                int(match.group(2)),
                a if isinstance(a, int) else 0,
                c if isinstance(c, int) else 0,
                float(tg) if isinstance(tg, int | float) else 0.0,
            )
        )
    return out


def _html_header(meta: ExtractMeta) -> str:
    return (
        "<header>"
        '<div class="org">'
        f'<div><span class="parent">{_e(BOARD_PARENT)}</span><br><strong>{_e(BOARD_NAME)}</strong></div>'
        f'<div class="party">{_e(PARTY_NAME)}</div>'
        "</div>"
        f"<h1>{_e(meta.title_vi)}</h1>"
        '<dl class="meta">'
        f"<div><dt>Kỳ báo cáo</dt><dd>{_e(period_label(meta))}</dd></div>"
        f"<div><dt>Số liệu đến tháng</dt><dd>{_e(meta.data_cutoff)}</dd></div>"
        f"<div><dt>Theo kế hoạch số</dt><dd>{_e(meta.plan_no)}</dd></div>"
        f"<div><dt>Cơ cấu đơn vị</dt><dd>{_e(VIEW_VI[meta.view])}</dd></div>"
        "</dl>"
        "</header>"
    )


def _status(verdict: str, wording: dict[str, str] | None = None) -> str:
    cls = {MET: "ok", NOT_MET: "warn"}.get(verdict, "na")
    return f'<span class="status {cls}">{_e((wording or {}).get(verdict, verdict))}</span>'


def _html_figures(table: Table, meta: ExtractMeta, t: _Targets, behind: int) -> str:
    total = table.total

    def n(key: str) -> int | None:
        v = total[key]
        return v if isinstance(v, int) else None

    expected, received, on_time, errors = (
        n("reports_expected"),
        n("reports_received"),
        n("reports_on_time"),
        n("open_errors"),
    )
    allocated = n("target_total")
    alloc_pct = total["achievement_pct"]
    cards = [
        (
            "Kết nạp lũy kế từ đầu năm",
            f"{_vi_num(t.ytd)} <small>/ {_vi_int(t.yearly_target)}</small>",
            f"Chỉ tiêu năm của Khối: {_vi_int(t.yearly_target)} đảng viên"
            + (f"; tiến độ cần đạt đến tháng {meta.data_cutoff}: {_vi_num(round(t.due, 1))}" if t.elapsed < 12 else ""),
            _status(t.target_met)
            if t.elapsed == 12
            else _status(t.target_met, {MET: "Đạt chỉ tiêu năm", NOT_MET: "Chưa đạt chỉ tiêu năm"})
            + _status(t.pace_met, {MET: "Đúng tiến độ", NOT_MET: "Chậm tiến độ"}),
        ),
        (
            "Tỷ lệ đạt chỉ tiêu năm",
            f"{_vi_pct(t.achievement_pct)}%",
            f"So với tổng chỉ tiêu giao các đơn vị ({_vi_num(allocated)}): "
            f"{_vi_pct(alloc_pct if isinstance(alloc_pct, float) else None)}%",
            "",
        ),
        (
            "Tỷ lệ đoàn viên thanh niên",
            f"{_vi_pct(t.youth_share_pct)}%",
            f"Yêu cầu tối thiểu {_vi_pct(t.min_youth_share_pct)}%",
            _status(t.youth_met),
        ),
        (
            "Báo cáo tháng đã nhận",
            f"{_vi_num(received)} <small>/ {_vi_num(expected)}</small>",
            f"Đã nhận {_vi_pct(_share(received, expected))}% số báo cáo phải nộp",
            "",
        ),
        (
            "Báo cáo đúng hạn",
            f"{_vi_num(on_time)}",
            f"{_vi_pct(_share(on_time, received))}% số báo cáo đã nhận",
            "",
        ),
        (
            "Lỗi dữ liệu chưa xử lý",
            f"{_vi_num(errors)}",
            f"Đơn vị chậm tiến độ: {behind}/{len(table.units)}",
            "",
        ),
    ]
    items = "".join(
        f'<div class="card"><div class="label">{_e(label)}</div><div class="value">{value}</div>'
        f'<div class="sub">{_e(sub)}</div>{status}</div>'
        for label, value, sub, status in cards
    )
    return f'<section class="figures">{items}</section>'


def _share(part: int | None, whole: int | None) -> float | None:
    return part / whole * 100 if part is not None and whole else None


def _nice_ticks(vmax: float, count: int = 6) -> list[int]:
    """Round tick values from 0 covering ``vmax`` (steps of 1, 2, 2.5 or 5 times a power of ten)."""
    vmax = max(vmax, 1.0)
    raw = vmax / count
    mag = 10 ** math.floor(math.log10(raw)) if raw >= 1 else 1
    steps = (1, 2, 2.5, 5, 10) if mag >= 10 else (1, 2, 5, 10)  # 2.5 only where it stays a whole number
    step = next(m * mag for m in steps if m * mag >= raw)
    top = math.ceil(vmax / step) * step
    return list(range(0, int(top) + 1, int(step)))


def _shorten(text: str, limit: int) -> str:
    if len(text) <= limit:
        return text
    cut = text[: limit - 1].rstrip()
    # Prefer a word boundary when one is near, so a name is not cut mid-word.
    space = cut.rfind(" ")
    if space > limit * 0.7:
        cut = cut[:space]
    return cut.rstrip(" -,") + "…"


def _svg_attrs(**attrs: object) -> str:
    return "".join(f' {k.replace("_", "-")}="{_e(v)}"' for k, v in attrs.items())


def _svg_text(x: float, y: float, text: str, **attrs: object) -> str:
    return _svg_at(x, y, text, _svg_attrs(**attrs))


def _svg_at(x: float, y: float, text: str, attrs: str) -> str:
    """``_svg_text`` with its attributes already written (``_svg_attrs``): for a row per unit."""
    return f'<text x="{x:.1f}" y="{y:.1f}"{attrs}>{_e(text)}</text>'


def _legend(x: float, y: float, items: Iterable[tuple[str, str]]) -> list[str]:
    """Legend swatches in one row; item = (svg shape for a 16x10 box at the origin, label)."""
    out: list[str] = []
    for shape, label in items:
        out.append(f'<g transform="translate({x:.1f},{y - 9:.1f})">{shape}</g>')
        out.append(_svg_text(x + 22, y, label, font_size=12, fill=_INK))
        x += 22 + 7.2 * len(label) + 26
    return out


def _svg_units(table: Table, meta: ExtractMeta) -> str:
    """Horizontal bars per unit: the year's target behind, the year-to-date admissions in front."""
    units = table.units
    width, label_right, x0 = 1200, 470, 480
    x1 = width - 110  # room for the value labels right of the longest bar
    top, row_h = 64, 22
    plot_h = row_h * len(units)
    height = top + plot_h + 44

    def num(rec: dict[str, Value], key: str) -> int:
        v = rec[key]
        return v if isinstance(v, int) else 0

    vmax = max([max(num(u, "target_total"), num(u, "ytd_admitted_total")) for u in units] + [1])
    ticks = _nice_ticks(vmax, 8)
    scale = (x1 - x0) / ticks[-1]

    def sx(v: float) -> float:
        return x0 + v * scale

    out = [
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="c1t" '
        'preserveAspectRatio="xMidYMin meet">',
        f'<title id="c1t">Chỉ tiêu năm {meta.year} và số kết nạp lũy kế của {len(units)} đơn vị</title>',
    ]
    # Where a unit should be by the cut-off at an even pace; drawn only before December, where it is the target.
    elapsed = _cutoff_month(meta)
    legend = [
        (f'<rect width="16" height="12" y="-1" fill="{_TARGET}"/>', f"Chỉ tiêu năm {meta.year}"),
        (f'<rect width="16" height="8" y="1" fill="{_ACHIEVED}"/>', "Kết nạp lũy kế (đúng tiến độ)"),
        (f'<rect width="16" height="8" y="1" fill="{_BEHIND}"/>', "Kết nạp lũy kế (chậm tiến độ)"),
    ]
    if elapsed < 12:
        legend.append(
            (
                f'<rect x="7" y="-3" width="2" height="16" fill="{_INK}"/>',
                f"Mức cần đạt đến tháng {elapsed}/{meta.year}",
            )
        )
    out += _legend(20, 20, legend)
    for i in range(0, len(units), 2):  # zebra stripes guide the eye from a label to its bar
        out.append(f'<rect x="0" y="{top + i * row_h}" width="{width}" height="{row_h}" fill="#f4f6f9"/>')
    for tick in ticks:
        x = sx(tick)
        out.append(f'<line x1="{x:.1f}" y1="{top}" x2="{x:.1f}" y2="{top + plot_h}" stroke="{_GRID}"/>')
        for y in (top - 8, top + plot_h + 16):
            out.append(_svg_text(x, y, str(tick), font_size=11, fill=_MUTED, text_anchor="middle"))
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{top + plot_h}" stroke="{_AXIS}"/>')
    label_attrs = _svg_attrs(font_size=12, fill=_INK, text_anchor="end")
    value_attrs = {
        True: _svg_attrs(font_size=11, fill=_BEHIND, font_weight="bold"),
        False: _svg_attrs(font_size=11, fill=_MUTED, font_weight="normal"),
    }
    for i, (u, behind) in enumerate(zip(units, table.behind, strict=False)):
        y = top + i * row_h
        target, ytd = num(u, "target_total"), num(u, "ytd_admitted_total")
        name = str(u["unit_name"] or "")
        stt = u["stt"]
        label = f"{stt}. {name}" if stt is not None else name
        pct = u["achievement_pct"]
        pct_text = f" ({_vi_num(float(pct), 0)}%)" if isinstance(pct, float) else ""
        tip = f"{label}: kết nạp lũy kế {ytd}/chỉ tiêu {target}{pct_text}" + (" - chậm tiến độ" if behind else "")
        colour = _BEHIND if behind else _ACHIEVED
        out.append(f'<g class="{"behind" if behind else "unit"}"><title>{_e(tip)}</title>')
        out.append(_svg_at(label_right, y + 15, _shorten(label, _LABEL_CHARS), label_attrs))
        if target:
            out.append(f'<rect x="{x0}" y="{y + 4}" width="{target * scale:.1f}" height="14" fill="{_TARGET}"/>')
        if ytd:
            out.append(f'<rect x="{x0}" y="{y + 7}" width="{ytd * scale:.1f}" height="8" fill="{colour}"/>')
        if target and elapsed < 12:
            due = sx(target * elapsed / 12)
            out.append(f'<rect x="{due - 1:.1f}" y="{y + 2}" width="2" height="18" fill="{_INK}"/>')
        value = f"{ytd}/{target}{pct_text}"
        out.append(_svg_at(sx(max(target, ytd)) + 6, y + 15, value, value_attrs[behind]))
        out.append("</g>")
    out.append(
        _svg_text(
            (x0 + x1) / 2,
            top + plot_h + 36,
            "Số đảng viên (kết nạp lũy kế / chỉ tiêu năm)",
            font_size=12,
            fill=_MUTED,
            text_anchor="middle",
        )
    )
    out.append("</svg>")
    return "\n".join(out)


def _svg_months(months: list[_Month], meta: ExtractMeta) -> str:
    """The bloc's cumulative admissions per month (line) against the cumulative target (dashed line).

    Under the axis two rows give every month's figures, so a point label that would collide with the target
    line or the axis can be left out without losing a number.
    """
    width, height = 1200, 480
    x0, x1, top, bottom = 120, width - 170, 56, height - 104
    out = [
        f'<svg class="chart-svg" viewBox="0 0 {width} {height}" role="img" aria-labelledby="c2t" '
        'preserveAspectRatio="xMidYMin meet">',
        f'<title id="c2t">Kết nạp lũy kế của Khối theo tháng năm {meta.year} so với chỉ tiêu lũy kế</title>',
    ]
    out += _legend(
        x0,
        22,
        [
            (
                f'<line x1="0" y1="5" x2="16" y2="5" stroke="{_ACHIEVED}" stroke-width="3"/>'
                f'<circle cx="8" cy="5" r="3.5" fill="{_ACHIEVED}"/>',
                "Kết nạp lũy kế",
            ),
            (
                f'<line x1="0" y1="5" x2="16" y2="5" stroke="{_TARGET_LINE}" stroke-width="2" stroke-dasharray="5 3"/>',
                f"Chỉ tiêu lũy kế ({_vi_int(meta.yearly_target)} × số tháng / 12)",
            ),
            (f'<rect width="16" height="10" fill="{_MONTH_BAR}"/>', "Kết nạp trong tháng"),
        ],
    )
    if not months:
        out.append(_svg_text(width / 2, height / 2, NO_DATA, font_size=14, fill=_MUTED, text_anchor="middle"))
        out.append("</svg>")
        return "\n".join(out)
    vmax = max(max(m.cumulative, m.target, m.admitted) for m in months)
    ticks = _nice_ticks(vmax * 1.08, 6)  # headroom for the label above the highest point
    plot_h = bottom - top
    band = (x1 - x0) / len(months)

    def sy(v: float) -> float:
        return bottom - plot_h * v / ticks[-1]

    def sx(i: int) -> float:
        return x0 + band * (i + 0.5)

    for tick in ticks:
        y = sy(tick)
        out.append(f'<line x1="{x0}" y1="{y:.1f}" x2="{x1}" y2="{y:.1f}" stroke="{_GRID}"/>')
        out.append(f'<line x1="{x0 - 5}" y1="{y:.1f}" x2="{x0}" y2="{y:.1f}" stroke="{_AXIS}"/>')
        out.append(_svg_text(x0 - 9, y + 4, _vi_int(tick), font_size=12, fill=_MUTED, text_anchor="end"))
    # Row titles of the figures under the axis, in the y-axis margin.
    rows_y = (bottom + 20, bottom + 40, bottom + 58)
    out.append(_svg_text(x0 - 9, rows_y[1], "Trong tháng", font_size=11, fill=_MUTED, text_anchor="end"))
    out.append(_svg_text(x0 - 9, rows_y[2], "Lũy kế", font_size=11, fill=_ACHIEVED, text_anchor="end"))
    bar_w = min(band * 0.5, 46)
    for i, m in enumerate(months):
        x = sx(i)
        if m.admitted:
            tip = f"Tháng {m.month}/{meta.year}: kết nạp {m.admitted}"
            out.append(
                f'<rect x="{x - bar_w / 2:.1f}" y="{sy(m.admitted):.1f}" width="{bar_w:.1f}" '
                f'height="{bottom - sy(m.admitted):.1f}" fill="{_MONTH_BAR}"><title>{_e(tip)}</title></rect>'
            )
        out.append(f'<line x1="{x:.1f}" y1="{bottom}" x2="{x:.1f}" y2="{bottom + 5}" stroke="{_AXIS}"/>')
        out.append(_svg_text(x, rows_y[0], f"T{m.month}", font_size=12, fill=_INK, text_anchor="middle"))
        out.append(_svg_text(x, rows_y[1], f"+{m.admitted}", font_size=11, fill=_MUTED, text_anchor="middle"))
        out.append(
            _svg_text(
                x, rows_y[2], str(m.cumulative), font_size=11, font_weight="bold", fill=_ACHIEVED, text_anchor="middle"
            )
        )
    out.append(f'<line x1="{x0}" y1="{bottom}" x2="{x1}" y2="{bottom}" stroke="{_AXIS}"/>')
    out.append(f'<line x1="{x0}" y1="{top}" x2="{x0}" y2="{bottom}" stroke="{_AXIS}"/>')
    target_pts = " ".join(f"{sx(i):.1f},{sy(m.target):.1f}" for i, m in enumerate(months))
    actual_pts = " ".join(f"{sx(i):.1f},{sy(m.cumulative):.1f}" for i, m in enumerate(months))
    out.append(
        f'<polyline points="{target_pts}" fill="none" stroke="{_TARGET_LINE}" stroke-width="2" stroke-dasharray="7 4"/>'
    )
    out.append(f'<polyline points="{actual_pts}" fill="none" stroke="{_ACHIEVED}" stroke-width="3"/>')
    for i, m in enumerate(months):
        x, y, y_target = sx(i), sy(m.cumulative), sy(m.target)
        tip = f"Tháng {m.month}/{meta.year}: lũy kế {m.cumulative}, chỉ tiêu lũy kế {_vi_num(m.target)}"
        out.append(f'<circle cx="{x:.1f}" cy="{y_target:.1f}" r="3" fill="{_TARGET_LINE}"/>')
        out.append(
            f'<circle cx="{x:.1f}" cy="{y:.1f}" r="4.5" fill="{_ACHIEVED}" stroke="#fff"><title>{_e(tip)}</title></circle>'
        )
        baseline = _point_label_y(y, y_target, top, bottom)
        if baseline is not None and i < len(months) - 1:  # the last point has its end label
            out.append(
                _svg_text(
                    x,
                    baseline,
                    str(m.cumulative),
                    font_size=12,
                    font_weight="bold",
                    fill=_ACHIEVED,
                    text_anchor="middle",
                    stroke="#fff",
                    stroke_width=3,
                    paint_order="stroke",
                )
            )
    # End labels right of the last point, pushed apart when the two lines end close together.
    last = months[-1]
    y_act, y_tgt = sy(last.cumulative) + 4, sy(last.target) + 4
    if abs(y_act - y_tgt) < 16:
        mid = (y_act + y_tgt) / 2
        y_act, y_tgt = (mid - 8, mid + 8) if last.cumulative >= last.target else (mid + 8, mid - 8)
    end_x = sx(len(months) - 1) + 12
    out.append(
        _svg_text(end_x, y_act, f"Thực hiện: {last.cumulative}", font_size=12, font_weight="bold", fill=_ACHIEVED)
    )
    out.append(_svg_text(end_x, y_tgt, f"Chỉ tiêu: {_vi_num(last.target)}", font_size=12, fill=_TARGET_LINE))
    out.append(
        _svg_text(
            (x0 + x1) / 2, height - 10, f"Tháng (năm {meta.year})", font_size=12, fill=_MUTED, text_anchor="middle"
        )
    )
    out.append(
        f'<text transform="translate(24,{(top + bottom) / 2:.1f}) rotate(-90)" font-size="12" fill="{_MUTED}" '
        'text-anchor="middle">Số đảng viên</text>'
    )
    out.append("</svg>")
    return "\n".join(out)


def _point_label_y(y: float, y_target: float, top: float, bottom: float) -> float | None:
    """Baseline for a point's value label, above or else below it, clear of the target line and the axis; or None.

    The label is about 12 px tall; the target line may slope by a few pixels across its width, hence the margin.
    """
    above = (y - 22, y - 8)  # (top, bottom) of the label's box
    below = (y + 8, y + 22)
    margin = 6
    for box in (above, below):
        clear_of_target = box[1] + margin < y_target or box[0] - margin > y_target
        if clear_of_target and box[0] > top and box[1] < bottom - 4:
            return box[1] - 2
    return None


def _by_committee(table: Table, parents: Table) -> list[tuple[str, Table]]:
    """The units of each parent committee (in ``parents``' order), each closed by the committee's sums."""
    names = [str(p) if p else NO_PARENT for p in table.values["parent_name"][:-1]]
    rows: dict[str, list[int]] = {str(n): [] for n in parents.values["unit_name"][:-1]}
    for i, name in enumerate(names):
        rows[name].append(i)
    out = []
    for j, (name, idx) in enumerate(rows.items()):
        values = {k: [v[i] for i in idx] + [parents.values[k][j]] for k, v in table.values.items()}
        out.append((name, Table(values=values, behind=[table.behind[i] for i in idx] + [False])))
    return out


def _html_table(table: Table, meta: ExtractMeta, ident: str | None = "units") -> str:
    cols = columns()
    head_top: list[str] = []
    head_sub: list[str] = []
    for group, first, last in _groups(cols, meta.year):
        if group:
            head_top.append(f'<th colspan="{last - first + 1}" scope="colgroup">{_e(group)}</th>')
            head_sub += [f'<th scope="col">{_e(cols[i].header_vi)}</th>' for i in range(first, last + 1)]
        else:
            head_top.append(f'<th rowspan="2" scope="col" class="c-{cols[first].key}">{_e(cols[first].header_vi)}</th>')
    # Built a column at a time (``cells``): tens of thousands of rows at national scale.
    columns_html: list[cells.Strings] = []
    for c in cols:
        values = table.values[c.key]
        if c.kind == "text":
            text = cells.escaped(cells.texts(values))
        elif c.kind == "pct":
            text = cells.strings(["" if v is None else _vi_pct(float(v)) for v in values])
        else:
            text = cells.numbers(values).fill_null("")
        columns_html.append(cells.join(f'<td class="{"t" if c.kind == "text" else "n"} c-{c.key}">', text, "</td>"))
    kinds = [' class="behind"' if b else "" for b in table.behind[:-1]] + [' class="total"']
    body = cells.concat(cells.join("<tr", cells.strings(kinds), ">", *columns_html, "</tr>\n")).decode("utf-8")
    return (
        f'<table id="{ident}">' if ident else '<table class="units">'
    ) + f"<thead><tr>{''.join(head_top)}</tr><tr>{''.join(head_sub)}</tr></thead><tbody>\n{body}</tbody></table>"


_CSS_LARGE = "details.committee summary { cursor: pointer; font-weight: 600; margin: .4em 0; }\n"
_CSS = """
:root { --ink: #1d2733; --muted: #5b6776; --line: #d5dbe3; --accent: #b3261e; --behind: #fde6d4; }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1360px; padding: 24px 28px 40px; color: var(--ink); background: #fff;
  font: 14px/1.45 "Segoe UI", Arial, "Liberation Sans", "DejaVu Sans", "Noto Sans", sans-serif; }
header { border-bottom: 3px solid var(--accent); padding-bottom: 12px; margin-bottom: 18px; }
.org { display: flex; justify-content: space-between; font-size: 13px; text-transform: uppercase; }
.org div:first-child { text-align: center; }
.org .party { font-weight: bold; text-decoration: underline; }
h1 { font-size: 24px; margin: 14px 0 8px; text-align: center; color: var(--accent); }
h2 { font-size: 17px; margin: 26px 0 10px; padding-left: 10px; border-left: 4px solid var(--accent); }
dl.meta { display: flex; flex-wrap: wrap; justify-content: center; gap: 6px 28px; margin: 0; font-size: 13px; }
dl.meta div { display: flex; gap: 6px; }
dl.meta dt { color: var(--muted); }
dl.meta dt::after { content: ":"; }
dl.meta dd { margin: 0; font-weight: 600; }
.figures { display: grid; grid-template-columns: repeat(6, 1fr); gap: 12px; }
.card { border: 1px solid var(--line); border-radius: 6px; padding: 10px 12px; background: #f8fafc;
  break-inside: avoid; }
.card .label { font-size: 12px; color: var(--muted); text-transform: uppercase; letter-spacing: .02em; }
.card .value { font-size: 28px; font-weight: 700; margin: 2px 0; }
.card .value small { font-size: 16px; color: var(--muted); font-weight: 600; }
.card .sub { font-size: 12px; color: var(--muted); }
.status { display: inline-block; margin: 6px 6px 0 0; padding: 1px 10px; border-radius: 10px; font-size: 12px;
  font-weight: 700; }
.status.ok { background: #dcefdc; color: #1b5e20; }
.status.warn { background: #fde2cc; color: #8a3b00; }
.status.na { background: #eceff3; color: var(--muted); }
.chart svg { display: block; width: 100%; height: auto; }
table { border-collapse: collapse; width: 100%; font-size: 11.5px; }
th, td { border: 1px solid var(--line); padding: 3px 4px; }
thead th { background: #e6eef7; font-weight: 600; vertical-align: middle; text-align: center; }
thead { display: table-header-group; }
td.n { text-align: right; font-variant-numeric: tabular-nums; white-space: nowrap; }
td.c-stt, td.c-unit_type, td.c-unit_code { text-align: center; white-space: nowrap; }
td.c-unit_name { min-width: 210px; }
td.c-predecessors { font-size: 11px; color: var(--muted); min-width: 120px; }
tbody tr:nth-child(even) { background: #f7f9fb; }
tbody tr.behind { background: var(--behind); }
tbody tr.total { background: #e7e6e6; font-weight: 700; }
tr { break-inside: avoid; }
.legend { font-size: 12px; margin: 8px 0 2px; }
.swatch { display: inline-block; width: 22px; height: 12px; margin-right: 6px; vertical-align: -1px;
  border: 1px solid #e0a77a; }
.swatch.behind { background: var(--behind); }
.note { font-size: 12px; color: var(--muted); margin: 2px 0; }
@page { size: A4 landscape; margin: 10mm; }
@media print {
  body { max-width: none; padding: 0; font-size: 10pt; }
  * { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  .figures { grid-template-columns: repeat(6, 1fr); gap: 6px; }
  .card .value { font-size: 20px; }
  .chart-months, .figures { break-inside: avoid; }
  .chart-months, .units { break-before: page; }
  table { font-size: 7.5pt; }
  th, td { padding: 2px 3px; }
  thead th { font-size: 7pt; }
  td.c-unit_name { min-width: 150px; }
  td.c-predecessors { min-width: 90px; font-size: 7pt; }
  h2 { margin-top: 8px; }
}
"""
