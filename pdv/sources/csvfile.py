"""CSV files from units: detect the encoding (not guess it wrong) and the delimiter."""

from __future__ import annotations

import codecs
import csv
import io
from pathlib import Path

from pdv.settings import Settings
from pdv.sources.legacy import looks_legacy
from pdv.sources.spreadsheet import FileRejected, Sheet, check_size

# Letters that exist in Vietnamese text; a Windows-1258 decode of UTF-8 bytes (or the reverse)
# produces pairs like "Ã¡" that never occur in real text.
_MOJIBAKE = ("Ã", "Â¡", "Ä‘", "áº", "á»")
_INVISIBLE = " \t\ufeff\u200b"


def decode(data: bytes) -> str:
    """Text of a unit's CSV: UTF-8 (with or without BOM), UTF-16, Windows-1258, or Windows-1252 holding
    TCVN3/VNI text (converted later, with the cells)."""
    if data.startswith(codecs.BOM_UTF8):
        return data[3:].decode("utf-8")
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return data.decode("utf-16")
    if len(data) >= 4 and data[1:2] == b"\0" and data[3:4] == b"\0":
        return data.decode("utf-16-le")
    if len(data) >= 4 and data[0:1] == b"\0" and data[2:3] == b"\0":
        return data.decode("utf-16-be")
    if b"\0" in data:
        raise FileRejected("file.unreadable", "tệp nhị phân, không phải CSV / binary data, not a CSV file")
    try:
        return data.decode("utf-8")
    except UnicodeDecodeError:
        pass
    latin = data.decode("cp1252", errors="replace")
    if looks_legacy(latin):
        return latin
    text = data.decode("cp1258", errors="replace")
    if "\ufffd" in text or any(m in text for m in _MOJIBAKE):
        raise FileRejected("file.unreadable", "không nhận ra bảng mã ký tự / unknown text encoding")
    return text


def read_csv(path: Path, settings: Settings) -> Sheet:
    """A CSV file as one grid, rows numbered by their line in the file."""
    check_size(path, settings)
    text = decode(path.read_bytes())
    if not text.strip():
        raise FileRejected("file.empty", "không có dữ liệu / no data")
    # Lines that are blank once BOMs and zero-width spaces go (files pasted together) say nothing
    # about the delimiter, and make the sniffer give up.
    sample = "\n".join(line for line in text[:20000].splitlines() if line.strip(_INVISIBLE))
    try:
        dialect: type[csv.Dialect] | csv.Dialect = csv.Sniffer().sniff(sample, delimiters=",;\t")
    except csv.Error:
        dialect = csv.excel
    reader = csv.reader(io.StringIO(text, newline=""), dialect)
    rows: list[tuple[int, list[object]]] = []
    start = 1
    try:
        for cells in reader:
            rows.append((start, list(cells)))
            start = reader.line_num + 1
            if len(rows) * max(1, len(cells)) > settings.max_sheet_cells:
                raise FileRejected("file.too_large", f"hơn {settings.max_sheet_cells} ô / too many cells")
    except csv.Error as exc:
        raise FileRejected("file.unreadable", f"CSV hỏng / malformed CSV: {exc}") from exc
    return Sheet(path.name, rows)
