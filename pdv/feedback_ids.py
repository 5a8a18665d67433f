"""National-id columns of a feedback workbook formatted as text, so the clerk's next file keeps the zeros.

Applied to the written copy (original workbook annotated, or grids rendered from a CSV/.xls/.ods): ids
that Excel turned into numbers are written back as 12-digit text where the lost zero is known.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from openpyxl import Workbook

    from pdv.ingest import ParsedFile

_EXTRA_ROWS = 200  # rows below the data that the clerk may fill next time


def _as_text(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return value
    if isinstance(value, float) and not value.is_integer():
        return value
    digits = str(int(value))
    return "0" + digits if len(digits) == 11 else digits


def format_id_columns(wb: Workbook, columns: list[tuple[str | None, int]]) -> None:
    """Text format on ``(sheet, 1-based column)`` of a feedback workbook before it is saved (sheet None:
    a CSV grid)."""
    grids = wb.worksheets[1:]  # the issue list comes first
    for sheet, col in columns:
        ws = wb[sheet] if sheet is not None and sheet in wb.sheetnames else (grids[0] if sheet is None else None)
        if ws is None:
            continue
        for row in range(1, ws.max_row + _EXTRA_ROWS + 1):
            cell = ws.cell(row=row, column=col)
            if type(cell).__name__ == "MergedCell":
                continue
            cell.value = _as_text(cell.value)
            cell.number_format = "@"


def id_columns(parsed: ParsedFile) -> list[tuple[str | None, int]]:
    """Where a file's national-id column is: ``(sheet, 1-based column)``."""
    written = {(sheet, header) for sheet, column, header in parsed.headers if column == "national_id"}
    return [
        (sheet, parsed.header_cols[(sheet, header)])
        for sheet, header in written
        if (sheet, header) in parsed.header_cols
    ]
