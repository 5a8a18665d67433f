"""Unit reports through the real flow, checked against the demo generator's independent truth."""

from __future__ import annotations

import hashlib
import hmac
import shutil
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from openpyxl.utils import get_column_letter

from pdv.settings import PROJECT_ROOT, Settings
from pdv.synthetic.demo import DemoResult
from pdv.warehouse import Destination, destination_for
from tests.demo_fixtures import raw_copy
from tests.helpers import DATA_TABLES, assert_same_state, run_pipeline, snapshot

pytestmark = pytest.mark.usefixtures("prefect_harness")
RAW = PROJECT_ROOT / "data" / "raw"
COUNTS = ["admitted_total", "admitted_youth", "admitted_union", "recognized_full", "trained", "sympathizers"]
REPORT_TABLES = {
    **DATA_TABLES,
    "fact_unit_month": "file_id, unit_key, period_month",
    "fact_admission": "file_id, person_key",
    "restricted_person": "person_key, file_id",
}


def current_reports(dest: Destination) -> pd.DataFrame:
    frame = dest.read_sql(
        "select u.unit_code, f.period_month, f.admitted_total, f.admitted_youth, f.admitted_union,"
        " f.recognized_full, f.trained, f.sympathizers, f.reported_on, s.path as file, f.sheet, f.source_row as row"
        " from fact_unit_month f join dim_unit u on u.unit_key = f.unit_key"
        " join source_file s on s.file_id = f.file_id where f.is_current"
    )
    frame["period"] = pd.to_datetime(frame["period_month"]).dt.strftime("%Y-%m")
    return frame


def test_current_reports_equal_the_inputs(loaded: tuple[Settings, Destination, DemoResult]) -> None:
    _, dest, demo = loaded
    cols = ["unit_code", "period", *COUNTS]
    got = current_reports(dest)[cols].sort_values(["unit_code", "period"]).reset_index(drop=True)
    want = demo.truth.summary[cols].sort_values(["unit_code", "period"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(got, want, check_dtype=False)


def test_every_fact_row_traces_to_its_source(loaded: tuple[Settings, Destination, DemoResult]) -> None:
    _, dest, demo = loaded
    got = current_reports(dest)
    got["reported_on"] = pd.to_datetime(got["reported_on"])
    want = demo.truth.summary.assign(reported_on=pd.to_datetime(demo.truth.summary["reported_on"]))
    merged = want.merge(got, on=["unit_code", "period"], suffixes=("", "_wh"))
    assert len(merged) == len(want)
    assert (merged["file"] == merged["file_wh"]).all()
    assert (merged["row"] == merged["row_wh"]).all()
    assert (merged["sheet"].fillna("") == merged["sheet_wh"].fillna("")).all()
    assert (merged["reported_on"] == merged["reported_on_wh"]).all()


def test_admissions_equal_the_roster_without_personal_data(loaded: tuple[Settings, Destination, DemoResult]) -> None:
    settings, dest, demo = loaded
    got = dest.read_sql(
        "select u.unit_code, a.period_month, a.person_key, a.gender, a.source, a.admitted_on, a.is_ethnic_minority"
        " from fact_admission a join dim_unit u on u.unit_key = a.unit_key where a.is_current"
    )
    roster = demo.truth.roster
    key = settings.id_hash_key.encode()
    expected_keys = {hmac.new(key, str(n).encode(), hashlib.sha256).hexdigest() for n in roster["national_id"]}
    assert set(got["person_key"]) == expected_keys and len(got) == len(roster)
    assert (got["gender"].value_counts().sort_index() == roster["gender"].value_counts().sort_index()).all()
    assert (got["source"].value_counts().sort_index() == roster["source"].value_counts().sort_index()).all()
    assert int(got["is_ethnic_minority"].sum()) == int((roster["ethnicity"] != "Kinh").sum())
    columns = set(dest.read_sql("select * from fact_admission where 1 = 0").columns)
    assert not columns & {"full_name", "birth_date", "national_id"}
    names = dest.read_sql("select full_name from restricted_person")["full_name"]
    assert set(roster["full_name"]) <= set(names)


def test_issues_are_exactly_the_deliberate_flaws(loaded: tuple[Settings, Destination, DemoResult]) -> None:
    _, dest, demo = loaded
    issues = dest.read_sql(
        "select file, sheet, row_number, rule, value, message_vi from dq_issue where file like 'reports/%'"
    )
    got = {
        (r.file, None if pd.isna(r.sheet) else r.sheet, None if pd.isna(r.row_number) else int(r.row_number), r.rule)
        for r in issues.itertuples()
    }
    assert got == set(demo.expected_issues)
    ids = set(demo.truth.roster["national_id"].astype(str))
    text = " ".join(issues["value"].fillna("")) + " ".join(issues["message_vi"])
    assert not any(i in text for i in ids), "a national id in clear text reached the issue records"


def test_the_checkpoint_runs_and_records_its_failures(loaded: tuple[Settings, Destination, DemoResult]) -> None:
    settings, dest, _ = loaded
    assert (settings.gx_dir / "index.html").exists()
    rules = set(dest.read_sql("select rule from dq_issue where scope = 'warehouse'")["rule"])
    assert rules == {"warehouse.summary_roster_mismatch"}  # the one deliberate roster/summary mismatch


def test_feedback_workbooks_mark_the_failing_cells(loaded: tuple[Settings, Destination, DemoResult]) -> None:
    settings, _, demo = loaded
    for file, sheet, row, _rule in demo.expected_issues:
        out = settings.feedback_dir / (file if file.endswith(".xlsx") else file + ".xlsx")
        assert out.exists(), out
        wb = openpyxl.load_workbook(out)
        assert "Danh sách lỗi" in wb.sheetnames
        if sheet is not None and row is not None:
            marked = [c for c in wb[sheet][row] if c.comment is not None]
            assert marked, (file, sheet, row)
            assert marked[0].fill.fgColor.rgb.endswith("FFC7CE")


def _subset(root: Path, demo_raw: Path, names: list[str]) -> Path:
    raw = raw_copy(root)
    for name in names:
        src = next((demo_raw / "reports").rglob(name))
        dst = raw / src.relative_to(demo_raw)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    return raw


@pytest.fixture
def small(demo: tuple[Path, DemoResult], tmp_path: Path, warehouse_url: str) -> Settings:
    """Three reports: one with an arithmetic slip, one with a negative count, one clean."""
    raw = _subset(tmp_path, demo[0], ["SVHTT_Quy3-2024.xlsx", "STC_6Thang-1-2024.xlsx", "BVDK_T03-2024.xlsx"])
    return Settings(raw_dir=raw, warehouse_dir=tmp_path / "wh", warehouse_url=warehouse_url)


def _set_cell(path: Path, sheet: str, ref: str, value: object) -> None:
    wb = openpyxl.load_workbook(path)
    wb[sheet][ref] = value
    wb.save(path)


def test_correct_and_rerun_resolves_the_issues(small: Settings) -> None:
    run_pipeline(small)
    dest = destination_for(small.database_url)
    issues = dest.read_sql(
        "select file, sheet, row_number, column_name, unit, period, rule from dq_issue"
        " where file like 'reports/%' order by file"
    )
    assert list(issues["rule"]) == ["summary.value_negative", "summary.admitted_arithmetic"]
    # 1. The unit corrects its workbook and the steward drops it in place of the old one.
    svhtt = next(small.raw_dir.rglob("SVHTT_Quy3-2024.xlsx"))
    bad = issues[issues["rule"] == "summary.admitted_arithmetic"].iloc[0]
    wb = openpyxl.load_workbook(svhtt)
    ws = wb[bad["sheet"]]
    row = int(bad["row_number"])
    header = {c.value: get_column_letter(c.column) for r in ws.iter_rows(max_row=row - 1) for c in r if c.value}
    youth, union = (ws[f"{header[h]}{row}"].value or 0 for h in ("Đoàn viên thanh niên", "Đoàn viên công đoàn"))
    total_letter = next(letter for text, letter in header.items() if text in ("Tổng số", "Tổng cộng"))
    ws[f"{total_letter}{row}"] = youth + union
    wb.save(svhtt)
    # 2. A corrected file for the other unit-month arrives under a new name.
    stc = next(small.raw_dir.rglob("STC_6Thang-1-2024.xlsx"))
    fixed = stc.with_name("STC_6Thang-1-2024_bo-sung.xlsx")
    shutil.copy2(stc, fixed)
    neg = issues[issues["rule"] == "summary.value_negative"].iloc[0]
    wb = openpyxl.load_workbook(fixed)
    ws = wb[neg["sheet"]]
    for cell in ws[int(neg["row_number"])]:
        if isinstance(cell.value, (int, float)) and cell.value < 0:
            cell.value = 0
    wb.save(fixed)
    summary = run_pipeline(small)
    assert summary.issues_resolved == 2
    after = dest.read_sql(
        "select rule, status, resolved_by_file from dq_issue where file like 'reports/%' order by rule"
    )
    assert after.values.tolist() == [
        ["summary.admitted_arithmetic", "resolved", svhtt.relative_to(small.raw_dir).as_posix()],
        ["summary.value_negative", "resolved", fixed.relative_to(small.raw_dir).as_posix()],
    ]
    period = pd.Timestamp(f"{bad['period']}-01").date()
    now = dest.read_sql(
        "select f.admitted_total, f.admitted_youth, f.admitted_union from fact_unit_month f"
        " join dim_unit u on u.unit_key = f.unit_key where f.is_current and u.unit_code = :u and f.period_month = :p",
        u=bad["unit"],
        p=period,
    )
    assert (
        len(now) == 1 and now.iloc[0]["admitted_total"] == now.iloc[0]["admitted_youth"] + now.iloc[0]["admitted_union"]
    )
    dest.dispose()


def test_a_later_submission_replaces_the_earlier_and_a_copy_changes_nothing(small: Settings) -> None:
    run_pipeline(small)
    dest = destination_for(small.database_url)
    bvdk = next(small.raw_dir.rglob("BVDK_T03-2024.xlsx"))
    shutil.copy2(bvdk, bvdk.with_name("BVDK_T03-2024 (copy).xlsx"))
    before = snapshot(dest, {k: v for k, v in REPORT_TABLES.items() if k not in ("source_file", "dq_issue")})
    run_pipeline(small)
    assert_same_state(
        before, snapshot(dest, {k: v for k, v in REPORT_TABLES.items() if k not in ("source_file", "dq_issue")})
    )
    assert dest.read_sql("select rule from dq_issue where rule = 'file.duplicate'").shape[0] == 1
    resent = bvdk.with_name("BVDK_T03-2024_lan2.xlsx")
    wb = openpyxl.load_workbook(bvdk)
    ws = wb[wb.sheetnames[0]]
    header_row = next(r for r in ws.iter_rows() if any(c.value == "Ngày báo cáo" for c in r))
    col = {c.value: c.column_letter for c in header_row}
    data_row = header_row[0].row + 1
    ws[f"{col['Ngày báo cáo']}{data_row}"] = pd.Timestamp("2024-04-20").to_pydatetime()
    ws[f"{col['Học lớp bồi dưỡng nhận thức về Đảng']}{data_row}"] = 99
    wb.save(resent)
    run_pipeline(small)
    rows = dest.read_sql(
        "select s.path, f.trained, f.is_current, f.superseded_by_file_id, f.is_on_time from fact_unit_month f"
        " join source_file s on s.file_id = f.file_id join dim_unit u on u.unit_key = f.unit_key"
        " where u.unit_code = 'BVDK' order by f.file_id"
    )
    current = rows[rows["is_current"]]
    assert current["path"].tolist() == [resent.relative_to(small.raw_dir).as_posix()]
    assert current["trained"].tolist() == [99] and not current["is_on_time"].iloc[0]
    old = rows[~rows["is_current"]]
    assert len(old) == 1 and old["superseded_by_file_id"].notna().all()
    dest.dispose()


def test_bad_files_are_reported_and_the_others_load(small: Settings) -> None:
    reports = small.raw_dir / "reports"
    (reports / "rong.xlsx").write_bytes(b"")
    (reports / "ngau-nhien.xlsx").write_bytes(bytes(range(256)) * 40)
    (reports / "ngau-nhien.csv").write_bytes(bytes(range(256)) * 40)
    (reports / "tieu-de-khong-lo.csv").write_text("Tên đơn vị;" * 200_000 + "\n", encoding="utf-8")
    (reports / "sai-bang-ma.csv").write_bytes("Tên đơn vị,Tháng\nSở Y tế,03/2024\n".encode("utf-16-le")[:-1])
    (reports / "bao-cao.docx").write_bytes(b"PK\x03\x04junk")
    run_pipeline(small)
    dest = destination_for(small.database_url)
    file_rules = dest.read_sql("select file, rule from dq_issue where rule like 'file.%' order by file")
    assert set(file_rules["file"]) == {
        f"reports/{n}"
        for n in (
            "rong.xlsx",
            "ngau-nhien.xlsx",
            "ngau-nhien.csv",
            "tieu-de-khong-lo.csv",
            "sai-bang-ma.csv",
            "bao-cao.docx",
        )
    }
    assert len(current_reports(dest)) == len(current_reports(dest).drop_duplicates(["unit_code", "period"])) > 0
    assert set(current_reports(dest)["unit_code"]) >= {"BVDK", "STC"}
    dest.dispose()


def test_validate_reports_exactly_what_the_run_recorded(loaded: tuple[Settings, Destination, DemoResult]) -> None:
    import json

    from typer.testing import CliRunner

    from pdv.cli import app

    settings, dest, _ = loaded
    result = CliRunner().invoke(
        app,
        [
            "validate",
            str(settings.raw_dir / "reports"),
            "--raw",
            str(settings.raw_dir),
            "--format",
            "json",
            "--warehouse",
            f"duckdb:///{settings.warehouse_dir / 'none' / 'absent.duckdb'}",
        ],
    )
    assert result.exit_code == 1
    keys = ["rule", "file", "sheet", "row", "column", "value", "unit", "period", "message_vi"]
    validated = pd.DataFrame(json.loads(result.stdout))[keys]
    run = dest.read_sql(
        "select rule, file, sheet, row_number as row, column_name as column, value, unit, period, message_vi"
        " from dq_issue where file like 'reports/%'"
    )

    def norm(frame: pd.DataFrame) -> list[tuple[object, ...]]:
        frame = frame.astype(object).where(frame.notna(), None)
        frame["row"] = pd.Series(
            [None if pd.isna(r) else int(r) for r in frame["row"]], index=frame.index, dtype=object
        )
        return sorted(map(tuple, frame.values.tolist()), key=str)

    assert norm(validated) == norm(run)
    assert not (settings.warehouse_dir / "none").exists()


def test_valid_reports_load_with_zero_issues(demo: tuple[Path, DemoResult], tmp_path: Path, warehouse_url: str) -> None:
    raw_demo, result = demo
    flawed = {f for f, *_ in result.expected_issues}
    # A CSV report is a pair: without its flawed half, the other half is incomplete.
    flawed |= {f.replace("_BM2.", "_BM1.") for f in flawed} | {f.replace("_BM1.", "_BM2.") for f in flawed}
    valid = [
        p for p in (raw_demo / "reports").rglob("*") if p.is_file() and p.relative_to(raw_demo).as_posix() not in flawed
    ]
    raw = _subset(tmp_path, raw_demo, [])
    for src in valid:
        dst = raw / src.relative_to(raw_demo)
        dst.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(src, dst)
    settings = Settings(raw_dir=raw, warehouse_dir=tmp_path / "wh", warehouse_url=warehouse_url)
    run_pipeline(settings)
    dest = destination_for(settings.database_url)
    issues = dest.read_sql("select rule, file from dq_issue where file like 'reports/%' or scope = 'warehouse'")
    assert issues.empty, issues
    truth = result.truth.summary[~result.truth.summary["file"].isin(flawed)]
    cols = ["unit_code", "period", *COUNTS]
    got = current_reports(dest)[cols].sort_values(["unit_code", "period"]).reset_index(drop=True)
    pd.testing.assert_frame_equal(
        got, truth[cols].sort_values(["unit_code", "period"]).reset_index(drop=True), check_dtype=False
    )
    dest.dispose()
