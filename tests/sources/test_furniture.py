"""drop_furniture against a plain statement of its rule, on tables of data, notes, dates and signatures."""

from __future__ import annotations

import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from pdv.sources.furniture import FIGURES, drop_furniture, furniture_kind

CELLS = st.sampled_from(
    ["", "", "5", "0", "12", "SYT", "Sở Y tế", "Ghi chú: số liệu tạm", "Lưu ý", "Người lập biểu",
     "Bí thư", "ngày 5 tháng 4 năm 2024", "T/M Ban Thường vụ", "Nguyễn Văn A", "Tổng cộng"]
)  # fmt: skip
MAPPING = {1: "unit_code", 2: "unit_name", 3: "admitted_total", 4: "admitted_youth"}  # column 0: STT, unmapped


def expected_keep(text: np.ndarray) -> np.ndarray:
    """The rule, cell by cell: a row is kept if it has a figure, holds data (a filled mapped cell that is
    not furniture) and stands above the first closing row (only furniture, one of it a date or signature)."""
    keep = []
    closed = False
    for row in text:
        kinds = [furniture_kind(v) for v in row]
        data = any(row[i] != "" and kinds[i] == "" for i in MAPPING)
        figure = any(row[i] != "" for i, c in MAPPING.items() if c in FIGURES["summary"])
        closed = closed or (not data and any(k in ("place_date", "signature") for k in kinds))
        keep.append(figure and data and not closed)
    return np.array(keep, dtype=bool)


@settings(max_examples=150, deadline=None)
@given(st.lists(st.lists(CELLS, min_size=5, max_size=5), max_size=12))
def test_drop_furniture_follows_its_rule(rows: list[list[str]]) -> None:
    text = np.array(rows, dtype=object).reshape(len(rows), 5)
    assert drop_furniture("summary", text, MAPPING).tolist() == expected_keep(text).tolist()


def test_a_signature_block_ends_the_table() -> None:
    text = np.array(
        [["1", "SYT", "Sở Y tế", "5", "3"], ["", "", "Người lập biểu", "", ""], ["2", "STC", "Sở Tài chính", "4", "1"]],
        dtype=object,
    )
    assert drop_furniture("summary", text, MAPPING).tolist() == [True, False, False]
