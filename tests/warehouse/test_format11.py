"""Format 1.1 in the warehouse: admitted once whatever the arrival order, and the empty roster sheet."""

from __future__ import annotations

import shutil
import uuid
from datetime import datetime
from pathlib import Path

import pandas as pd

from flows.pipeline import loaded_copies, new_versions
from pdv.history import UnitHistory
from pdv.ingest import read_batch, scan
from pdv.settings import Settings
from pdv.warehouse import Destination
from pdv.warehouse.load import RunSummary, current_persons, current_versions, load_run

REPORTS = Path(__file__).resolve().parents[1] / "data" / "reports"
MAY, JANUARY = "f11_order_a_may.xlsx", "f11_order_b_january.xlsx"


def run(settings: Settings, dest: Destination) -> None:
    """What ``pdv run`` does with the reports, without Prefect: read the new files, load them."""
    files = scan(settings.raw_dir)
    known = current_versions(dest)
    new = new_versions(files, known)
    parsed = read_batch([f for f, _ in new], settings, current_persons(dest), loaded=loaded_copies(files, known))
    load_run(
        dest,
        RunSummary(uuid.uuid4().hex, "succeeded"),
        datetime.now(),
        str(settings.raw_dir),
        files,
        list(zip(parsed, [k for _, k in new], strict=True)),
        UnitHistory.load(settings.reference_dir),
    )


def arrive(settings: Settings, *names: str) -> None:
    for name in names:
        shutil.copyfile(REPORTS / name, settings.raw_dir / "reports" / name)


def admissions(dest: Destination) -> list[tuple[str, str, bool]]:
    frame = dest.read_sql(
        "select s.path, cast(a.period_month as varchar) as month, a.is_current from fact_admission a"
        " join source_file s on s.file_id = a.file_id order by s.path"
    )
    return [(r.path, r.month[:7], bool(r.is_current)) for r in frame.itertuples()]


def open_issues(dest: Destination) -> list[tuple[str, str, int | None]]:
    frame = dest.read_sql(
        "select rule, file, row_number from dq_issue where status = 'open' and file like 'reports/%' order by file, rule"
    )
    return [(r.rule, r.file, None if pd.isna(r.row_number) else int(r.row_number)) for r in frame.itertuples()]


EXPECTED_ADMISSIONS = [(f"reports/{JANUARY}", "2024-01", True)]
EXPECTED_ISSUES = [
    # The later (May) admission is the error, and the May summary's count no longer matches its roster.
    ("cross.roster_count_mismatch", f"reports/{MAY}", 2),
    ("roster.duplicate_person", f"reports/{MAY}", 2),
]


def test_earliest_admission_wins_in_one_run(settings: Settings, dest: Destination) -> None:
    """Both files in one run: the May file's name sorts first, the January admission still stands."""
    arrive(settings, MAY, JANUARY)
    run(settings, dest)
    assert admissions(dest) == EXPECTED_ADMISSIONS
    assert open_issues(dest) == EXPECTED_ISSUES


def test_earliest_admission_wins_when_it_arrives_later(settings: Settings, dest: Destination) -> None:
    """May loaded first; January arrives in a later run: the error moves to the May row in one transaction."""
    arrive(settings, MAY)
    run(settings, dest)
    assert admissions(dest) == [(f"reports/{MAY}", "2024-05", True)]
    assert open_issues(dest) == []
    arrive(settings, JANUARY)
    run(settings, dest)
    assert admissions(dest) == EXPECTED_ADMISSIONS
    assert open_issues(dest) == EXPECTED_ISSUES
    names = dest.read_sql("select count(*) as n from restricted_person")["n"].iloc[0]
    assert int(names) == 1  # the moved row's personal data went with it
    before = dest.read_sql("select * from dq_issue order by issue_id")
    run(settings, dest)  # the same input again changes nothing
    pd.testing.assert_frame_equal(before, dest.read_sql("select * from dq_issue order by issue_id"))
    assert admissions(dest) == EXPECTED_ADMISSIONS


def test_earliest_admission_in_the_right_order(settings: Settings, dest: Destination) -> None:
    """January first, May later: the same end state as the other orders."""
    arrive(settings, JANUARY)
    run(settings, dest)
    arrive(settings, MAY)
    run(settings, dest)
    assert admissions(dest) == EXPECTED_ADMISSIONS
    assert open_issues(dest) == EXPECTED_ISSUES


def test_empty_roster_sheet_is_a_roster_of_zero(settings: Settings, dest: Destination) -> None:
    """Headers and no rows, two admitted in the summary: a count mismatch (error), not a missing roster."""
    arrive(settings, "f11_empty_roster_admitted.xlsx", "ok_empty_roster.xlsx")
    run(settings, dest)
    issues = dest.read_sql(
        "select rule, severity, file, message_vi from dq_issue where status = 'open' and file like 'reports/%'"
    )
    assert issues[["rule", "severity", "file"]].values.tolist() == [
        ["cross.roster_count_mismatch", "error", "reports/f11_empty_roster_admitted.xlsx"]
    ]
    assert "danh sách có 0 người" in issues["message_vi"].iloc[0]


def test_validate_checks_against_the_admissions_in_the_warehouse(settings: Settings, dest: Destination) -> None:
    """`pdv validate` reads the admissions in force (through the bare driver) for the once-only rule."""
    import json

    from typer.testing import CliRunner

    from pdv.cli import app

    arrive(settings, JANUARY)
    run(settings, dest)
    may = settings.raw_dir / "reports" / MAY
    shutil.copyfile(REPORTS / MAY, may)
    args = ["validate", str(may), "--raw", str(settings.raw_dir), "--format", "json", "--warehouse", dest.url]
    result = CliRunner().invoke(app, args)
    assert result.exit_code == 1, result.output
    found = {(i["rule"], i["file"], i["row"]) for i in json.loads(result.stdout)}
    assert ("roster.duplicate_person", f"reports/{MAY}", 2) in found
    assert "warehouse not readable" not in result.output
