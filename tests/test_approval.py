"""Period approval: issue, lock, pending reports, reopen, re-issue with revisions, regenerate (both databases)."""

from __future__ import annotations

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import openpyxl
import pandas as pd
import pytest
from typer.testing import CliRunner

from pdv.approval import (
    ApprovalError,
    approve,
    check_issued,
    pending_submissions,
    regenerate,
    reopen,
)
from pdv.cli import app
from pdv.extracts.build import extract_period
from pdv.extracts.issued import folder
from pdv.settings import PROJECT_ROOT, Settings
from pdv.warehouse import Destination
from tests.helpers import run_pipeline

REPORTS = PROJECT_ROOT / "data" / "raw" / "reports" / "2024"
BIN = Path(sys.executable).parent
runner = CliRunner(env={"COLUMNS": "300"})
# CTHUE's March report says trained 3, candidate pool 4; the correction says 5 and 6, sent later.
CORRECTED_MARCH = (
    "Mã đơn vị,Tên đơn vị,Kỳ báo cáo,Kết nạp: Tổng số,Kết nạp: Đoàn viên thanh niên,Kết nạp: Đoàn viên công đoàn,"
    "Công nhận đảng viên chính thức,Học lớp bồi dưỡng nhận thức về Đảng,Quần chúng cảm tình Đảng (cuối kỳ),Ngày báo cáo\n"
    "CTHUE,Cục Thuế tỉnh Bình Định,2024-03,0,0,0,0,5,6,10/04/2024\n"
)


def add_months(raw: Path, *months: str) -> None:
    for month in months:
        shutil.copytree(REPORTS / month, raw / "reports" / "2024" / month)


def live(settings: Settings, period: str) -> Path:
    return settings.extracts_dir / period[:4] / period


def q1_figure(dest: Destination, unit: str, measure: str) -> int:
    frame = dest.read_sql(
        f"select {measure} from v_unit_progress where period = '2024-Q1' and scope = 'period'"
        " and view = 'as_is' and unit_code = :u",
        u=unit,
    )
    return int(frame.iloc[0, 0])


def manifest(path: Path) -> dict:  # type: ignore[type-arg]
    return json.loads((path / "manifest.json").read_text(encoding="utf-8"))


def files(path: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(path.iterdir()) if p.is_file()}


@pytest.mark.usefixtures("prefect_harness")
def test_approve_lock_reopen_reissue(settings: Settings, dest: Destination) -> None:
    add_months(settings.raw_dir, "01", "02", "03")
    run_pipeline(settings)
    first = approve(settings, "2024-Q1", "bantochuc", reason="Gửi Ban Tổ chức Tỉnh ủy")
    v1 = folder(settings, "2024-Q1", 1)
    assert first.version == 1 and first.folder == v1
    kept_v1 = files(v1)
    assert set(kept_v1) == {"manifest.json", "tien-do-2024-Q1.csv", "tien-do-2024-Q1.xlsx", "tien-do-2024-Q1.html"}
    # The issued CSV is the extract as it stood: the same bytes as the live one.
    assert kept_v1["tien-do-2024-Q1.csv"] == (live(settings, "2024-Q1") / "tien-do-2024-Q1.csv").read_bytes()
    m1 = manifest(v1)
    assert (m1["version"], m1["approved_by"], m1["revisions"], m1["previous_version"]) == (1, "bantochuc", [], None)
    locked = dest.read_sql("select month_start from locked_month where period = '2024-Q1' order by month_start")
    assert [str(d)[:7] for d in locked["month_start"]] == ["2024-01", "2024-02", "2024-03"]
    live_q1 = files(live(settings, "2024-Q1"))
    trained, pool = q1_figure(dest, "CTHUE", "trained"), q1_figure(dest, "CTHUE", "sympathizers_end")

    # A corrected March report, and April (not locked): April loads, March waits.
    (settings.raw_dir / "reports" / "2024" / "03" / "CTHUE_T03-2024_sua.csv").write_text(CORRECTED_MARCH, "utf-8-sig")
    (settings.raw_dir / "reports" / "2024" / "04").mkdir()
    for name in ("CTHUE_T04-2024_BM1.csv", "CTHUE_T04-2024_BM2.csv"):
        shutil.copy(REPORTS / "04" / name, settings.raw_dir / "reports" / "2024" / "04" / name)
    run_pipeline(settings)
    assert files(live(settings, "2024-Q1")) == live_q1
    assert files(v1) == kept_v1
    assert (q1_figure(dest, "CTHUE", "trained"), q1_figure(dest, "CTHUE", "sympathizers_end")) == (trained, pool)
    issues = dest.read_sql("select * from dq_issue where rule = 'period.locked'")
    assert issues[["file", "unit", "period", "severity", "status"]].values.tolist() == [
        ["reports/2024/03/CTHUE_T03-2024_sua.csv", "CTHUE", "2024-03", "warning", "open"]
    ]
    assert "2024-Q1" in issues.iloc[0]["message_vi"]
    april = dest.read_sql(
        "select f.is_current, f.admitted_total from fact_unit_month as f join source_file as s on s.file_id = f.file_id"
        " where s.path = 'reports/2024/04/CTHUE_T04-2024_BM1.csv'"
    )
    assert april.values.tolist() == [[True, 1]]
    waiting = pending_submissions(settings)
    assert set(waiting["path"]) == {"reports/2024/03/CTHUE_T03-2024_sua.csv"}
    row = waiting.set_index("measure").loc["trained"]
    assert (row["period"], row["locked_by"], row["pending"], row["difference"]) == ("2024-03", "2024-Q1", 5, 2)
    with pytest.raises(ApprovalError):
        approve(settings, "2024-Q1", "bantochuc")  # approved already: reopen first

    with pytest.raises(ApprovalError):
        reopen(settings, "2024-Q1", "totruong", "  ")  # a reason is required
    with pytest.raises(ApprovalError):
        approve(settings, "2024-Q2", "totruong", role="steward")  # stewards reopen, they do not approve
    opened = reopen(settings, "2024-Q1", "totruong", "Cục Thuế gửi lại báo cáo tháng 3", role="steward")
    assert (opened.version, opened.pending) == (1, 1)
    assert dest.read_sql("select * from locked_month").empty
    run_pipeline(settings)
    assert q1_figure(dest, "CTHUE", "trained") == trained - 3 + 5
    assert q1_figure(dest, "CTHUE", "sympathizers_end") == 6
    assert dest.read_sql("select status from dq_issue where rule = 'period.locked'")["status"].tolist() == ["resolved"]
    assert dest.read_sql("select status from pending_submission")["status"].tolist() == ["applied"]
    assert pending_submissions(settings).empty
    assert files(live(settings, "2024-Q1"))["tien-do-2024-Q1.csv"] != live_q1["tien-do-2024-Q1.csv"]

    second = approve(settings, "2024-Q1", "bantochuc")
    v2 = folder(settings, "2024-Q1", 2)
    assert second.version == 2 and files(v1) == kept_v1  # version 1 is kept as it was
    m2 = manifest(v2)
    assert m2["previous_version"] == 1
    assert sorted((r["unit_code"], r["measure"], r["old"], r["new"]) for r in m2["revisions"]) == [
        ("CTHUE", "sympathizers_end", pool, 6),
        ("CTHUE", "trained", trained, trained + 2),
    ]
    sheet = openpyxl.load_workbook(v2 / "tien-do-2024-Q1.xlsx")["Điều chỉnh số liệu"]
    assert "CTHUE" in [c.value for c in sheet["C"]]
    assert "Điều chỉnh số liệu" in (v2 / "tien-do-2024-Q1.html").read_text(encoding="utf-8")
    assert "Điều chỉnh số liệu" not in openpyxl.load_workbook(v1 / "tien-do-2024-Q1.xlsx").sheetnames

    audit = dest.read_sql("select actor, role, action, target, reason from audit_log order by acted_at, action")
    assert audit[["actor", "action", "target"]].values.tolist() == [
        ["bantochuc", "approve", "2024-Q1"],
        ["totruong", "reopen", "2024-Q1"],
        ["bantochuc", "approve", "2024-Q1"],
    ]
    assert audit.iloc[1]["reason"] == "Cục Thuế gửi lại báo cáo tháng 3"
    issued = dest.read_sql(
        "select version, status, trained from v_issued_progress where period = '2024-Q1' and unit_code = 'CTHUE'"
        " order by version"
    )
    assert issued.values.tolist() == [[1, "superseded", trained], [2, "issued", trained + 2]]

    # The next period notes the revision to Q1, so its year-to-date adds up.
    q2 = extract_period(dest, settings, "2024-Q2")
    assert sorted((r["period"], r["measure"]) for r in q2.manifest["revisions_earlier_periods"]) == [
        ("2024-Q1", "sympathizers_end"),
        ("2024-Q1", "trained"),
    ]

    # Reproducible byte for byte from the warehouse, every version, whatever happened since.
    assert check_issued(settings, "2024-Q1", 1) == (1, [])
    assert check_issued(settings, "2024-Q1") == (2, [])
    (v2 / "tien-do-2024-Q1.csv").unlink()
    assert regenerate(settings, "2024-Q1") == (2, v2)
    assert check_issued(settings, "2024-Q1") == (2, [])
    url = settings.database_url
    env = {"PDV_WAREHOUSE_DIR": str(settings.warehouse_dir)}
    ok = runner.invoke(app, ["extract", "--period", "2024-Q1", "--issued", "--check", "--warehouse", url], env=env)
    assert ok.exit_code == 0, ok.output
    data = (v1 / "manifest.json").read_bytes()
    (v1 / "manifest.json").write_bytes(data.replace(b'"bantochuc"', b'"someone"'))
    bad = runner.invoke(
        app, ["extract", "--period", "2024-Q1", "--issued", "--check", "--version", "1", "--warehouse", url], env=env
    )
    assert bad.exit_code == 1 and "manifest.json" in bad.output
    again = runner.invoke(
        app, ["extract", "--period", "2024-Q1", "--issued", "--version", "1", "--warehouse", url], env=env
    )
    assert again.exit_code == 0, again.output
    assert (v1 / "manifest.json").read_bytes() == data


@pytest.mark.usefixtures("prefect_harness")
def test_cli_approve_and_reopen(settings: Settings, dest: Destination) -> None:
    add_months(settings.raw_dir, "01")
    run_pipeline(settings)
    url = settings.database_url
    env = {"PDV_WAREHOUSE_DIR": str(settings.warehouse_dir)}
    out = runner.invoke(app, ["approve", "2024-Q1", "--by", "bantochuc", "--warehouse", url], env=env)
    assert out.exit_code == 0, out.output
    assert folder(settings, "2024-Q1", 1).is_dir()
    no_reason = runner.invoke(app, ["reopen", "2024-Q1", "--by", "x", "--reason", "", "--warehouse", url], env=env)
    assert no_reason.exit_code == 2 and "lý do" in no_reason.output
    bad_role = runner.invoke(
        app, ["reopen", "2024-Q1", "--by", "x", "--reason", "r", "--role", "unit", "--warehouse", url], env=env
    )
    assert bad_role.exit_code == 2
    done = runner.invoke(app, ["reopen", "2024-Q1", "--actor", "x", "--reason", "sửa", "--warehouse", url], env=env)
    assert done.exit_code == 0, done.output
    unknown = runner.invoke(app, ["approve", "2023-Q1", "--by", "x", "--warehouse", url], env=env)
    assert unknown.exit_code == 2 and "chưa có số liệu" in unknown.output
    assert runner.invoke(app, ["pending", "--format", "json", "--warehouse", url], env=env).stdout.strip() == "[]"


@pytest.mark.usefixtures("prefect_harness")
@pytest.mark.parametrize("point", ["approve", "approve-files"])
def test_sigkill_during_approval_leaves_it_approved_or_not(
    settings: Settings, dest: Destination, tmp_path: Path, point: str
) -> None:
    add_months(settings.raw_dir, "01")
    run_pipeline(settings)
    marker = tmp_path / "paused"
    env = os.environ | {
        "PDV_WAREHOUSE_DIR": str(settings.warehouse_dir),
        "PDV_PAUSE_AT": point,
        "PDV_PAUSE_FILE": str(marker),
    }
    victim = subprocess.Popen(
        [str(BIN / "pdv"), "approve", "2024-Q1", "--by", "bantochuc", "--warehouse", settings.database_url],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    deadline = time.monotonic() + 120
    while not marker.exists():
        assert victim.poll() is None, victim.communicate()[0][-3000:]
        assert time.monotonic() < deadline, f"the approval never reached {point}"
        time.sleep(0.1)
    os.kill(victim.pid, signal.SIGKILL)
    victim.wait(30)
    dest.dispose()
    for table in ("period_approval", "locked_month", "fact_issued_progress", "fact_issued_month", "audit_log"):
        assert dest.read_sql(f"select * from {table}").empty, table
    done = approve(settings, "2024-Q1", "bantochuc")  # not approved, so it can be approved now, as version 1
    assert done.version == 1
    assert check_issued(settings, "2024-Q1") == (1, [])
    assert [p.name for p in folder(settings, "2024-Q1", 1).parent.iterdir()] == ["v1"]
    assert not pd.isna(dest.read_sql("select approved_at from period_approval").iloc[0, 0])
