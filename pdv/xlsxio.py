"""Workbooks written the same way everywhere: bytes that depend only on content, written atomically."""

from __future__ import annotations

import io
import os
import re
import tempfile
import zipfile
from datetime import datetime
from pathlib import Path

from openpyxl import Workbook
from openpyxl.writer.excel import ExcelWriter

FIXED_TIMESTAMP = datetime(2000, 1, 1)
_ZIP_DATE_TIME = (1980, 1, 1, 0, 0, 0)
_BIG_PART = 8 << 20  # bytes


def workbook_bytes(
    wb: Workbook,
    stamp: datetime = FIXED_TIMESTAMP,
    sheet_rows: dict[int, tuple[int, int, bytes]] | None = None,
) -> bytes:
    """The workbook as .xlsx bytes with fixed metadata and zip times, so equal content gives equal bytes.

    ``sheet_rows`` maps a sheet's position (1 is the first) to ``(first, last, xml)``: rows ``first`` to
    ``last`` as ``<row>`` elements written by the caller (big tables go that way), put into that sheet,
    where openpyxl must have written none.
    """
    inserts = {f"xl/worksheets/sheet{n}.xml": r for n, r in (sheet_rows or {}).items()}
    wb.properties.created = wb.properties.modified = stamp
    raw = io.BytesIO()
    # ExcelWriter rather than wb.save: save() stamps "modified" with the current time. Stored, not
    # deflated: every part is compressed once, below.
    ExcelWriter(wb, zipfile.ZipFile(raw, "w", zipfile.ZIP_STORED)).save()
    out = io.BytesIO()
    with zipfile.ZipFile(io.BytesIO(raw.getvalue())) as src, zipfile.ZipFile(out, "w") as dst:
        for info in src.infolist():
            entry = zipfile.ZipInfo(info.filename, date_time=_ZIP_DATE_TIME)
            entry.compress_type = zipfile.ZIP_DEFLATED
            entry.create_system = 3
            entry.external_attr = 0o644 << 16
            data = src.read(info.filename)
            if info.filename in inserts:
                data = _insert_rows(data, *inserts[info.filename])
            # A national sheet is tens of MB of XML: the fastest deflate level costs a little size and saves
            # most of the time. Smaller parts (every part at the bloc's size) keep the default level.
            dst.writestr(entry, data, compresslevel=1 if len(data) > _BIG_PART else None)
    return out.getvalue()



def _insert_rows(sheet: bytes, first: int, last: int, xml: bytes) -> bytes:
    """``xml``, rows ``first`` to ``last``, put into ``<sheetData>`` in row order."""
    start = sheet.index(b"<sheetData")
    end = sheet.index(b"</sheetData>") if b"</sheetData>" in sheet else -1
    if end < 0:  # an empty sheet: openpyxl wrote <sheetData/>
        tag = sheet.index(b"/>", start)
        return sheet[:tag] + b">" + xml + b"</sheetData>" + sheet[tag + 2 :]
    for m in _ROW.finditer(sheet, start, end):
        if first <= int(m.group(1)) <= last:
            raise ValueError(f"row {m.group(1).decode()} was written twice")
        if int(m.group(1)) > last:
            return sheet[: m.start()] + xml + sheet[m.start() :]
    return sheet[:end] + xml + sheet[end:]


_ROW = re.compile(rb'<row r="(\d+)"')


def write_atomic(path: Path, data: bytes, mode: int = 0o644) -> None:
    """Write through a temporary file in the same folder and rename: readers never see half a file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data)
        os.chmod(tmp, mode)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
