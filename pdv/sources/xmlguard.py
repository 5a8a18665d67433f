"""No DTD in any XML part of a zipped office file (OOXML or OpenDocument), checked before parsing.

The formats never need a DTD; a declared DTD or entity is how entity-expansion and external-entity
attacks start, and not every reader refuses them. Parts are streamed (never read whole) and bounded
by the sizes the zip declares, which the caller has already checked.
"""

from __future__ import annotations

import re
import zipfile

# "<!DOCTYPE" / "<!ENTITY" in UTF-8 (and ASCII-compatible encodings) and in UTF-16 either way round.
_MARKERS = [
    re.compile(rb"<!\s*(DOCTYPE|ENTITY)"),
    re.compile(rb"<\0!\0(?:\s\0)*(D\0O\0C\0T\0Y\0P\0E|E\0N\0T\0I\0T\0Y)\0"),
    re.compile(rb"\0<\0!(?:\0\s)*\0(D\0O\0C\0T\0Y\0P\0E|E\0N\0T\0I\0T\0Y)"),
]
_XML_SUFFIXES = (".xml", ".rels", ".vml")
_CHUNK = 1 << 16
_OVERLAP = 64


def _is_xml(name: str, head: bytes) -> bool:
    if name.lower().endswith(_XML_SUFFIXES):
        return True
    stripped = head.lstrip(b"\xef\xbb\xbf\xff\xfe\0 \r\n\t")
    return stripped.startswith((b"<", b"<\0"))


def dtd_part(zf: zipfile.ZipFile) -> str | None:
    """The name of the first XML part that declares a DTD or an entity, or None."""
    for info in zf.infolist():
        if info.is_dir():
            continue
        with zf.open(info) as fh:
            tail = b""
            first = True
            while chunk := fh.read(_CHUNK):
                if first and not _is_xml(info.filename, chunk[:16]):
                    break
                first = False
                window = tail + chunk
                if any(m.search(window) for m in _MARKERS):
                    return info.filename
                tail = window[-_OVERLAP:]
    return None
