"""The unit history derived from the registry and the change list (pure functions, no database)."""

from __future__ import annotations

from datetime import date

import pandas as pd

from pdv.history import CHANGE_COLUMNS, build_history, place

UNITS = pd.DataFrame(
    [
        ("A", "Đảng bộ", "Đơn vị A", "P"),
        ("B", "Đảng bộ", "Đơn vị B", "P"),
        ("C", "Đảng bộ", "Đơn vị C", ""),  # created by a change
        ("D", "Chi bộ", "Đơn vị D", "P"),
        ("E", "Đảng bộ", "Đơn vị E", "P"),
        ("F", "Đảng bộ", "Đơn vị F", ""),
    ],
    columns=["unit_code", "unit_type", "unit_name", "parent_code"],
)
PARENTS = {"P": "Cấp ủy P", "Q": "Cấp ủy Q"}


def changes(*rows: tuple[str, ...]) -> pd.DataFrame:
    frame = pd.DataFrame([(*r, *[""] * (len(CHANGE_COLUMNS) - len(r))) for r in rows], columns=CHANGE_COLUMNS)
    return frame.assign(_row=range(2, len(frame) + 2))


def test_a_merge_ends_the_predecessors_and_starts_the_successor() -> None:
    h = build_history(UNITS, changes(("m", "01/07/2025", "merge", "A;B", "C", "", "Q")), PARENTS)
    v = h.versions.set_index("unit_code")
    assert v.loc["A", "valid_to"] == date(2025, 6, 30) and v.loc["B", "valid_to"] == date(2025, 6, 30)
    assert v.loc["C", "valid_from"] == date(2025, 7, 1) and v.loc["C", "parent_name"] == "Cấp ủy Q"
    assert h.current_code() == {"A": "C", "B": "C", "C": "C", "D": "D", "E": "E"}
    assert [f.rule for f in h.findings] == ["changes.unit_never_created"]  # F


def test_moves_and_renames_make_versions_of_the_same_code() -> None:
    h = build_history(
        UNITS,
        changes(("mv", "07/02/2025", "move", "A;D", "", "", "Q"), ("rn", "01/07/2025", "rename", "A", "", "Tên mới")),
        PARENTS,
    )
    a = h.versions[h.versions["unit_code"] == "A"]
    assert a[["unit_name", "parent_code"]].values.tolist() == [["Đơn vị A", "P"], ["Đơn vị A", "Q"], ["Tên mới", "Q"]]
    assert a["valid_to"].tolist()[:2] == [date(2025, 2, 6), date(2025, 6, 30)]
    assert h.succession.empty


def test_bad_rows_are_reported_and_skipped_and_the_others_apply() -> None:
    h = build_history(
        UNITS,
        changes(
            ("x1", "31/02/2025", "merge", "A", "C"),
            ("x2", "01/03/2025", "explode", "A"),
            ("x3", "01/03/2025", "merge", "A;ZZ", "C"),
            ("x4", "01/03/2025", "move", "A", "", "", "NOPE"),
            ("x5", "01/03/2025", "merge", "A", "C", "", "", "năm"),
            ("ok", "01/04/2025", "dissolve", "D"),
            ("x6", "01/05/2025", "move", "D", "", "", "Q"),  # D no longer exists
        ),
        PARENTS,
    )
    bad = sorted((f.row, f.rule) for f in h.findings if f.rule == "changes.invalid")
    assert [r for r, _ in bad] == [2, 3, 4, 5, 6, 8]
    assert h.versions.set_index("unit_code").loc["D", "valid_to"] == date(2025, 3, 31)
    assert [c.change_id for c in h.changes] == ["ok"]


def test_targets_pass_to_the_successor_from_the_change_or_as_given() -> None:
    annex = pd.DataFrame(
        [("A", 2025, 5, 3, 2), ("B", 2025, 4, 4, 0), ("E", 2025, 6, 4, 2), ("E", 2026, 6, 4, 2)],
        columns=["unit_code", "year", "target_total", "target_youth", "target_union"],
    )
    h = build_history(
        UNITS,
        changes(("m", "01/07/2025", "merge", "A;B", "C"), ("s", "01/01/2026", "merge", "E", "F", "", "", "1", "1")),
        PARENTS,
    )
    held = h.held_targets(annex).set_index(["unit_code", "year", "valid_from"])
    assert held.loc[("A", 2025, date(2025, 1, 1)), "valid_to"] == date(2025, 6, 30)
    c = held.loc[("C", 2025, date(2025, 7, 1))]
    assert (c["target_total"], c["target_youth"], c["basis"]) == (9, 7, "inherited")
    f = held.loc[("F", 2026, date(2026, 1, 1))]
    assert (f["target_total"], f["basis"]) == (2, "explicit")
    assert ("E", 2026, date(2026, 1, 1)) not in held.index and ("E", 2025, date(2025, 1, 1)) in held.index


def test_a_split_passes_history_and_targets_to_the_first_successor() -> None:
    h = build_history(UNITS, changes(("s", "01/03/2025", "split", "A", "C;B")), PARENTS)
    assert h.current_code()["A"] == "C"
    assert h.succession[["successor_code", "is_principal"]].values.tolist() == [["C", True], ["B", False]]


def test_place_follows_successors_and_rejects_units_outside_their_life() -> None:
    h = build_history(
        UNITS, changes(("m", "15/07/2025", "merge", "A;B", "C"), ("d", "01/05/2025", "dissolve", "D")), PARENTS
    )
    codes = pd.Series(["A", "A", "A", "C", "D", "D", "E"])
    months = pd.to_datetime(
        pd.Series(["2025-06-01", "2025-07-01", "2025-08-01", "2025-06-01", "2025-04-01", "2025-05-01", "2025-01-01"])
    )
    got = place(h, codes, months)
    assert got["status"].tolist() == ["ok", "ok", "succeeded", "not_started", "ok", "ended", "ok"]
    assert got["unit_code"].tolist()[:3] == ["A", "A", "C"]
    assert got.loc[2, "since"] == date(2025, 7, 15) and got.loc[2, "successor"] == "C"
    assert got.loc[3, "since"] == date(2025, 7, 15) and got.loc[5, "since"] == date(2025, 5, 1)
