"""``pdv init``: a new raw directory for a Board that starts from its own plan."""

from __future__ import annotations

import csv
import re
import shutil
from pathlib import Path

from pdv.errors import UserError
from pdv.reference import ALIASES_FILE, CHANGES_FILE, COMMITTEES_FILE, UNITS_FILE
from pdv.settings import get_settings

# The headers the readers expect (pdv/reference.py, pdv/history.py): written empty for the stewards.
HEADERS = {
    UNITS_FILE: ["unit_code", "unit_type", "unit_name", "parent_code"],
    ALIASES_FILE: ["alias", "unit_code", "note"],
    COMMITTEES_FILE: ["parent_code", "parent_name"],
    CHANGES_FILE: [
        "change_id",
        "effective_date",
        "kind",
        "predecessors",
        "successors",
        "new_name",
        "new_parent",
        "target_youth",
        "target_union",
        "note",
    ],
}
BLOC_CODE = "KHOI"
_STOP = {"tinh", "thanh", "pho"}  # "tỉnh Bình Định" and the like carry no information inside one province


def unit_code(name: str, taken: set[str]) -> str:
    """A short code from a unit's name: initials of its words before the province, made unique."""
    from pdv.textnorm import ascii_key

    words = re.findall(r"[a-z0-9]+", ascii_key(name).replace("đ", "d"))
    if "tinh" in words:
        words = words[: words.index("tinh")]
    base = "".join(w[0] for w in words if w not in _STOP).upper() or "DV"
    code, n = base, 1
    while code in taken:
        n += 1
        code = f"{base}{n}"
    taken.add(code)
    return code


def init_raw(target: Path, plan: Path) -> tuple[Path, int]:
    """Create ``target/{plan,reports,reference}`` with units derived from the plan's annex."""
    from pdv.sources.plan import read_annex_xlsx, read_plan_text
    from pdv.sources.spreadsheet import FileRejected

    if target.exists() and any(target.iterdir()):
        raise UserError(
            f"Thư mục {target} đã có dữ liệu: chọn một thư mục mới (trống).",
            f"{target} is not empty: choose a new, empty folder.",
        )
    readers = {".txt": read_plan_text, ".xlsx": read_annex_xlsx}
    reader = readers.get(plan.suffix.lower())
    if reader is None or not plan.is_file():
        raise UserError(
            f"Không đọc được văn bản kế hoạch {plan}: cần tệp .txt (văn bản kế hoạch) hoặc .xlsx (phụ lục).",
            f"Cannot read the plan {plan}: give the plan document (.txt) or its annex workbook (.xlsx).",
        )
    try:
        doc = reader(plan, plan.name, get_settings())
    except FileRejected as exc:
        raise UserError(
            f"Không đọc được văn bản kế hoạch {plan}: {exc}", f"Cannot read the plan {plan}: {exc}"
        ) from exc
    if doc.annex is None or doc.annex.frame.empty:
        raise UserError(
            f"Không tìm thấy bảng phụ lục giao chỉ tiêu trong {plan}: cần bảng có cột STT, Đơn vị và các năm.",
            f"No annex target table in {plan}: it needs the STT / Đơn vị / year columns.",
        )
    units = doc.annex.frame.drop_duplicates("unit_name")[["unit_type", "unit_name"]]
    taken: set[str] = set()
    rows = [[unit_code(name, taken), kind, name, BLOC_CODE] for kind, name in units.itertuples(index=False)]
    reference = target / "reference"
    for folder in (target / "plan", target / "reports", reference):
        folder.mkdir(parents=True, exist_ok=True)
    shutil.copy2(plan, target / "plan" / plan.name)
    for name, header in HEADERS.items():
        with (reference / name).open("w", encoding="utf-8", newline="") as fh:
            writer = csv.writer(fh)
            writer.writerow(header)
            if name == UNITS_FILE:
                writer.writerows(rows)
            if name == COMMITTEES_FILE:
                writer.writerow([BLOC_CODE, "Đảng bộ Khối"])
    return reference / UNITS_FILE, len(rows)
