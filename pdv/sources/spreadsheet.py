"""Safe reading of untrusted workbooks (.xlsx, .xls, .ods) and text files into cell grids.

Bounds are checked before anything is parsed: file size, the zip's real inflated size, member by member
(a zip bomb is rejected after at most its cap is inflated), no DTD in any XML part, and each sheet's
dimensions. Cells are read by their cached values through calamine; formulas are never evaluated.
"""

from __future__ import annotations

import zipfile
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from python_calamine import CalamineWorkbook, PasswordError, SheetVisibleEnum

from pdv.settings import Settings
from pdv.sources.odsmerge import ods_merges
from pdv.sources.xmlguard import dtd_part
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
    visible: bool = True
    merged: list[tuple[tuple[int, int], tuple[int, int]]] = field(default_factory=list)  # 0-based corners


_OLE = b"\xd0\xcf\x11\xe0"
# An encrypted OOXML file is an OLE container holding this stream (name in UTF-16).
_ENCRYPTED = "EncryptedPackage".encode("utf-16-le")


def check_size(path: Path, settings: Settings) -> None:
    size = path.stat().st_size
    if size == 0:
        raise FileRejected("file.empty", "0 bytes")
    if size > settings.max_file_bytes:
        raise FileRejected("file.too_large", f"{size} bytes > {settings.max_file_bytes}")


def _check_ole(path: Path) -> None:
    """An Excel 97-2003 file (read by calamine); an encrypted workbook is rejected before parsing."""
    with path.open("rb") as fh:
        data = fh.read()
    if _ENCRYPTED in data:
        raise FileRejected("file.encrypted", "tệp được bảo vệ bằng mật khẩu / password-protected")


def _check_zip(path: Path, settings: Settings) -> None:
    if not zipfile.is_zipfile(path):
        raise FileRejected("file.unreadable", "không phải bảng tính Excel / not an xlsx workbook")
    try:  # real inflated sizes, every member (pdv.sources.zipbounds)
        names = set(check_zip(path, limits_for(settings.max_file_bytes, path.stat().st_size)))
    except ZipRejected as exc:
        raise FileRejected(exc.rule, exc.detail) from exc
    if "xl/workbook.xml" not in names and "content.xml" not in names:
        raise FileRejected("file.unreadable", "thiếu xl/workbook.xml / not an xlsx or ods workbook")
    try:  # the members are known to inflate within bounds: now no DTD in any XML part
        with zipfile.ZipFile(path) as zf:
            part = dtd_part(zf)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileRejected("file.unreadable", f"tệp nén hỏng / corrupt zip: {exc}") from exc
    if part is not None:
        raise FileRejected("file.xml_dtd", part)


def head_is_ole(path: Path) -> bool:
    with path.open("rb") as fh:
        return fh.read(8).startswith(_OLE)


def _is_ods(path: Path) -> bool:
    with zipfile.ZipFile(path) as zf:
        return "content.xml" in zf.namelist() and "xl/workbook.xml" not in zf.namelist()


def check_workbook(path: Path, settings: Settings) -> None:
    """The bounds of a workbook of any supported kind, before anything parses it."""
    check_size(path, settings)
    with path.open("rb") as fh:
        head = fh.read(8)
    if head.startswith(_OLE):
        _check_ole(path)
    else:
        _check_zip(path, settings)


def read_xlsx(path: Path, settings: Settings) -> list[Sheet]:
    """All sheets of a workbook (.xlsx, .xls or .ods) as grids of cached cell values, or ``FileRejected``."""
    check_workbook(path, settings)
    try:
        workbook = CalamineWorkbook.from_path(str(path))
        visible = {m.name: m.visible == SheetVisibleEnum.Visible for m in workbook.sheets_metadata}
        ods = ods_merges(path) if not head_is_ole(path) and _is_ods(path) else {}
        sheets = []
        for name in workbook.sheet_names:
            sheet = workbook.get_sheet_by_name(name)
            cells = (sheet.total_height + 1) * (sheet.total_width + 1)  # last indices are 0-based
            if cells > settings.max_sheet_cells:
                raise FileRejected("file.too_large", f"sheet {name}: {sheet.total_height}x{sheet.total_width}")
            rows = sheet.to_python(skip_empty_area=False)  # from A1, so list position + 1 is the Excel row
            merged = list(sheet.merged_cell_ranges or ods.get(name, []))
            sheets.append(Sheet(name, [(i + 1, list(r)) for i, r in enumerate(rows)], visible.get(name, True), merged))
        return sheets
    except FileRejected:
        raise
    except PasswordError as exc:
        raise FileRejected("file.encrypted", "tệp được bảo vệ bằng mật khẩu / password-protected") from exc
    except Exception as exc:  # calamine raises its own error types for every kind of damage
        raise FileRejected("file.unreadable", f"{type(exc).__name__}: {exc}") from exc
