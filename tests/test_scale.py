"""pdv.synthetic.scale writes complete inputs the pipeline reads without a single finding, at the sizes asked."""

from __future__ import annotations

import hashlib
import shutil
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from typer.testing import CliRunner

from pdv.cli import app
from pdv.findings import to_frame
from pdv.ingest import ParsedFile, read_batch, scan
from pdv.settings import Settings
from pdv.synthetic.scale import (
    MARKER,
    SCALES,
    Scale,
    custom_scale,
    generate_scale,
    make_ledger,
    make_persons,
    make_units,
)
from schemas.report import batch_state, cross_findings

TINY = {
    "consolidated": custom_scale("tiny", units=60, provinces=3, months=(1, 2, 3)),
    "single_xlsx": custom_scale("tiny-xlsx", units=8, months=(6, 7), layout="single_xlsx", not_reported_share=0.0),
}


def _read(raw: Path, tmp_path: Path) -> list[ParsedFile]:
    settings = Settings(raw_dir=raw, warehouse_dir=tmp_path / "wh")
    return read_batch([f for f in scan(raw) if f.kind != "reference"], settings, None)


@pytest.mark.parametrize("layout", list(TINY))
def test_generated_inputs_read_without_any_finding(layout: str, tmp_path: Path) -> None:
    scale = TINY[layout]
    result = generate_scale(tmp_path / "raw", scale, seed=7)
    parsed = _read(tmp_path / "raw", tmp_path)

    findings = pd.concat([to_frame([]), *(p.findings for p in parsed if not p.findings.empty)], ignore_index=True)
    assert findings.empty, findings[["rule", "file", "row", "value"]].head(10).to_string()
    state = batch_state([(p.raw.rel, p.summary, p.roster) for p in parsed])
    assert cross_findings(state) == []

    reports = [p for p in parsed if p.raw.kind == "report"]
    expected_files = (
        scale.units * len(scale.months) if layout == "single_xlsx" else 2 * scale.provinces * len(scale.months)
    )
    assert len(reports) == result.files == expected_files
    summary = pd.concat([p.summary for p in reports if p.summary is not None], ignore_index=True)
    roster = pd.concat([p.roster for p in reports if p.roster is not None], ignore_index=True)
    assert len(summary) == result.summary_rows and len(roster) == result.roster_rows > 0
    assert pd.to_datetime(summary["period_month"]).dt.month.isin(scale.months).all()

    # Every admission has its roster row: totals and youth counts agree per unit-month.
    keys = ["unit_code", "period_month"]
    counted = (
        roster.assign(youth=roster["source"] == "youth").groupby(keys).agg(n=("person_key", "size"), y=("youth", "sum"))
    )
    both = summary.set_index(keys).join(counted).fillna({"n": 0, "y": 0})
    assert (both["admitted_total"] == both["n"]).all() and (both["admitted_youth"] == both["y"]).all()
    assert roster["person_key"].is_unique
    assert roster["age_at_admission"].between(18, 60).all()
    assert 0.75 <= summary["is_on_time"].mean() < 1.0

    (plan,) = [p for p in parsed if p.raw.kind == "plan_text"]
    assert plan.plan is not None and plan.plan.years == [scale.year, scale.year + 1]
    assert plan.targets is not None and plan.targets["unit_code"].nunique() == scale.units
    per_year = plan.targets.groupby("year")["target_total"].sum()
    assert (per_year == plan.plan.yearly_target).all() and len(per_year) == 2


def test_next_month_is_new_data_for_the_same_registry(tmp_path: Path) -> None:
    scale = TINY["consolidated"]
    generate_scale(tmp_path / "raw", scale, seed=7, next_dir=tmp_path / "next")
    shutil.copytree(tmp_path / "next" / "reports", tmp_path / "raw" / "reports", dirs_exist_ok=True)
    parsed = _read(tmp_path / "raw", tmp_path)

    findings = pd.concat([to_frame([]), *(p.findings for p in parsed if not p.findings.empty)], ignore_index=True)
    assert findings.empty, findings[["rule", "file", "row", "value"]].head(10).to_string()
    new = [p for p in parsed if p.raw.rel.startswith(f"reports/{scale.year + 1}/01/")]
    assert len(new) == 2 * scale.provinces
    months = pd.concat([pd.to_datetime(p.summary["period_month"]) for p in new if p.summary is not None])
    assert (months == pd.Timestamp(scale.year + 1, 1, 1)).all() and len(months) > 0


def test_same_seed_same_bytes_and_an_existing_set_is_kept(tmp_path: Path) -> None:
    def digest(raw: Path) -> dict[str, str]:
        return {
            p.relative_to(raw).as_posix(): hashlib.sha256(p.read_bytes()).hexdigest()
            for p in sorted(raw.rglob("*"))
            if p.is_file() and p.name != MARKER
        }

    scale = TINY["single_xlsx"]
    generate_scale(tmp_path / "a", scale, seed=3)
    generate_scale(tmp_path / "b", scale, seed=3)
    generate_scale(tmp_path / "c", scale, seed=4)
    assert digest(tmp_path / "a") == digest(tmp_path / "b") != digest(tmp_path / "c")
    with pytest.raises(FileExistsError):
        generate_scale(tmp_path / "a", scale, seed=3)


def test_national_sizes_as_the_issue_states() -> None:
    scale = SCALES["national"]
    rng = np.random.default_rng([2024, scale.units, scale.provinces])
    units = make_units(scale, rng)
    full = make_ledger(scale, units, rng)  # the year and January of the next
    persons = make_persons(scale, units, full, rng)
    ledger, persons = full[full["year"] == scale.year], persons[persons["year"] == scale.year]

    assert len(units) == 52_000 and units["province"].nunique() == 34
    assert units["unit_code"].is_unique and units["unit_name"].str.casefold().is_unique
    assert 0.98 * 624_000 <= len(ledger) <= 624_000  # a few quiet unit-months are not reported
    assert 190_000 <= len(persons) == ledger["admitted_total"].sum() <= 210_000
    assert persons["national_id"].str.fullmatch(r"\d{12}").all() and persons["national_id"].is_unique
    assert (units["target_youth"].sum() / units["target_total"].sum()) >= 0.7


def test_cli_writes_a_scale_into_out(tmp_path: Path) -> None:
    runner = CliRunner()
    result = runner.invoke(app, ["demo-data", "--scale", "bloc", "--out", str(tmp_path / "raw")])
    assert result.exit_code == 0, result.output
    assert (tmp_path / "raw" / "reference" / "units.csv").read_text(encoding="utf-8").count("\n") == 56
    again = runner.invoke(app, ["demo-data", "--scale", "bloc", "--out", str(tmp_path / "raw")])
    assert again.exit_code == 2  # not over an existing set without --clean
    assert runner.invoke(app, ["demo-data", "--scale", "planet"]).exit_code == 2


def test_scale_rejects_impossible_shapes() -> None:
    with pytest.raises(ValueError):
        Scale("x", units=10, provinces=35)
    with pytest.raises(ValueError):
        Scale("x", units=10, months=(13,))
