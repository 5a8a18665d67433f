"""Write the plan document as the Board receives it (.docx) from its text form, for the tests.

    .venv/bin/python tests/data/plan/make_docx.py

Each line of ``data/raw/plan/*.txt`` becomes a paragraph, and each run of tab-separated lines a
table; the annex's header block (STT | Đơn vị | Chỉ tiêu … over Năm 2024 | Năm 2025 over the three
measures) gets its merged cells, and it stays repeated after each page break, as in the document.
Dates and ids in the zip are fixed so the bytes are reproducible.
"""

from __future__ import annotations

import re
import zipfile
from pathlib import Path

from docx import Document

HERE = Path(__file__).resolve().parent
ROOT = HERE.parents[2]
FIXED_TIME = (2024, 3, 6, 0, 0, 0)


def _header_merges(table, top: int) -> None:  # type: ignore[no-untyped-def]
    """The annex's three header rows from ``top``: merged as the Board's document has them."""
    cell = table.cell
    cell(top, 0).merge(cell(top + 2, 0))  # STT down three rows
    cell(top, 1).merge(cell(top + 2, 2))  # Đơn vị: type and name, three rows
    cell(top, 3).merge(cell(top, 8))  # Chỉ tiêu phát triển đảng viên over both years
    cell(top + 1, 3).merge(cell(top + 1, 5))  # Năm 2024
    cell(top + 1, 6).merge(cell(top + 1, 8))  # Năm 2025


def write(text: Path, out: Path) -> None:
    lines = text.read_text(encoding="utf-8-sig").replace("\r\n", "\n").split("\n")
    document = Document()
    i = 0
    while i < len(lines):
        if "\t" not in lines[i]:
            document.add_paragraph(lines[i])
            i += 1
            continue
        block = []
        while i < len(lines) and "\t" in lines[i]:
            block.append(lines[i].split("\t"))
            i += 1
        width = max(len(r) for r in block)
        table = document.add_table(rows=len(block), cols=width)
        for r, fields in enumerate(block):
            for c, value in enumerate(fields):
                if value:
                    table.cell(r, c).text = value
        for r, fields in enumerate(block):
            if fields[0] == "STT" and width >= 9:
                _header_merges(table, r)
    document.core_properties.author = "pdv tests"
    raw = out.with_suffix(".tmp")
    document.save(str(raw))
    with zipfile.ZipFile(raw) as zf:
        parts = [(info.filename, zf.read(info.filename)) for info in zf.infolist()]
    with zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as zf:
        for name, data in parts:
            if name == "docProps/core.xml":
                data = re.sub(rb"(<dcterms:(created|modified)[^>]*>)[^<]*", rb"\g<1>2024-03-06T00:00:00Z", data)
            zf.writestr(zipfile.ZipInfo(name, FIXED_TIME), data, zipfile.ZIP_DEFLATED)
    raw.unlink()


def main() -> None:
    text = next((ROOT / "data" / "raw" / "plan").glob("*.txt"))
    write(text, HERE / f"{text.stem}.docx")


if __name__ == "__main__":
    main()
