"""The ``pdv`` command line: run the pipeline, list issues, validate files."""

from __future__ import annotations

import json
import sys
from enum import StrEnum
from pathlib import Path
from typing import Annotated, Any

import pandas as pd
import typer
from rich.console import Console
from rich.table import Table

import pdv  # noqa: F401  (sets the offline Prefect/GX environment first)
from pdv.findings import ISSUE_COLUMNS, ISSUE_SQL_NAMES
from pdv.settings import Settings, get_settings

app = typer.Typer(help="Party-member development data pipeline.", no_args_is_help=True)
console = Console(stderr=True)

RawOpt = Annotated[Path | None, typer.Option("--raw", help="Raw input directory [PDV_RAW_DIR].")]
WarehouseOpt = Annotated[str | None, typer.Option("--warehouse", help="Warehouse SQLAlchemy URL [PDV_WAREHOUSE_URL].")]


class Format(StrEnum):
    table = "table"
    json = "json"


def _settings(raw: Path | None, warehouse: str | None) -> Settings:
    return get_settings(raw_dir=raw, warehouse_url=warehouse)


@app.command()
def run(
    raw: RawOpt = None,
    warehouse: WarehouseOpt = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Exit at once if another run holds the warehouse.")
    ] = False,
) -> None:
    """Run the pipeline: ingest, validate and load everything new under the raw directory."""
    from flows.pipeline import pipeline
    from pdv.warehouse.base import WarehouseLocked, WarehouseUnavailable

    settings = _settings(raw, warehouse)
    console.print(f"[bold]pdv run[/]: {settings.raw_dir} → {_safe_url(settings.database_url)}")
    with console.status("Running the pipeline (a temporary Prefect server starts first)…"):
        state = pipeline(settings, wait_for_lock=not no_wait, return_state=True)
    if state.is_failed():
        try:
            state.result()
        except WarehouseLocked as exc:
            console.print(f"[yellow]Another run is in progress:[/] {exc}")
            raise typer.Exit(3) from exc
        except WarehouseUnavailable as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(4) from exc
        except Exception as exc:
            from pdv.termtext import markup_safe

            console.print(f"[red]The run failed: {type(exc).__name__}: {markup_safe(exc)}[/]")
            raise typer.Exit(1) from exc
    summary = state.result()
    console.print(
        f"{summary.status}: {summary.files_new}/{summary.files_seen} files new, "
        f"{summary.rows_loaded} rows loaded, {summary.rows_rejected} rejected, "
        f"{summary.issues_opened} issues opened, {summary.issues_resolved} resolved. "
        "See `pdv issues`."
    )


def _safe_url(url: str) -> str:
    import sqlalchemy as sa

    return sa.make_url(url).render_as_string(hide_password=True)


# The issue-record contract, then what a steward needs to follow an issue over runs.
ISSUE_FIELDS = [*ISSUE_COLUMNS, "status", "resolved_by_file", "first_run_id", "last_run_id"]


def query_issues(settings: Settings, include_all: bool = False, **filters: str | None) -> pd.DataFrame:
    """Issues from the warehouse, open ones unless ``include_all``; filters match exactly."""
    from pdv.warehouse import destination_for

    dest = destination_for(settings.database_url)
    where, params = [], {}
    if not include_all and not filters.get("status"):
        where.append("status = 'open'")
    for key, value in filters.items():
        if value:
            where.append(f"{key} = :{key}")
            params[key] = value
    sql = "select * from dq_issue" + (" where " + " and ".join(where) if where else "")
    sql += " order by file nulls first, sheet nulls first, row_number nulls first, rule, column_name"
    try:
        frame = dest.read_sql(sql, **params)
    finally:
        dest.dispose()
    frame = frame.rename(columns={v: k for k, v in ISSUE_SQL_NAMES.items()})
    return frame.reindex(columns=ISSUE_FIELDS)


def _records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    frame = frame.astype(object).where(frame.notna(), None)
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
    for rec in records:
        if rec["row"] is not None:
            rec["row"] = int(rec["row"])
    return records


def print_issues(frame: pd.DataFrame, fmt: Format) -> None:
    """Issues as JSON (the contract) or as a table for people."""
    if fmt is Format.json:
        sys.stdout.write(json.dumps(_records(frame), ensure_ascii=False, indent=2) + "\n")
        return
    from pdv.termtext import plain

    table = Table(show_lines=True)
    for name in ("severity", "rule", "where", "column", "value", "unit", "period", "message", "status"):
        table.add_column(name, overflow="fold")
    for rec in _records(frame):
        where = ":".join(str(rec[k]) for k in ("file", "sheet", "row") if rec[k] is not None)
        cells = [
            rec["severity"],
            rec["rule"],
            where,
            rec["column"],
            rec["value"],
            rec["unit"],
            rec["period"],
            rec["message_vi"],
            rec["status"],
        ]
        table.add_row(*(plain(c) for c in cells))  # unit text is data, never markup or terminal controls
    Console().print(table)
    Console(stderr=True).print(f"{len(frame)} issue(s)")


@app.command()
def issues(
    fmt: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    all_: Annotated[bool, typer.Option("--all", help="Include resolved issues.")] = False,
    unit: Annotated[str | None, typer.Option(help="Unit code (or name as written).")] = None,
    period: Annotated[str | None, typer.Option(help="Period, e.g. 2024-03 or 2024.")] = None,
    severity: Annotated[str | None, typer.Option(help="error or warning")] = None,
    file: Annotated[str | None, typer.Option(help="File path relative to the raw directory.")] = None,
    status: Annotated[str | None, typer.Option(help="open or resolved")] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """List data-quality issues (open ones unless --all)."""
    settings = _settings(None, warehouse)
    frame = query_issues(settings, all_, unit=unit, period=period, severity=severity, file=file, status=status)
    print_issues(frame, fmt)


@app.command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to check.", exists=True)],
    fmt: Annotated[Format, typer.Option("--format")] = Format.table,
    raw: RawOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Check files without loading anything (exit code 1 when any error is found)."""
    from pdv.findings import to_frame
    from pdv.ingest import classify_paths, no_persons, read_batch
    from pdv.warehouse import destination_for
    from pdv.warehouse.load import current_persons
    from schemas.report import batch_state, cross_findings

    settings = _settings(raw, warehouse)
    files = classify_paths(paths, settings.raw_dir)  # the same walk as `pdv run`
    dest = destination_for(settings.database_url)
    try:  # the once-only rule looks at admissions already in the warehouse, read only
        persons = current_persons(dest)
    except Exception as exc:
        console.print(f"[yellow]warehouse not readable ({type(exc).__name__}); checking the files alone[/]")
        persons = no_persons()
    finally:
        dest.dispose()
    with console.status(f"Validating {len(files)} file(s)…"):
        results = read_batch(files, settings, persons)
    headers = pd.concat([r.header_frame() for r in results], ignore_index=True) if results else None
    state = batch_state([(r.raw.rel, r.summary, r.roster) for r in results], headers)
    frames = [r.findings for r in results if not r.findings.empty] + [to_frame(cross_findings(state))]
    found = pd.concat(frames, ignore_index=True) if frames else to_frame([])
    found = found.assign(status="open").reindex(columns=ISSUE_FIELDS)
    print_issues(found, fmt)
    if (found["severity"] == "error").any():
        raise typer.Exit(1)


@app.command()
def template(
    unit: Annotated[str, typer.Option(help="Unit code from the registry, e.g. SYT.")],
    period: Annotated[str, typer.Option(help="Month, YYYY-MM.")],
    out: Annotated[Path | None, typer.Option(help="Output file (default: data/warehouse/templates/).")] = None,
    raw: RawOpt = None,
) -> None:
    """Write a blank report workbook for one unit and month, with data validation on the cells."""
    from pdv.reference import UnitRegistry
    from pdv.template import write_template

    settings = _settings(raw, None)
    registry = UnitRegistry.load(settings.reference_dir)
    code = unit.strip().upper()
    if not registry.is_code(code):
        console.print(f"[red]Unknown unit code {unit!r}[/]; see {settings.reference_dir / 'units.csv'}")
        raise typer.Exit(2)
    target = out or settings.warehouse_dir / "templates" / f"{code}_{period}.xlsx"
    try:
        write_template(target, code, registry.name_of(code), period)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    console.print(f"Template written: {target}")


@app.command()
def extract(
    period: Annotated[str, typer.Option(help="2024-Q1, 2024-H1 or 2024.")],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: data/warehouse/extracts/<year>/<period>/).")
    ] = None,
    view: Annotated[str, typer.Option(help="as_is (today's units) or as_was (units as they were).")] = "as_is",
    warehouse: WarehouseOpt = None,
) -> None:
    """Write the Board's extract for one period: CSV, XLSX, HTML report and manifest."""
    import re

    from pdv.extracts.build import extract_period
    from pdv.warehouse import destination_for

    if not re.fullmatch(r"\d{4}(-Q[1-4]|-H[12])?", period):
        console.print(f"[red]Period must look like 2024-Q1, 2024-H1 or 2024, not {period!r}[/]")
        raise typer.Exit(2)
    settings = _settings(None, warehouse)
    dest = destination_for(settings.database_url)
    try:
        result = extract_period(dest, settings, period, out, view)
    except ValueError as exc:
        console.print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    finally:
        dest.dispose()
    state = "written" if result.written else "unchanged"
    console.print(f"{period}: {state} in {result.directory}")


@app.command()
def deploy(
    pool: Annotated[str, typer.Option(help="Process work pool (created if missing).")] = "pdv",
    raw: RawOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Register the scheduled deployments on the Prefect server at PREFECT_API_URL."""
    import os

    from flows.scheduled import deploy as register

    if not os.environ.get("PREFECT_API_URL"):
        console.print("[red]Set PREFECT_API_URL to the Prefect server (see README, 'Running on a schedule').[/]")
        raise typer.Exit(2)
    for name in register(pool, str(raw) if raw else None, warehouse):
        console.print(f"deployed {name}")


@app.command()
def serve(raw: RawOpt = None, warehouse: WarehouseOpt = None) -> None:
    """Run the scheduled deployments in this process (a small office without workers)."""
    from prefect import serve as prefect_serve

    from flows.scheduled import runner_deployments

    prefect_serve(*runner_deployments(str(raw) if raw else None, warehouse))


@app.command("grant-bi")
def grant_bi(
    password: Annotated[str | None, typer.Option(help="Let pdv_bi log in with this password.")] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Create the read-only BI role pdv_bi (PostgreSQL): it reads the BI views and nothing else."""
    from pdv.warehouse import destination_for

    dest = destination_for(_settings(None, warehouse).database_url)
    try:
        console.print(dest.grant_bi(password))
    except NotImplementedError as exc:
        console.print(f"[yellow]{exc}[/]")
        raise typer.Exit(2) from exc
    finally:
        dest.dispose()


@app.command("demo-data")
def demo_data(
    out: Annotated[Path | None, typer.Option(help="Output directory (default: <raw>/reports).")] = None,
    seed: Annotated[int, typer.Option(help="Random seed; the same seed writes the same bytes.")] = 2024,
    clean: Annotated[bool, typer.Option(help="Delete the generated years' folders first.")] = False,
    raw: RawOpt = None,
    scale: Annotated[
        str | None,
        typer.Option(
            help="bloc, province, national or files5000: write a whole raw directory (registry, plan, "
            "reports) of that size instead, into --out (default bench/work/<scale>/raw)."
        ),
    ] = None,
) -> None:
    """Write the synthetic unit reports of 2024 and 2025 (every format variation, a few flaws).

    With --scale, write a clean input set at scale for benchmarks (pdv/scale.py).
    """
    import shutil

    from pdv.demo import YEARS, generate

    if scale is not None:
        from pdv.scale import SCALES, default_raw_dir, generate_scale

        if scale not in SCALES:
            console.print(f"[red]--scale must be one of {', '.join(SCALES)}, not {scale!r}[/]")
            raise typer.Exit(2)
        raw_target = out or default_raw_dir(scale)
        try:
            made = generate_scale(raw_target, scale, seed, clean=clean)
        except FileExistsError as exc:
            console.print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
        console.print(
            f"{scale}: {made.units} units, {made.summary_rows} unit-months, {made.roster_rows} persons admitted; "
            f"{made.files} report files, {made.bytes / 1e6:.1f} MB under {raw_target} ({made.seconds:.1f} s)"
        )
        return
    settings = _settings(raw, None)
    target = out or settings.raw_dir / "reports"
    plan = next(iter(sorted((settings.raw_dir / "plan").glob("*.txt"))))
    for year in YEARS:
        if clean and (target / str(year)).exists():
            shutil.rmtree(target / str(year))
        # The same seed for both years: 2025 continues the simulated 2024.
        result = generate(target, settings.reference_dir / "units.csv", plan, seed, year=year)
        size = sum(p.stat().st_size for p in result.files)
        console.print(f"{year}: {len(result.files)} files, {size / 1e6:.2f} MB under {target / str(year)}")
        console.print(f"{len(result.truth.summary)} unit-months, {len(result.truth.roster)} persons admitted")
        for issue in result.expected_issues:
            console.print("deliberate flaw:", *issue)


if __name__ == "__main__":
    app()
