"""Property: a valid report with any furniture added and its text re-encoded in TCVN3 or VNI loads the
same figures as the plain one."""

from __future__ import annotations

import csv
import datetime as dt
import sys
import tempfile
from pathlib import Path
from typing import Any

import openpyxl
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st

from pdv.ingest import RawFile, process_file, sha256_file
from pdv.reference import UnitRegistry
from pdv.settings import PROJECT_ROOT, Settings
from schemas.report import COUNTS

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"
sys.path.insert(0, str(REPORTS))
from make_corpus import SUMMARY, legacy  # noqa: E402

REGISTRY = UnitRegistry.load(PROJECT_ROOT / "data" / "raw" / "reference")
SETTINGS = Settings()
with (PROJECT_ROOT / "data" / "raw" / "reference" / "units.csv").open(encoding="utf-8") as fh:
    UNITS = [(r["unit_code"], r["unit_name"]) for r in csv.DictReader(fh)][:30]
FURNITURE = ["stt", "sections", "note", "footer", "extra_sheet", "hidden_sheet", "blank_zero", "title", "breaks"]

row = st.tuples(
    st.sampled_from(UNITS),
    st.integers(1, 12),
    st.integers(0, 3),
    st.integers(0, 3),
    st.integers(0, 4),
    st.integers(0, 20),
)


def write(path: Path, rows: list[tuple[Any, ...]], furniture: set[str], encoding: str | None) -> None:
    wb = openpyxl.Workbook()
    wb.remove(wb.active)
    if "extra_sheet" in furniture:
        wb.create_sheet("HuongDan").append(["Hướng dẫn: điền số liệu vào trang Tổng hợp"])
    ws = wb.create_sheet("TongHop")
    out: list[list[Any]] = []
    if "title" in furniture:
        out += [["ĐẢNG ỦY KHỐI"], ["BÁO CÁO KẾT QUẢ PHÁT TRIỂN ĐẢNG VIÊN"], []]
    header = [h.replace(": ", ":\n") for h in SUMMARY] if "breaks" in furniture else list(SUMMARY)
    out.append(header)
    for i, ((code, name), month, youth, union, recognized, pool) in enumerate(rows):
        if "sections" in furniture and i % 2 == 0:
            out.append([None, ["I. ĐẢNG BỘ CƠ SỞ", "II. Chi bộ cơ sở", "A."][i % 3]])
        blank = "blank_zero" in furniture
        counts = [youth + union, youth, union, recognized, 0, pool]
        cells = [None if blank and v == 0 and j > 0 else v for j, v in enumerate(counts)]
        out.append([code, name, f"2024-{month:02d}", *cells, dt.date(2024, month, 28)])
    if "note" in furniture:
        out.append(["Ghi chú: số liệu tính đến cuối tháng"])
    if "footer" in furniture:
        out += [[], [None, None, None, None, "Quy Nhơn, ngày 05 tháng 1 năm 2025"]]
        out += [
            [None, "NGƯỜI LẬP BIỂU", None, None, "T/M ĐẢNG ỦY"],
            [None, "Nguyễn Thị Lan", None, None, "Lê Văn Hùng"],
        ]
    stt = "stt" in furniture
    for n, cells in enumerate(out):
        if encoding is not None:
            cells = [legacy(v, encoding) if isinstance(v, str) else v for v in cells]
        ws.append(([("STT" if cells and cells[0] == header[0] else n)] if stt else []) + list(cells))
    if "hidden_sheet" in furniture:
        hidden = wb.create_sheet("DanhMuc")
        hidden.append(list(SUMMARY))
        hidden.append(["SYT", "Sở Y tế tỉnh Bình Định", "2024-01", 9, 9, 0, 0, 0, 0, None])
        hidden.sheet_state = "hidden"
    wb.save(path)


def load(path: Path) -> list[list[Any]]:
    raw = RawFile(path, f"reports/{path.name}", "report", sha256_file(path), path.stat().st_size)
    parsed = process_file(raw, REGISTRY, SETTINGS, [2024, 2025])
    assert parsed.summary is not None
    assert set(parsed.findings["rule"]) <= {"text.legacy_encoding"}, parsed.findings[["row", "rule", "value"]]
    frame = parsed.summary.sort_values(["unit_code", "period_month"])
    return frame[["unit_code", "period_month", *COUNTS]].values.tolist()


# No shrinking: each example writes and reads two workbooks, and a failure prints its example anyway.
@settings(
    max_examples=12,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow],
    phases=[Phase.explicit, Phase.reuse, Phase.generate],
)
@given(
    rows=st.lists(row, min_size=1, max_size=5, unique_by=lambda r: (r[0][0], r[1])),
    furniture=st.sets(st.sampled_from(FURNITURE)),
    encoding=st.sampled_from([None, "TCVN3", "VNI"]),
)
def test_furniture_and_legacy_text_load_the_same_figures(
    rows: list[tuple[Any, ...]], furniture: set[str], encoding: str | None
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        plain, dressed = Path(tmp) / "plain.xlsx", Path(tmp) / "dressed.xlsx"
        write(plain, rows, set(), None)
        write(dressed, rows, furniture, encoding)
        assert load(dressed) == load(plain)
