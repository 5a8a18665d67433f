"""Safe reading of untrusted workbooks and text files into cell grids.

Bounds are checked before anything is parsed: file size, the zip's real inflated size, member by member
(a zip bomb is rejected after at most its cap is inflated), and each sheet's dimensions. Cells are read by their cached
values through calamine; formulas are never evaluated.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook

from pdv.settings import Settings
from pdv.sources.zipbounds import ZipRejected, check_zip, limits_for


class FileRejected(Exception):
    """The whole file is rejected; ``rule`` names the finding and ``detail`` says why."""

    def __init__(self, rule: str, detail: str) -> None:
        super().__init__(detail)
        self.rule = rule
        self.detail = detail


@dataclass
class Sheet:
    name: str
    rows: list[tuple[int, list[Any]]]  # (Excel row number, cached cell values)


def check_size(path: Path, settings: Settings) -> None:
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("file.empty", "0 bytes")
    if size > settings.max_file_bytes:
        raise FileRejected("file.too_large", f"{size} bytes > {settings.max_file_bytes}")


def _check_zip(path: Path, settings: Settings) -> None:
    head = path.read_bytes()[:8]
    if head.startswith(b"\xd0\xcf\x11\xe0"):
        raise FileRejected(
            "file.unsupported_format", "Excel 97-2003 (.xls) hoặc tệp có mật khẩu / legacy .xls or encrypted"
        )
    if not zipfile.is_zipfile(path):
        raise FileRejected("file.unreadable", "không phải bảng tính Excel / not an xlsx workbook")
    try:  # real inflated sizes, every member (pdv.sources.zipbounds)
        names = set(check_zip(path, limits_for(settings.max_file_bytes, path.stat().st_size)))
    except ZipRejected as exc:
        raise FileRejected(exc.rule, exc.detail) from exc
    if "xl/workbook.xml" not in names:
        raise FileRejected("file.unreadable", "thiếu xl/workbook.xml / not an xlsx workbook")


def read_xlsx(path: Path, settings: Settings) -> list[Sheet]:
    """All sheets of a workbook as grids of cached cell values, or ``FileRejected``."""
    check_size(path, settings)
    _check_zip(path, settings)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            cells = (sheet.total_height + 1) * (sheet.total_width + 1)  # last indices are 0-based
            if cells > settings.max_sheet_cells:
                raise FileRejected("file.too_large", f"sheet {name}: {sheet.total_height}x{sheet.total_width}")
            rows = sheet.to_python(skip_empty_area=False)  # from A1, so list position + 1 is the Excel row
            sheets.append(Sheet(name, [(i + 1, list(r)) for i, r in enumerate(rows)]))
        return sheets
    except FileRejected:
        raise
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise FileRejected("file.unreadable", f"{type(exc).__name__}: {exc}") from exc
