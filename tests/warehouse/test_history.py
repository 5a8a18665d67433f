"""Units that change (issue 5), end to end on both databases: merges mid-year, a rename, a
dissolution, the two views of every aggregate, and a change-list edit that recomputes only the
periods it affects."""

from __future__ import annotations

import csv
import uuid
from datetime import datetime
from pathlib import Path

import pandas as pd
import pytest

from flows.pipeline import loaded_copies, new_versions
from pdv.column_maps import display_headers
from pdv.extracts.build import ExtractResult, extract_all
from pdv.history import UnitHistory
from pdv.ingest import read_batch, scan
from pdv.settings import Settings
from pdv.warehouse import Destination
from pdv.warehouse.load import RunSummary, current_persons, current_versions, load_run

CHANGES = [
    # change_id, effective_date, kind, predecessors, successors, new_name, new_parent, target_youth, target_union
    ("M1", "01/07/2025", "merge", "STNMT;SNNPTNT", "SNNMT", "", "DUK", "", ""),
    ("M2", "01/07/2025", "merge", "SVHTT;SDL", "SVHTTDL", "", "DUK", "6", "3"),
    ("R1", "01/04/2025", "rename", "TCT", "", "Trường Chính trị tỉnh Gia Lai", "", "", ""),
    ("D1", "01/05/2025", "dissolve", "SNV", "", "", "", "", ""),
    ("MV", "07/02/2025", "move", "BVDK;TCT", "", "", "DBUBND", "", ""),
]
NAMES = {
    "STNMT": "Sở Tài nguyên và Môi trường tỉnh Bình Định",
    "SNNPTNT": "Sở Nông nghiệp và phát triển nông thôn tỉnh Bình Định",
    "SNNMT": "Sở Nông nghiệp và Môi trường tỉnh Bình Định",
    "SVHTT": "Sở Văn hóa và Thể thao tỉnh Bình Định",
    "SDL": "Sở Du lịch tỉnh Bình Định",
    "SVHTTDL": "Sở Văn hóa, Thể thao và Du lịch tỉnh Bình Định",
    "SNV": "Sở Ngoại vụ tỉnh Bình Định",
    "BVDK": "Bệnh viện Đa khoa tỉnh Bình Định",
}
TCT_OLD, TCT_NEW = "Trường Chính trị tỉnh Bình Định", "Trường Chính trị tỉnh Gia Lai"


def write_changes(raw: Path, rows: list[tuple[str, ...]]) -> None:
    with (raw / "reference" / "unit_changes.csv").open("w", encoding="utf-8", newline="") as fh:
        out = csv.writer(fh)
        out.writerow(["change_id", "effective_date", "kind", "predecessors", "successors", "new_name",
                      "new_parent", "target_youth", "target_union", "note"])  # fmt: skip
        out.writerows([(*r, "") for r in rows])


def admitted(code: str, month: int) -> int:
    """A distinct, known number per unit and month."""
    return (sum(map(ord, code)) + 3 * month) % 4 + 1


def month_rows(month: int) -> list[tuple[str, int]]:
    """(name, admitted) of the consolidated report for a 2025 month, under the names of the time."""
    before = month < 7
    codes = ["BVDK", *(["STNMT", "SNNPTNT", "SVHTT", "SDL"] if before else ["SVHTTDL"])]
    if not before and month != 8:  # SNNMT's August comes from a stray report under an old name
        codes.append("SNNMT")
    if month <= 4:
        codes.append("SNV")
    rows = [(NAMES[c], admitted(c, month)) for c in codes]
    rows.append((TCT_OLD if month < 4 else TCT_NEW, admitted("TCT", month)))
    return rows


def write_report(path: Path, rows: list[tuple[str, int, int]]) -> None:
    """A summary CSV: (name, month, admitted) rows, all youth-union admissions."""
    head = display_headers("summary")
    cols = ["unit_name", "period", "admitted_total", "admitted_youth", "admitted_union", "recognized_full",
            "trained", "sympathizers", "reported_on"]  # fmt: skip
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.open("w", encoding="utf-8-sig", newline="") as fh:
        out = csv.writer(fh)
        out.writerow([head[c] for c in cols])
        for name, month, n in rows:
            out.writerow(
                [
                    name,
                    f"{month:02d}/2025",
                    n,
                    n,
                    0,
                    0,
                    0,
                    5,
                    f"03/{month + 1:02d}/2025" if month < 12 else "03/01/2026",
                ]
            )


@pytest.fixture
def history_raw(raw_dir: Path) -> Path:
    write_changes(raw_dir, CHANGES)
    for month in range(1, 13):
        write_report(
            raw_dir / "reports" / "2025" / f"tonghop-{month:02d}.csv", [(n, month, a) for n, a in month_rows(month)]
        )
    # After the merge, a report under a predecessor's name: counted for the successor, with a warning.
    write_report(raw_dir / "reports" / "2025" / "stnmt-08.csv", [(NAMES["STNMT"], 8, admitted("SNNMT", 8))])
    # After the dissolution: an error, not counted.
    write_report(raw_dir / "reports" / "2025" / "snv-06.csv", [(NAMES["SNV"], 6, 9)])
    return raw_dir


def run(settings: Settings, dest: Destination) -> list[ExtractResult]:
    """What ``pdv run`` does, without Prefect and the GX checkpoint: read, load, extract."""
    files = scan(settings.raw_dir)
    known = current_versions(dest)
    new = new_versions(files, known)
    parsed = read_batch([f for f, _ in new], settings, current_persons(dest), loaded=loaded_copies(files, known))
    summary = RunSummary(uuid.uuid4().hex, "succeeded")
    history = UnitHistory.load(settings.reference_dir)
    load_run(
        dest,
        summary,
        datetime.now(),
        str(settings.raw_dir),
        files,
        list(zip(parsed, [k for _, k in new], strict=True)),
        history,
    )
    return extract_all(dest, settings, changed_months=summary.changed_months)


def progress(dest: Destination, view: str, period: str, scope: str = "ytd") -> pd.DataFrame:
    return dest.read_sql(
        "select * from v_unit_progress where view = :v and period = :p and scope = :s", v=view, p=period, s=scope
    ).set_index("unit_code")


def annex(dest: Destination, *codes: str) -> int:
    frame = dest.read_sql(
        "select unit_code, target from fact_target where is_current and year = 2025 and source = 'total'"
    )
    return int(frame[frame["unit_code"].isin(codes)]["target"].sum())


def test_a_mid_year_merge_carries_admissions_and_targets(
    history_raw: Path, settings: Settings, dest: Destination
) -> None:
    run(settings, dest)
    now = progress(dest, "as_is", "2025")
    own = [admitted(c, m) for c in ("STNMT", "SNNPTNT") for m in range(1, 7)]
    after = [admitted("SNNMT", m) for m in range(7, 13)]  # August from the stray report
    assert now.loc["SNNMT", "admitted_total"] == sum(own) + sum(after)
    assert now.loc["SNNMT", "target_total"] == annex(dest, "STNMT", "SNNPTNT")
    assert now.loc["SVHTTDL", "target_total"] == 9 and now.loc["SVHTTDL", "target_youth"] == 6
    assert "STNMT" not in now.index
    was = progress(dest, "as_was", "2025")
    assert was.loc["SNNMT", "admitted_total"] == sum(after)
    assert was.loc["STNMT", "admitted_total"] == sum(admitted("STNMT", m) for m in range(1, 7))
    # Before the merge each predecessor holds its own target; after it the successor holds the sum.
    q1 = progress(dest, "as_was", "2025-Q1")
    assert q1.loc["STNMT", "target_total"] == annex(dest, "STNMT") and "SNNMT" not in q1.index
    assert was.loc["STNMT", "target_total"] == 0
    issue = dest.read_sql("select * from dq_issue where rule = 'unit.succeeded'")
    assert issue[["file", "unit", "period", "status"]].values.tolist() == [
        ["reports/2025/stnmt-08.csv", "STNMT", "2025-08", "open"]
    ]
    assert "Sở Nông nghiệp và Môi trường" in issue.iloc[0]["message_vi"]


def test_a_rename_changes_nothing_numerically(history_raw: Path, settings: Settings, dest: Destination) -> None:
    run(settings, dest)
    for period in ("2025-Q1", "2025-Q2", "2025-H2", "2025"):
        was, now = progress(dest, "as_was", period), progress(dest, "as_is", period)
        cols = ["admitted_total", "target_total", "reports_expected", "reports_received"]
        assert was.loc["TCT", cols].tolist() == now.loc["TCT", cols].tolist()
    assert progress(dest, "as_was", "2025-Q1").loc["TCT", "unit_name"] == TCT_OLD
    assert progress(dest, "as_is", "2025-Q1").loc["TCT", "unit_name"] == TCT_NEW
    assert progress(dest, "as_is", "2025").loc["TCT", "admitted_total"] == sum(admitted("TCT", m) for m in range(1, 13))


def test_a_dissolved_unit_stops_expecting_reports(history_raw: Path, settings: Settings, dest: Destination) -> None:
    run(settings, dest)
    year = progress(dest, "as_is", "2025")
    assert year.loc["SNV", "reports_expected"] == 4 == year.loc["SNV", "reports_received"]
    assert year.loc["SNV", "admitted_total"] == sum(admitted("SNV", m) for m in range(1, 5))
    completeness = dest.read_sql(
        "select reports_missing from v_report_completeness where view = 'as_was' and unit_code = 'SNV'"
        " and period = '2025' and scope = 'ytd'"
    )
    assert completeness.iloc[0, 0] == 0
    issue = dest.read_sql("select file, severity, period from dq_issue where rule = 'unit.dissolved'")
    assert issue.values.tolist() == [["reports/2025/snv-06.csv", "error", "2025-06"]]


def test_both_views_have_the_same_totals_in_every_period(
    history_raw: Path, settings: Settings, dest: Destination
) -> None:
    run(settings, dest)
    totals = dest.read_sql(
        "select view, period, scope, sum(target_total) as t, sum(admitted_total) as a, sum(reports_expected) as e,"
        " sum(reports_received) as r, sum(coalesce(sympathizers_end, 0)) as s"
        " from v_unit_progress group by view, period, scope"
    )
    assert len(totals) == 2 * 7 * 2
    pivot = totals.pivot_table(index=["period", "scope"], columns="view", values=["t", "a", "e", "r", "s"])
    for measure in ("t", "a", "e", "r", "s"):
        assert (pivot[(measure, "as_is")] == pivot[(measure, "as_was")]).all(), measure
    bloc = dest.read_sql("select view, admitted_total from v_bloc_progress where period = '2025' and scope = 'ytd'")
    assert bloc["admitted_total"].nunique() == 1
    committees = dest.read_sql(
        "select view, period, scope, sum(target_total) as t, sum(admitted_total) as a, sum(reports_expected) as e"
        " from v_committee_progress group by view, period, scope"
    ).merge(totals, on=["view", "period", "scope"], suffixes=("", "_units"))
    assert len(committees) == len(totals)
    for measure in ("t", "a", "e"):
        assert (committees[measure] == committees[f"{measure}_units"]).all(), measure


def test_committees_as_they_were_month_by_month(history_raw: Path, settings: Settings, dest: Destination) -> None:
    run(settings, dest)
    q1 = dest.read_sql(
        "select view, parent_code, admitted_total from v_committee_progress where period = '2025-Q1' and scope = 'ytd'"
    )
    was = q1[q1["view"] == "as_was"].set_index("parent_code")["admitted_total"]
    moved = sum(admitted(c, m) for c in ("BVDK", "TCT") for m in (2, 3))
    assert was["DBUBND"] == moved  # BVDK and TCT from February; January stays with the bloc
    now = q1[q1["view"] == "as_is"].set_index("parent_code")["admitted_total"]
    assert now["DBUBND"] == moved + sum(admitted(c, 1) for c in ("BVDK", "TCT"))
    assert was.sum() == now.sum()


def test_editing_the_change_list_recomputes_only_the_affected_periods(
    history_raw: Path, settings: Settings, dest: Destination
) -> None:
    run(settings, dest)
    before = dest.read_sql("select * from fact_unit_month where unit_code = 'BVDK' order by period_month")
    moved = [("M1", "01/10/2025", *CHANGES[0][2:]), *CHANGES[1:]]
    write_changes(history_raw, moved)
    results = run(settings, dest)
    # The merge now comes in October: July-September belong to the predecessors, and the successor's
    # own reports for those months precede it. 2024 does not change and is not rewritten (the 2025
    # extracts name the merge date beside the successor's predecessors, so all of them change).
    written = sorted(r.period for r in results if r.written)
    assert written == ["2025", "2025-H1", "2025-H2", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    assert dest.read_sql("select count(*) as n from source_file where run_id in (select run_id from load_run"
                         " order by started_at desc limit 1)").iloc[0, 0] == 0  # fmt: skip
    pd.testing.assert_frame_equal(
        before, dest.read_sql("select * from fact_unit_month where unit_code = 'BVDK' order by period_month")
    )
    stray = dest.read_sql("select status from dq_issue where rule = 'unit.succeeded'")
    assert stray["status"].tolist() == ["resolved"]  # STNMT still existed in August
    early = dest.read_sql("select count(*) as n from dq_issue where rule = 'unit.not_started' and status = 'open'")
    assert early.iloc[0, 0] == 2  # SNNMT's own July and September reports came before it existed
    q3 = progress(dest, "as_was", "2025-Q3")
    assert q3.loc["STNMT", "target_total"] == annex(dest, "STNMT")


def test_new_explicit_targets_rewrite_only_the_periods_that_end_after_the_change(
    history_raw: Path, settings: Settings, dest: Destination
) -> None:
    run(settings, dest)
    before = dest.read_sql("select * from dim_unit order by unit_key")
    write_changes(
        history_raw,
        [*CHANGES[:1], ("M2", "01/07/2025", "merge", "SVHTT;SDL", "SVHTTDL", "", "DUK", "8", "4"), *CHANGES[2:]],
    )
    results = run(settings, dest)
    assert sorted(r.period for r in results if r.written) == ["2025", "2025-H2", "2025-Q3", "2025-Q4"]
    assert progress(dest, "as_is", "2025").loc["SVHTTDL", "target_total"] == 12
    assert progress(dest, "as_is", "2025-H1").loc["SVHTTDL", "target_total"] == annex(dest, "SVHTT", "SDL")
    pd.testing.assert_frame_equal(before, dest.read_sql("select * from dim_unit order by unit_key"))


def test_a_new_month_recomputes_only_the_periods_it_falls_in(
    history_raw: Path, settings: Settings, dest: Destination
) -> None:
    december = history_raw / "reports" / "2025" / "tonghop-12.csv"
    held = december.read_bytes()
    december.unlink()
    run(settings, dest)
    december.write_bytes(held)
    results = run(settings, dest)
    assert sorted(r.period for r in results) == ["2025", "2025-H2", "2025-Q4"]
    assert all(r.written for r in results)
    assert sorted(p.name for p in (settings.extracts_dir / "2025").iterdir()) == sorted(
        ["2025", "2025-H1", "2025-H2", "2025-Q1", "2025-Q2", "2025-Q3", "2025-Q4"]
    )
    assert run(settings, dest) == []  # nothing new: no extract is even recomputed
