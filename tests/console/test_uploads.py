"""Upload names, staging and storing: no escape from the inbox, no second copy, corrections kept."""

from __future__ import annotations

from pathlib import Path

import pytest

from pdv.console import uploads
from pdv.settings import Settings


@pytest.mark.parametrize(
    ("original", "safe"),
    [
        ("../../x.xlsx", "x.xlsx"),
        ("..\\..\\windows\\x.XLSX", "x.xlsx"),
        ("/etc/passwd", "passwd"),
        ("Báo cáo tháng 5 (Sở Y tế).xlsx", "Bao_cao_thang_5_So_Y_te.xlsx"),
        ("đơn\x00vị\r\n.csv", "donvi.csv"),
        ("....xlsx", "bao-cao.xlsx"),
        ("", "bao-cao"),
        ("a" * 300 + ".xlsx", "a" * 80 + ".xlsx"),
    ],
)
def test_safe_name(original: str, safe: str) -> None:
    assert uploads.safe_name(original) == safe
    assert "/" not in safe and "\\" not in safe and not safe.startswith(".")


def _settings(tmp_path: Path) -> Settings:
    return Settings(raw_dir=tmp_path / "raw", warehouse_dir=tmp_path / "wh")


def _record(settings: Settings, name: str, content: bytes, unit: str | None = "SYT") -> dict[str, object]:
    token, path = uploads.stage(settings, name, content)
    return {
        "token": token,
        "staged_path": str(path),
        "original_name": name,
        "sha256": uploads.sha256_file(path),
        "period": "2024-05",
        "unit_code": unit,
    }


def test_store_is_atomic_named_and_not_twice(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    staged = _record(settings, "../../bao cao.xlsx", b"first")
    assert oct(Path(str(staged["staged_path"])).stat().st_mode & 0o777) == "0o600"
    rel, new = uploads.store(settings, staged, {})
    assert (rel, new) == ("reports/2024/05/SYT_bao_cao.xlsx", True)
    assert (settings.raw_dir / rel).read_bytes() == b"first"
    assert not Path(str(staged["staged_path"])).exists()
    known = uploads.inbox_hashes(settings, {})
    again = _record(settings, "other.xlsx", b"first")
    assert uploads.store(settings, again, known) == (rel, False)
    assert sorted(p.name for p in (settings.raw_dir / "reports/2024/05").iterdir()) == ["SYT_bao_cao.xlsx"]
    # a corrected file of the same name replaces it; the previous bytes are kept
    fixed = _record(settings, "bao cao.xlsx", b"second")
    assert uploads.store(settings, fixed, uploads.inbox_hashes(settings, {})) == (rel, True)
    assert (settings.raw_dir / rel).read_bytes() == b"second"
    kept = list((settings.console_dir / "replaced").iterdir())
    assert [p.read_bytes() for p in kept] == [b"first"]
    assert not list((settings.raw_dir / "reports/2024/05").glob(".upload-*"))


def test_consolidated_upload_is_filed_apart(tmp_path: Path) -> None:
    settings = _settings(tmp_path)
    rel, _ = uploads.store(settings, _record(settings, "tong hop.xlsx", b"x", unit=None), {})
    assert rel == "reports/2024/05/TONGHOP_tong_hop.xlsx"
