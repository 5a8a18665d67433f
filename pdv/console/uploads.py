"""Uploads from the console: bounded, validated like ``pdv validate``, then stored atomically in the inbox.

An upload is first *staged* (written under ``console/staging`` with a random name) and checked; only
"Nộp báo cáo" (submit) moves it into ``<raw>/reports/<year>/<month>/`` under a safe name, the one
place the console writes under the raw directory. A file whose bytes are already in the inbox is
reported as a duplicate and not stored again; a new version of a file of the same name replaces it
(that is how a unit corrects a report), the previous bytes kept under ``console/replaced``.
"""

from __future__ import annotations

import os
import re
import secrets
import shutil
import unicodedata
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

import pandas as pd

from pdv.findings import ISSUE_COLUMNS, to_frame
from pdv.ingest import RawFile, plan_years, read_batch, sha256_file
from pdv.reference import UnitRegistry
from pdv.settings import Settings

ALLOWED_SUFFIXES = (".xlsx", ".xlsm", ".xls", ".ods", ".csv")
_UNSAFE = re.compile(r"[^A-Za-z0-9._-]+")


def safe_name(original: str) -> str:
    """A file name reduced to a safe form: no folders, no control characters, ASCII, bounded length."""
    base = re.split(r"[\\/]", original or "")[-1]
    base = "".join(ch for ch in base if unicodedata.category(ch)[0] != "C")
    base = unicodedata.normalize("NFKD", base.replace("đ", "d").replace("Đ", "D"))
    base = "".join(ch for ch in base if not unicodedata.combining(ch))
    stem, dot, suffix = base.rpartition(".")
    if not dot:
        stem, suffix = base, ""
    stem = _UNSAFE.sub("_", stem).strip("._-")[:80] or "bao-cao"
    suffix = _UNSAFE.sub("", suffix).lower()[:8]
    return f"{stem}.{suffix}" if suffix else stem


@dataclass
class Checked:
    """One staged upload and what validating it found."""

    token: str
    original_name: str
    name: str
    path: Path
    sha256: str
    size: int
    findings: pd.DataFrame
    units: list[str]
    period: str | None  # yyyy-mm the file is filed under; None: cannot be submitted
    refusal: str | None = None  # why the file cannot be submitted at all

    @property
    def errors(self) -> int:
        return int((self.findings["severity"] == "error").sum()) if not self.findings.empty else 0

    @property
    def warnings(self) -> int:
        return int((self.findings["severity"] == "warning").sum()) if not self.findings.empty else 0


def stage(settings: Settings, original_name: str, content: bytes) -> tuple[str, Path]:
    """Write an upload under a random name in the staging folder (owner-only)."""
    token = secrets.token_urlsafe(16)
    folder = settings.console_dir / "staging"
    folder.mkdir(parents=True, exist_ok=True)
    suffix = Path(safe_name(original_name)).suffix.lower()
    path = folder / f"{token}{suffix}"
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as fh:
        fh.write(content)
    return token, path


def check(
    settings: Settings, token: str, path: Path, original_name: str, persons: pd.DataFrame, unit: str | None
) -> Checked:
    """Validate a staged file with the readers and rules of ``pdv validate``; ``unit`` binds a clerk."""
    from schemas.report import batch_state, cross_findings

    name = safe_name(original_name)
    raw = RawFile(path, name, "report", sha256_file(path), path.stat().st_size)
    findings = to_frame([])
    units: list[str] = []
    period = None
    refusal = None
    if Path(name).suffix.lower() not in ALLOWED_SUFFIXES:
        refusal = "Chỉ nhận tệp Excel (.xlsx, .xls), OpenDocument (.ods) hoặc CSV theo mẫu báo cáo."
        return Checked(token, original_name, name, path, raw.sha256, raw.size, findings, units, period, refusal)
    registry, years = _reference(settings)
    parsed = read_batch([raw], settings, persons, registry, years)[0]
    state = batch_state([(name, parsed.summary, parsed.roster)], parsed.header_frame())
    frames = [f for f in (parsed.findings, to_frame(cross_findings(state))) if not f.empty]
    findings = pd.concat(frames, ignore_index=True).reindex(columns=ISSUE_COLUMNS) if frames else findings
    rows = [f for f in (parsed.summary, parsed.roster) if f is not None and not f.empty]
    units = sorted({str(u) for f in rows for u in f["unit_code"].dropna()})
    months = sorted({pd.Timestamp(m) for f in rows for m in f["period_month"].dropna()})
    if months:
        period = months[0].strftime("%Y-%m")
    if unit is not None and any(u != unit for u in units):
        others = ", ".join(u for u in units if u != unit)
        refusal = (
            f"Tệp có dòng số liệu của đơn vị khác ({others}). Tài khoản của đơn vị {unit} chỉ nộp được "
            "báo cáo của đơn vị mình; các dòng đó không được nhận, đề nghị tách tệp hoặc nhờ Ban Tổ chức nộp."
        )
    elif not parsed.readable or period is None:
        refusal = "Không đọc được số liệu tháng nào trong tệp: xem các lỗi bên dưới, sửa rồi tải lên lại."
    return Checked(token, original_name, name, path, raw.sha256, raw.size, findings, units, period, refusal)


_REFERENCE: dict[tuple[str, ...], tuple[UnitRegistry, list[int]]] = {}


def _reference(settings: Settings) -> tuple[UnitRegistry, list[int]]:
    """The unit registry and plan years, read again only when a reference or plan file changed."""
    files = sorted([*settings.reference_dir.glob("*"), *(settings.raw_dir / "plan").glob("*")])
    key = tuple(f"{p}:{p.stat().st_mtime_ns}:{p.stat().st_size}" for p in files if p.is_file())
    if key not in _REFERENCE:
        _REFERENCE.clear()
        _REFERENCE[key] = (UnitRegistry.load(settings.reference_dir), plan_years(settings.raw_dir))
    return _REFERENCE[key]


def inbox_hashes(settings: Settings, cache: dict[tuple[str, int, int], str]) -> dict[str, str]:
    """``{sha256: path}`` of the files in the reports inbox (hashes cached by path, mtime and size)."""
    root = settings.raw_dir / "reports"
    out: dict[str, str] = {}
    for path in sorted(root.rglob("*")) if root.exists() else []:
        if not path.is_file() or path.name.startswith("."):
            continue
        stat = path.stat()
        key = (str(path), stat.st_mtime_ns, stat.st_size)
        if key not in cache:
            cache[key] = sha256_file(path)
        out.setdefault(cache[key], path.relative_to(settings.raw_dir).as_posix())
    return out


def stored_name(original_name: str, unit_code: str | None) -> str:
    """The inbox name: the unit's code first, so two units' files of the same name never collide."""
    prefix = unit_code or "TONGHOP"
    name = safe_name(original_name)
    return name if name.upper().startswith(prefix + "_") else f"{prefix}_{name}"


def store(settings: Settings, upload: dict[str, Any], known: dict[str, str]) -> tuple[str, bool]:
    """Move a checked upload (its store record) into the inbox atomically: (path relative to raw, stored).

    A byte-identical file already in the inbox (``known``: sha256 -> path) is not stored twice.
    """
    if upload["sha256"] in known:
        return known[upload["sha256"]], False
    year, month = str(upload["period"]).split("-")
    folder = settings.raw_dir / "reports" / year / month
    folder.mkdir(parents=True, exist_ok=True)
    target = folder / stored_name(upload["original_name"], upload["unit_code"])
    staged = Path(upload["staged_path"])
    if target.exists():  # a corrected version of the same report: keep the previous bytes
        keep = settings.console_dir / "replaced"
        keep.mkdir(parents=True, exist_ok=True)
        stamp = datetime.now().strftime("%Y%m%d%H%M%S")
        shutil.copyfile(target, keep / f"{stamp}-{year}-{month}-{target.name}")
    tmp = folder / f".upload-{upload['token']}.tmp"  # dot-names are never read by the pipeline
    with tmp.open("wb") as fh:
        fh.write(staged.read_bytes())
        fh.flush()
        os.fsync(fh.fileno())
    os.chmod(tmp, 0o644)
    tmp.replace(target)
    staged.unlink(missing_ok=True)
    return target.relative_to(settings.raw_dir).as_posix(), True
