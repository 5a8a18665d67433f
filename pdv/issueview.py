"""How ``pdv issues`` and ``pdv validate`` show issues: blocks by file, a wide table, JSON or CSV.

Text from input files reaches the terminal only as plain ``rich.text.Text`` (never as markup) with
control characters removed; JSON keeps every value exactly.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterable
from itertools import groupby
from typing import Any


def plain(value: object) -> str:
    """A value safe for a terminal: no control or direction characters (``pdv.termtext``), newlines as spaces."""
    from pdv.termtext import strip_controls

    return strip_controls(value).replace("\n", " ")


def where(rec: dict[str, Any]) -> str:
    return ":".join(str(rec[k]) for k in ("file", "sheet", "row") if rec.get(k) is not None)


def as_json(records: list[dict[str, Any]]) -> str:
    return json.dumps(records, ensure_ascii=False, indent=2, default=str) + "\n"


def as_csv(records: list[dict[str, Any]], fields: list[str]) -> str:
    """UTF-8 with a BOM (the caller writes UTF-8), so Excel opens the Vietnamese text correctly."""
    buf = io.StringIO()
    buf.write("\ufeff")
    writer = csv.DictWriter(buf, fieldnames=fields, extrasaction="ignore", lineterminator="\r\n")
    writer.writeheader()
    writer.writerows({k: ("" if v is None else v) for k, v in rec.items()} for rec in records)
    return buf.getvalue()


def _console() -> Any:
    from rich.console import Console

    return Console(highlight=False, emoji=False, markup=False)


def print_table(records: Iterable[dict[str, Any]]) -> None:
    """One row per issue, for wide terminals."""
    from rich.table import Table
    from rich.text import Text

    table = Table(show_lines=True)
    for name in ("severity", "rule", "where", "column", "value", "unit", "period", "message", "status"):
        table.add_column(name, overflow="fold")
    for rec in records:
        cells = [
            rec.get("severity"),
            rec.get("rule"),
            where(rec),
            rec.get("column"),
            rec.get("value"),
            rec.get("unit"),
            rec.get("period"),
            rec.get("message_vi"),
            rec.get("status"),
        ]
        table.add_row(*(Text(plain(c)) for c in cells))
    _console().print(table)


def print_blocks(records: list[dict[str, Any]]) -> None:
    """Issues grouped by file, one block each: severity and rule; place and column; the message, wrapped."""
    from rich.padding import Padding
    from rich.text import Text

    console = _console()
    records = sorted(records, key=lambda r: r.get("file") or "")
    for file, group in groupby(records, key=lambda r: r.get("file") or ""):
        items = list(group)
        head = Text()
        head.append(plain(file) or "(không gắn với tệp / not tied to a file)", style="bold")
        head.append(f"  {len(items)} vấn đề / issue(s)", style="dim")
        console.print(head)
        for rec in items:
            line = Text("  ")
            line.append(plain(rec.get("severity")), style="red" if rec.get("severity") == "error" else "yellow")
            line.append("  " + plain(rec.get("rule")))
            if rec.get("status") and rec.get("status") != "open":
                line.append(f"  [{plain(rec.get('status'))}]", style="green")
            console.print(line)
            place = ":".join(plain(rec[k]) for k in ("sheet", "row") if rec.get(k) is not None)
            spot = [p for p in (place, f"cột {plain(rec.get('column'))}" if rec.get("column") else "") if p]
            if rec.get("value") not in (None, ""):
                spot.append(f"giá trị «{plain(rec.get('value'))}»")
            if rec.get("unit") or rec.get("period"):
                spot.append(" ".join(plain(rec.get(k)) for k in ("unit", "period") if rec.get(k)))
            if spot:
                console.print(Text("    " + " · ".join(spot), style="dim"))
            console.print(Padding(Text(plain(rec.get("message_vi"))), (0, 0, 0, 4), expand=False))
        console.print()
