"""Hostile inputs (issue 13): nothing outside the raw directory is read, no file, cell or name stops a run.

The committed corpus is ``tests/data/hostile/`` (``make_hostile.py``); what git cannot hold is made
here in a temporary raw directory: symlinks, a FIFO, mode-000 entries, a name that is not UTF-8, a
tree 1,100 folders deep, a path over 4,096 characters and a 250-character file name.
"""

from __future__ import annotations

import json
import os
import shutil
import tracemalloc
import zipfile
import zlib
from collections.abc import Iterator
from pathlib import Path

import pandas as pd
import pytest
from typer.testing import CliRunner

from pdv.cli import app
from pdv.ingest import read_batch, scan
from pdv.settings import PROJECT_ROOT, Settings
from pdv.sources.zipbounds import ZipRejected, check_zip, limits_for
from pdv.steward import feedback_path
from pdv.warehouse import destination_for
from tests.data.hostile.make_hostile import _append_raw_member

HOSTILE = Path(__file__).parent / "data" / "hostile"
runner = CliRunner(env={"COLUMNS": "300"})
GOOD = ["reports/good_1_stp.csv", "reports/good_2_cthue.csv", "reports/good_3_bvdk.xlsx"]
BAD_NAME = os.fsdecode(b"latin\xe9\xff_BM1.csv")
LONG_NAME = "x" * 246 + ".csv"
DEEP = 1100
# File-level issues: every one of these is reported and never opened (or rejected whole).
FILE_LEVEL = {
    "reports/link_passwd.csv": "file.not_regular",
    "reports/link_outside.xlsx": "file.not_regular",
    "reports/link_pyproject.csv": "file.not_regular",
    "reports/linked_dir": "file.not_regular",
    "reports/fifo.csv": "file.not_regular",
    "reports/mode000.csv": "file.no_permission",
    "reports/locked_dir": "file.no_permission",
    "reports/latin\\xe9\\xff_BM1.csv": "file.bad_path",
    "reports/reject_dtd.xlsx": "file.xml_dtd",  # format 1.1: no DTD in any XML part
    "reports/reject_nul_byte.csv": "file.unreadable",
    "reports/reject_long_field.csv": "file.unreadable",
    "reports/reject_binary.csv": "file.unreadable",
    "reports/zip_duplicate_member.xlsx": "file.unreadable",
    "reports/zip_unreferenced_bomb.xlsx": "file.too_large",
}
# Row issues: (file, rule, row).
ROW_LEVEL = {
    *(("reports/count_oversized.csv", "summary.value_out_of_range", row) for row in range(2, 8)),
    ("reports/count_oversized.csv", "summary.value_negative", 8),  # -inf
    ("reports/count_oversized.xlsx", "summary.value_out_of_range", 2),
    ("reports/count_oversized.xlsx", "summary.value_out_of_range", 3),
    ("reports/count_other_digits.csv", "summary.value_missing", 2),
    ("reports/count_other_digits.csv", "summary.period_invalid", 3),
    ("reports/count_other_digits.csv", "summary.reported_on_invalid", 4),
    ("reports/ids_digit_forms.csv", "roster.duplicate_person", 3),  # full-width: the same id
    ("reports/ids_digit_forms.csv", "roster.national_id_invalid", 4),  # Arabic-Indic: no id
    *(("reports/markup_unit_names.csv", "summary.unknown_unit", row) for row in (2, 3, 4)),
    (f"reports/{LONG_NAME}", "summary.unknown_unit", 2),
    ("reports/esc\\x1b[31m.csv", "summary.unknown_unit", 2),
}


def _mkdir_deep(base: Path, names: list[str]) -> int:
    """Folders ``names`` nested under ``base`` (by directory fd: the full path may exceed PATH_MAX)."""
    fd = os.open(base, os.O_RDONLY | os.O_DIRECTORY)
    for name in names:
        os.mkdir(name, dir_fd=fd)
        child = os.open(name, os.O_RDONLY | os.O_DIRECTORY, dir_fd=fd)
        os.close(fd)
        fd = child
    return fd


def _write_at(fd: int, name: str, data: bytes) -> None:
    out = os.open(name, os.O_WRONLY | os.O_CREAT, 0o644, dir_fd=fd)
    os.write(out, data)
    os.close(out)
    os.close(fd)


def make_hostile_raw(raw: Path, outside: Path) -> None:
    """The committed corpus plus the file-system oddities, in ``raw/reports``."""
    reports = raw / "reports"
    for f in HOSTILE.iterdir():
        if f.suffix != ".py":
            shutil.copy(f, reports / f.name)
    outside.mkdir(exist_ok=True)
    shutil.copy(HOSTILE / "good_3_bvdk.xlsx", outside / "elsewhere.xlsx")
    (reports / "link_passwd.csv").symlink_to("/etc/passwd")
    (reports / "link_outside.xlsx").symlink_to(outside / "elsewhere.xlsx")
    (reports / "link_pyproject.csv").symlink_to(PROJECT_ROOT / "pyproject.toml")
    (reports / "linked_dir").symlink_to(outside, target_is_directory=True)
    os.mkfifo(reports / "fifo.csv")
    sgtvt = (HOSTILE / "good_1_stp.csv").read_bytes().replace(b"STP;", b"SGTVT;")
    (reports / "mode000.csv").write_bytes(sgtvt)
    (reports / "mode000.csv").chmod(0)
    (reports / "locked_dir").mkdir()
    (reports / "locked_dir" / "inside.csv").write_bytes(sgtvt)
    (reports / "locked_dir").chmod(0)
    with open(os.path.join(os.fsencode(reports), b"latin\xe9\xff_BM1.csv"), "wb") as fh:
        fh.write(sgtvt)
    _write_at(_mkdir_deep(reports, ["deep"] + ["d"] * DEEP), "x.csv", sgtvt)
    _write_at(_mkdir_deep(reports, ["long"] + ["p" * 250] * 17), "x.csv", sgtvt)  # > 4,096 characters
    bad_row = (HOSTILE / "good_1_stp.csv").read_bytes().replace(b"STP;S", b";Kh\xc3\xb4ng ph\xe1\xba\xa3i S")
    (reports / LONG_NAME).write_bytes(bad_row)
    (reports / "esc\x1b[31m.csv").write_bytes(bad_row.replace(b"Kh", b"Ch"))  # a control in a name: shown as \x1b everywhere


def _remove_deep(top: Path) -> None:
    """Delete a tree too deep for ``shutil.rmtree`` (recursive): lift each level up, then drop it."""
    spare = top.with_name(top.name + ".next")
    while top.exists():
        children = os.listdir(top)
        for name in children:
            if not (top / name).is_dir():
                (top / name).unlink()
        folders = [n for n in children if (top / n).is_dir()]
        if folders:
            os.rename(top / folders[0], spare)
        os.rmdir(top)
        if folders:
            os.rename(spare, top)


@pytest.fixture
def hostile(raw_dir: Path, tmp_path: Path) -> Iterator[Path]:
    """``raw_dir`` with the hostile corpus and oddities; the deep trees are removed afterwards."""
    make_hostile_raw(raw_dir, tmp_path / "outside")
    yield raw_dir
    for name in ("deep", "long"):
        _remove_deep(raw_dir / "reports" / name)
    (raw_dir / "reports" / "locked_dir").chmod(0o755)


def _deep_problems(found: list[tuple[str, str]]) -> dict[str, str]:
    return {rel.split("/", 2)[1]: rule for rel, rule in found if rel.startswith(("reports/deep/", "reports/long/"))}


# --- reading, no warehouse -----------------------------------------------------------------------


def test_walk_reports_every_oddity_without_opening_it(hostile: Path) -> None:
    files = {f.rel: f for f in scan(hostile)}  # a FIFO opened here would block the test forever
    for rel, rule in FILE_LEVEL.items():
        if rule in ("file.not_regular", "file.no_permission", "file.bad_path"):
            assert files[rel].problem is not None and files[rel].problem[0] == rule, rel
    assert _deep_problems([(r, f.problem[0]) for r, f in files.items() if f.problem]) == {
        "deep": "file.bad_path",
        "long": "file.bad_path",
    }
    assert all(f.problem is None for rel, f in files.items() if rel in GOOD)
    assert not any("inside.csv" in rel or "elsewhere" in rel for rel in files)  # not walked into


def test_read_batch_gives_file_and_row_issues(hostile: Path, tmp_path: Path) -> None:
    settings = Settings(raw_dir=hostile, warehouse_dir=tmp_path / "wh")
    parsed = read_batch([f for f in scan(hostile) if f.kind != "reference"], settings, None)
    by_rel = {p.raw.rel: p for p in parsed}
    for rel, rule in FILE_LEVEL.items():
        assert list(by_rel[rel].findings["rule"]) == [rule], rel
        assert by_rel[rel].status == "quarantined"
    found = {(p.raw.rel, r.rule, r.row) for p in parsed for r in p.findings.itertuples() if pd.notna(r.row)}
    assert found >= ROW_LEVEL
    for rel in GOOD:
        assert by_rel[rel].status == "loaded" and by_rel[rel].findings.empty
    bom = by_rel["reports/bom_mid_file.csv"]  # a BOM-only line and a repeated header are furniture
    assert bom.findings.empty and bom.rows_loaded == 2 and bom.rows_rejected == 0
    # The full-width id is the same person as the ASCII one (the first row loads, once).
    ids = by_rel["reports/ids_digit_forms.csv"]
    assert ids.roster is not None and list(ids.roster["source_row"]) == [2]


def test_unreferenced_zip_bomb_is_stopped_at_its_cap() -> None:
    path = HOSTILE / "zip_unreferenced_bomb.xlsx"
    tracemalloc.start()
    with pytest.raises(ZipRejected) as err:
        check_zip(path, limits_for(50 * 1024 * 1024, path.stat().st_size))
    _, peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    assert err.value.rule == "file.too_large" and "xl/media/unused.bin" in err.value.detail
    assert peak < 4 * 1024 * 1024  # streamed in chunks, never inflated whole (it holds 64 MB)


def test_zip_member_larger_than_declared_is_corrupt(tmp_path: Path) -> None:
    good = (HOSTILE / "good_3_bvdk.xlsx").read_bytes()
    body = zlib.compress(b"a" * 5000)[2:-4]  # raw deflate
    path = tmp_path / "lying.xlsx"
    path.write_bytes(_append_raw_member(good, "xl/extra.xml", body, declared=100, crc=zlib.crc32(b"a" * 5000)))
    assert "xl/extra.xml" in zipfile.ZipFile(path).namelist()
    with pytest.raises(ZipRejected) as err:
        check_zip(path, limits_for(50 * 1024 * 1024, path.stat().st_size))
    assert err.value.rule == "file.unreadable"


def test_duplicate_member_names_are_a_corrupt_file() -> None:
    with pytest.raises(ZipRejected) as err:
        check_zip(HOSTILE / "zip_duplicate_member.xlsx", limits_for(50 * 1024 * 1024, 10_000))
    assert err.value.rule == "file.unreadable" and "xl/worksheets/sheet1.xml" in err.value.detail


def test_validate_does_not_crash_on_markup(raw_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PDV_WAREHOUSE_DIR", str(tmp_path / "wh"))
    shutil.copy(HOSTILE / "markup_unit_names.csv", raw_dir / "reports")
    result = runner.invoke(app, ["validate", str(raw_dir / "reports"), "--raw", str(raw_dir)])
    assert result.exit_code == 1 and isinstance(result.exception, SystemExit), result.output
    assert "[/] x" in result.stdout and "[link=http://example.invalid]x[/link]" in result.stdout
    assert "\x1b" not in result.stdout and "Đỏ" in result.stdout
    args = ["validate", str(raw_dir / "reports"), "--raw", str(raw_dir), "--format", "json"]
    values = {i["value"] for i in json.loads(runner.invoke(app, args).stdout)}
    assert "[/] x" in values and any(v.startswith("\x1b[31mĐỏ\x1b[0m") for v in values)  # JSON stays exact


# --- the real run, on both databases ---------------------------------------------------------------


def _issue_keys(records: list[dict[str, object]]) -> set[tuple[object, ...]]:
    return {
        (r["file"], r["rule"], r["sheet"], r["row"], r["column"])
        for r in records
        if isinstance(r["file"], str) and r["file"].startswith("reports/")
    }


@pytest.mark.usefixtures("prefect_harness")
def test_run_and_validate_agree_on_every_hostile_case(
    hostile: Path, settings: Settings, monkeypatch: pytest.MonkeyPatch
) -> None:
    assert settings.raw_dir == hostile
    monkeypatch.setenv("PDV_WAREHOUSE_DIR", str(settings.warehouse_dir))
    args = ["--warehouse", settings.database_url]
    result = runner.invoke(app, ["run", "--raw", str(settings.raw_dir), *args])
    assert result.exit_code == 0, result.output
    run_issues = json.loads(runner.invoke(app, ["issues", "--format", "json", *args]).stdout)
    checked = runner.invoke(
        app, ["validate", str(settings.raw_dir / "reports"), "--raw", str(settings.raw_dir), "--format", "json", *args]
    )
    assert checked.exit_code == 1, checked.output
    assert _issue_keys(run_issues) == _issue_keys(json.loads(checked.stdout))
    by_file = {}
    for issue in run_issues:
        by_file.setdefault(issue["file"], set()).add(issue["rule"])
    for rel, rule in FILE_LEVEL.items():
        assert by_file[rel] == {rule}, rel
    assert _deep_problems([(i["file"], i["rule"]) for i in run_issues if i["file"]]) == {
        "deep": "file.bad_path",
        "long": "file.bad_path",
    }
    assert {(i["file"], i["rule"], i["row"]) for i in run_issues} >= ROW_LEVEL

    dest = destination_for(settings.database_url)
    try:
        files = dest.read_sql("select path, status from source_file where is_current")
        loaded = dest.read_sql(
            "select u.unit_code from fact_unit_month f join dim_unit u on u.unit_key = f.unit_key where f.is_current"
        )
        admissions = dest.read_sql("select count(*) as n from fact_admission where is_current")
    finally:
        dest.dispose()
    status = dict(zip(files["path"], files["status"], strict=True))
    assert all(status[rel] == "loaded" for rel in GOOD)
    assert {"STP", "CTHUE", "BVDK", "SVHTT", "STNMT"} <= set(loaded["unit_code"])  # good files and the BOM one
    assert "SGTVT" not in set(loaded["unit_code"])  # the mode-000, linked, deep and bad-name copies: never read
    assert int(admissions["n"].iloc[0]) == 1  # one person, however the digits are written

    # Every rejected file has its feedback, under a bounded name; nothing from outside is in any.
    for rel in [*FILE_LEVEL, f"reports/{LONG_NAME}", "reports/reject_dtd.xlsx"]:
        out = feedback_path(settings, rel)
        assert out.is_file(), rel
        assert len(out.name.encode()) <= 160
    for out in settings.feedback_dir.rglob("*.xlsx"):
        text = _xlsx_text(out)
        assert "root:x:0:0" not in text and "[project]" not in text
    assert "Traceback" not in result.output
    table = runner.invoke(app, ["issues", *args])
    assert table.exit_code == 0 and "\x1b" not in table.stdout and "[/] x" in table.stdout

    again = runner.invoke(app, ["run", "--raw", str(settings.raw_dir), *args])
    assert again.exit_code == 0 and "nothing_new" in again.output, again.output


def _xlsx_text(path: Path) -> str:
    with zipfile.ZipFile(path) as zf:
        return "".join(zf.read(n).decode("utf-8", "replace") for n in zf.namelist() if n.endswith(".xml"))
