"""The extract as CSV: UTF-8 with a BOM, CRLF, one header row."""

from __future__ import annotations

import csv
import io
from pathlib import Path

import pandas as pd

from pdv.extracts.render.table import (
    Column,
    ExtractMeta,
    Table,
    Value,
    _pct_text,
    columns,
    neutralise,
    prepare,
)
from pdv.xlsxio import write_atomic

# --- CSV ------------------------------------------------------------------------------------------


def write_csv(path: Path, rows: pd.DataFrame | Table, meta: ExtractMeta) -> None:
    """UTF-8 with BOM (Excel needs it for Vietnamese), CRLF, one header row, the bloc total last."""
    table = prepare(rows)
    cols = columns()
    buf = io.StringIO(newline="")
    writer = csv.writer(buf, lineterminator="\r\n")
    writer.writerow([c.flat_header(meta.year) for c in cols])
    writer.writerows(zip(*(_csv_column(table.values[c.key], c) for c in cols), strict=True))
    write_atomic(path, buf.getvalue().encode("utf-8-sig"))


def _csv_column(values: list[Value], col: Column) -> list[str]:
    if col.kind == "int":
        return ["" if v is None else str(v) for v in values]
    if col.kind == "pct":
        return ["" if v is None else _pct_text(float(v)) for v in values]
    return [neutralise(str(v)) if v is not None else "" for v in values]
