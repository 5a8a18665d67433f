"""The plan as the Board receives it: the .docx document (python-docx), read into the text form.

Paragraphs are the metadata, the table is the annex. The body is turned into the lines of the text
form, in document order (a paragraph is one line, a table row one tab-separated line), so both forms
go through the same parser and give the same result. A cell merged across columns or down rows is
written once, at its top-left, as the text form has it.
"""

from __future__ import annotations

import zipfile
from pathlib import Path

from pdv.settings import Settings
from pdv.sources.plan import PlanDocument, plan_from_text
from pdv.sources.spreadsheet import FileRejected, check_size
from pdv.sources.xmlguard import dtd_part

_RATIO_LIMIT = 200  # as for workbooks: real documents stay far below


def _check(path: Path, settings: Settings) -> None:
    check_size(path, settings)
    if not zipfile.is_zipfile(path):
        raise FileRejected("file.unreadable", "không phải tệp Word (.docx) / not a .docx document")
    try:
        with zipfile.ZipFile(path) as zf:
            infos = zf.infolist()
            declared = sum(i.file_size for i in infos)
            compressed = max(1, sum(i.compress_size for i in infos))
            if "word/document.xml" not in {i.filename for i in infos}:
                raise FileRejected("file.unreadable", "thiếu word/document.xml / not a .docx document")
            if declared > settings.max_file_bytes * 10 or declared / compressed > _RATIO_LIMIT:
                raise FileRejected("file.too_large", f"giải nén {declared} bytes / uncompressed size {declared}")
            part = dtd_part(zf)
    except (zipfile.BadZipFile, OSError, ValueError, EOFError) as exc:
        raise FileRejected("file.unreadable", f"tệp nén hỏng / corrupt zip: {exc}") from exc
    if part is not None:
        raise FileRejected("file.xml_dtd", part)


def docx_lines(path: Path) -> list[str]:
    """The document body as the lines of the text form."""
    from docx import Document
    from docx.table import Table
    from docx.text.paragraph import Paragraph

    document = Document(str(path))
    lines: list[str] = []
    for block in document.element.body.iterchildren():
        tag = block.tag.rsplit("}", 1)[-1]
        if tag == "p":
            lines.append(Paragraph(block, document).text)
        elif tag == "tbl":
            above: list[object] = []
            for row in Table(block, document).rows:
                cells = row.cells
                texts = []
                for i, cell in enumerate(cells):
                    repeated = (i > 0 and cell._tc is cells[i - 1]._tc) or (i < len(above) and cell._tc is above[i])
                    texts.append("" if repeated else cell.text)
                lines.append("\t".join(texts))
                above = [c._tc for c in cells]
    return lines


def read_plan_docx(path: Path, rel: str, settings: Settings) -> PlanDocument:
    """Read the plan and its annex from the .docx document."""
    _check(path, settings)
    try:
        lines = docx_lines(path)
    except FileRejected:
        raise
    except Exception as exc:  # python-docx and lxml raise their own errors for every kind of damage
        raise FileRejected("file.unreadable", f"{type(exc).__name__}: {exc}") from exc
    return plan_from_text("\n".join(line.replace("\r", "") for line in lines), rel)
