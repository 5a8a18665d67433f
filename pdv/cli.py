"""The ``pdv`` command line: run the pipeline, list issues, validate files.

Commands import the heavy libraries (pandas, Prefect, Great Expectations, SQLAlchemy) inside their
bodies, so ``pdv --help`` and ``pdv issues`` answer at once.
"""

from __future__ import annotations

import functools
import os
import sys
from collections.abc import Callable
from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any, TypeVar

import typer

import pdv  # noqa: F401  (sets the offline Prefect/GX environment first)
from pdv.errors import UserError

if TYPE_CHECKING:
    import pandas as pd
    from rich.console import Console

    from pdv.settings import Settings

# Plain help: typer's rich help imports rich.markdown and markdown-it, 0.3 s of every `pdv --help`.
app = typer.Typer(
    help="Party-member development data pipeline.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    rich_markup_mode=None,
)
F = TypeVar("F", bound=Callable[..., Any])
_DEBUG = {"on": False}

RawOpt = Annotated[Path | None, typer.Option("--raw", help="Raw input directory [PDV_RAW_DIR].")]
WarehouseOpt = Annotated[str | None, typer.Option("--warehouse", help="Warehouse SQLAlchemy URL [PDV_WAREHOUSE_URL].")]


class Format(StrEnum):
    text = "text"
    table = "table"
    json = "json"
    csv = "csv"


def err() -> Console:
    """A console on stderr, made per call. Soft wrap: the terminal wraps long lines itself, so a path or
    a file name is never broken by an inserted newline (and stays whole in a log)."""
    from rich.console import Console

    return Console(stderr=True, soft_wrap=True)


@app.callback()
def main(debug: Annotated[bool, typer.Option("--debug", help="Show the traceback of an error.")] = False) -> None:
    """Party-member development data pipeline."""
    _DEBUG["on"] = debug or bool(os.environ.get("PDV_DEBUG"))


def command(*args: Any, **kwargs: Any) -> Callable[[F], F]:
    """``app.command`` whose errors end in one sentence and an exit code, never a traceback (unless --debug)."""

    def decorate(fn: F) -> F:
        @functools.wraps(fn)
        def guarded(*a: Any, **k: Any) -> Any:
            try:
                return fn(*a, **k)
            except (typer.Exit, typer.Abort, KeyboardInterrupt):
                raise
            except UserError as exc:
                if _DEBUG["on"]:
                    raise
                say_error(exc)
                raise typer.Exit(2) from exc
            except Exception as exc:
                if _DEBUG["on"]:
                    raise
                import logging

                logging.getLogger("pdv").debug("unexpected error", exc_info=True)
                err().print(
                    f"[red]Lỗi không mong đợi / unexpected error:[/] {_escape(type(exc).__name__)}: "
                    f"{_escape(str(exc).splitlines()[0] if str(exc) else '')} (--debug shows the traceback)"
                )
                raise typer.Exit(1) from exc

        app.command(*args, **kwargs)(guarded)
        return fn

    return decorate


def say_error(exc: UserError) -> None:
    err().print(f"[red]{_escape(exc.vi)}[/]")
    err().print(_escape(exc.en), style="dim")


def _escape(text: str) -> str:
    from pdv.termtext import markup_safe

    return markup_safe(text)


def _settings(raw: Path | None, warehouse: str | None) -> Settings:
    from pdv.settings import get_settings

    return get_settings(raw_dir=raw, warehouse_url=warehouse)


def require_reference(settings: Settings) -> None:
    """A raw directory without its unit registry cannot be read: say how to make one."""
    units = settings.reference_dir / "units.csv"
    if not units.is_file():
        raise UserError(
            f"Thư mục dữ liệu vào {settings.raw_dir} thiếu danh mục đơn vị {units}: "
            "tạo bằng `pdv init THƯ_MỤC --plan VĂN_BẢN_KẾ_HOẠCH`, hoặc chỉ đúng thư mục bằng --raw.",
            f"The raw directory {settings.raw_dir} has no unit registry ({units}): create one with "
            "`pdv init DIR --plan PLAN_DOCUMENT`, or point --raw at the right folder.",
        )


@command()
def run(
    raw: RawOpt = None,
    warehouse: WarehouseOpt = None,
    no_wait: Annotated[
        bool, typer.Option("--no-wait", help="Exit at once if another run holds the warehouse.")
    ] = False,
) -> None:
    """Run the pipeline: ingest, validate and load everything new under the raw directory."""
    _run(_settings(raw, warehouse), no_wait, full_check=False)


@command()
def check(
    full: Annotated[bool, typer.Option("--full", help="Check every row of the warehouse (required).")] = False,
    raw: RawOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """A run whose warehouse checkpoint (Great Expectations) covers every row, not only what it changed."""
    if not full:
        raise UserError(
            "Mỗi lượt chạy đã kiểm tra những gì nó thay đổi; dùng `pdv check --full` để kiểm tra toàn bộ kho.",
            "Every run checks what it changed; `pdv check --full` checks the whole warehouse.",
        )
    _run(_settings(raw, warehouse), False, full_check=True)


def _run(settings: Settings, no_wait: bool, full_check: bool) -> None:
    from pdv import check_worker, orchestrator, progress
    from pdv.warehouse.quick import check_writable

    require_reference(settings)
    check_writable(settings.database_url)
    name = "pdv check --full" if full_check else "pdv run"
    err().print(f"[bold]{name}[/]: {_escape(str(settings.raw_dir))} → {_escape(_safe_url(settings.database_url))}")
    server = None
    if not orchestrator.configured_api_url() and settings.orchestrator == "local":
        # Started before the heavy imports below, so the server boots while this process imports.
        server = orchestrator.ensure_started(settings.orchestrator_idle_minutes)
        os.environ["PREFECT_API_URL"] = server.api_url
        # Beside it, Great Expectations kept imported: it imports while this run reads its files.
        if check_worker.ensure_started(settings.orchestrator_idle_minutes) is not None:
            settings = settings.model_copy(update={"check_worker": True})
    from flows.pipeline import pipeline
    from pdv.warehouse.base import WarehouseLocked, WarehouseOutOfMemory, WarehouseUnavailable

    if server is not None and not orchestrator.healthy(server.api_url, timeout=0.5):
        with err().status("Đang khởi động máy chủ Prefect cục bộ / starting the local Prefect server…"):
            orchestrator.wait_ready(server, settings.orchestrator_start_seconds)
    if not _DEBUG["on"]:
        orchestrator.brief_console_logs()  # a traceback never reaches the person running the command
    progress.use_terminal() if err().is_terminal else progress.use_plain()
    try:
        state = pipeline(settings, wait_for_lock=not no_wait, full_check=full_check, return_state=True)
    finally:
        progress.close()
    if state.is_failed():
        try:
            state.result()
        except WarehouseLocked as exc:
            err().print(f"[yellow]Đang có lượt chạy khác / another run is in progress:[/] {_escape(str(exc))}")
            raise typer.Exit(3) from exc
        except WarehouseUnavailable as exc:
            err().print(f"[red]{_escape(str(exc))}[/]")
            raise typer.Exit(4) from exc
        except WarehouseOutOfMemory as exc:
            err().print(f"[red]{_escape(str(exc))}[/]")
            raise typer.Exit(5) from exc
    summary = state.result()
    err().print(
        f"{summary.status}: {summary.files_new}/{summary.files_seen} files new, "
        f"{summary.rows_loaded} rows loaded, {summary.rows_rejected} rejected, "
        f"{summary.issues_opened} issues opened, {summary.issues_resolved} resolved. "
        "See `pdv issues`."
    )
    if summary.plan_problem:
        raise UserError(*summary.plan_problem)


def _safe_url(url: str) -> str:
    from pdv.warehouse.quick import _hide_password

    return _hide_password(url)


# The issue-record contract, then what a steward needs to follow an issue over runs.
def _issue_fields() -> list[str]:
    from pdv.issuefields import ISSUE_COLUMNS

    return [*ISSUE_COLUMNS, "status", "resolved_by_file", "first_run_id", "last_run_id"]


def query_issues(settings: Settings, include_all: bool = False, **filters: str | None) -> list[dict[str, Any]]:
    """Issues from the warehouse, open ones unless ``include_all``; filters match exactly."""
    from pdv.issuefields import ISSUE_SQL_NAMES
    from pdv.warehouse.quick import fetch

    where, params = [], {}
    if not include_all and not filters.get("status"):
        where.append("status = 'open'")
    for key, value in filters.items():
        if value:
            where.append(f"{key} = :{key}")
            params[key] = value
    sql = "select * from dq_issue" + (" where " + " and ".join(where) if where else "")
    sql += " order by file nulls first, sheet nulls first, row_number nulls first, rule, column_name"
    back = {v: k for k, v in ISSUE_SQL_NAMES.items()}
    fields = _issue_fields()
    return [
        {f: rec.get(f) for f in fields}
        for rec in ({back.get(k, k): v for k, v in row.items()} for row in fetch(settings.database_url, sql, **params))
    ]


def frame_records(frame: pd.DataFrame) -> list[dict[str, Any]]:
    frame = frame.astype(object).where(frame.notna(), None)
    records: list[dict[str, Any]] = [{str(k): v for k, v in r.items()} for r in frame.to_dict(orient="records")]
    for rec in records:
        if rec.get("row") is not None:
            rec["row"] = int(rec["row"])
    return records


def print_issues(records: list[dict[str, Any]], fmt: Format) -> None:
    """Issues as JSON (the contract), CSV (for Excel), a wide table, or blocks grouped by file."""
    from pdv import issueview

    if fmt is Format.json:
        sys.stdout.write(issueview.as_json(records))
    elif fmt is Format.csv:
        sys.stdout.write(issueview.as_csv(records, _issue_fields()))
    elif fmt is Format.table:
        issueview.print_table(records)
    else:
        issueview.print_blocks(records)
    err().print(f"{len(records)} issue(s)")


@command()
def issues(
    fmt: Annotated[Format, typer.Option("--format", help="text (blocks by file), table, json or csv")] = Format.text,
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
    records = query_issues(settings, all_, unit=unit, period=period, severity=severity, file=file, status=status)
    print_issues(records, fmt)


@command()
def validate(
    paths: Annotated[list[Path], typer.Argument(help="Files or directories to check.", exists=True)],
    fmt: Annotated[Format, typer.Option("--format")] = Format.text,
    raw: RawOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Check files without loading anything (exit code 1 when any error is found)."""
    import pandas as pd

    from pdv.findings import to_frame
    from pdv.ingest import PERSONS_SQL, classify_paths, no_persons, persons_frame, read_batch
    from pdv.warehouse import quick
    from schemas.report import batch_state, cross_findings

    settings = _settings(raw, warehouse)
    require_reference(settings)
    files = classify_paths(paths, settings.raw_dir)  # the same walk as `pdv run`
    # The once-only rule looks at admissions already in the warehouse, read through the bare driver:
    # SQLAlchemy's import alone was a quarter of a one-file validate.
    persons = no_persons()
    try:
        if quick.has_table(settings.database_url, "fact_admission"):
            persons = persons_frame(
                pd.DataFrame(quick.fetch(settings.database_url, PERSONS_SQL), columns=persons.columns)
            )
    except Exception as exc:
        err().print(f"[yellow]warehouse not readable ({_escape(type(exc).__name__)}); checking the files alone[/]")
    with err().status(f"Validating {len(files)} file(s)…"):
        results = read_batch(files, settings, persons)
    headers = pd.concat([r.header_frame() for r in results], ignore_index=True) if results else None
    state = batch_state([(r.raw.rel, r.summary, r.roster) for r in results], headers)
    frames = [r.findings for r in results if not r.findings.empty] + [to_frame(cross_findings(state))]
    found = pd.concat(frames, ignore_index=True) if frames else to_frame([])
    found = found.assign(status="open").reindex(columns=_issue_fields())
    print_issues(frame_records(found), fmt)
    if (found["severity"] == "error").any():
        raise typer.Exit(1)


@command()
def init(
    directory: Annotated[Path, typer.Argument(help="The new raw directory (must not exist or be empty).")],
    plan: Annotated[Path, typer.Option(help="The plan document (.txt) or its annex workbook (.xlsx).")],
) -> None:
    """Make a new raw directory from a plan: plan/, reports/, and reference/ with the units of its annex."""
    from pdv.init import init_raw

    units, n = init_raw(directory, plan)
    err().print(f"{directory}: {n} units in {units}; put reports under {directory / 'reports'}, then")
    err().print(f"  pdv run --raw {directory}")


server_app = typer.Typer(
    help="The local Prefect server that `pdv run` keeps between runs.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(server_app, name="server")


@server_app.command("status")
def server_status() -> None:
    """Show whether the local Prefect server runs, and its API address."""
    from pdv import orchestrator

    server = orchestrator.current_server()
    if server is None:
        err().print("no local Prefect server is running")
        raise typer.Exit(1)
    state = "ready" if orchestrator.healthy(server.api_url) else "starting"
    err().print(f"local Prefect server {state}: pid {server.pid}, {server.api_url}")


@server_app.command("stop")
def server_stop() -> None:
    """Stop the local Prefect server and its check worker (the next `pdv run` starts them again)."""
    from pdv import check_worker, orchestrator

    stopped = orchestrator.stop()
    workers = check_worker.stop_all()
    err().print(f"stopped the local Prefect server (pid {stopped.pid})" if stopped else "no local server was running")
    if workers:
        err().print(f"stopped the check worker (pid {', '.join(map(str, workers))})")


@command()
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
        err().print(f"[red]Unknown unit code {unit!r}[/]; see {settings.reference_dir / 'units.csv'}")
        raise typer.Exit(2)
    target = out or settings.warehouse_dir / "templates" / f"{code}_{period}.xlsx"
    try:
        write_template(target, code, registry.name_of(code), period)
    except ValueError as exc:
        err().print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    err().print(f"Template written: {target}")


@command()
def extract(
    period: Annotated[str, typer.Option(help="2024-Q1, 2024-H1 or 2024.")],
    out: Annotated[
        Path | None, typer.Option(help="Output folder (default: data/warehouse/extracts/<year>/<period>/).")
    ] = None,
    view: Annotated[str, typer.Option(help="as_is (today's units) or as_was (units as they were).")] = "as_is",
    warehouse: WarehouseOpt = None,
    issued: Annotated[bool, typer.Option("--issued", help="Write the issued (approved) version again.")] = False,
    check: Annotated[
        bool, typer.Option("--check", help="With --issued: compare with the kept files, exit 1 on any difference.")
    ] = False,
    version: Annotated[int | None, typer.Option(help="With --issued: the version (default: the latest).")] = None,
) -> None:
    """Write the Board's extract for one period: CSV, XLSX, HTML report and manifest."""
    import re

    from pdv.extracts.build import extract_period
    from pdv.warehouse import destination_for

    if not re.fullmatch(r"\d{4}(-Q[1-4]|-H[12])?", period):
        err().print(f"[red]Period must look like 2024-Q1, 2024-H1 or 2024, not {period!r}[/]")
        raise typer.Exit(2)
    settings = _settings(None, warehouse)
    if issued or check:
        _extract_issued(settings, period, version, out, check)
        return
    dest = destination_for(settings.database_url)
    try:
        with dest.reading():
            result = extract_period(dest, settings, period, out, view)
    except ValueError as exc:
        err().print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    finally:
        dest.dispose()
    state = "written" if result.written else "unchanged"
    err().print(f"{period}: {state} in {result.directory}")


def _extract_issued(settings: Settings, period: str, version: int | None, out: Path | None, check: bool) -> None:
    from pdv.approval import ApprovalError, check_issued, regenerate
    from pdv.extracts.issued import folder as issued_folder

    try:
        if check:
            number, differ = check_issued(settings, period, version)
        else:
            number, target = regenerate(settings, period, version, out)
    except (ApprovalError, LookupError) as exc:
        err().print(f"[red]{_escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    if not check:
        err().print(f"{period} version {number}: written again in {target}")
        return
    if differ:
        kept = issued_folder(settings, period, number)
        err().print(f"[red]{period} version {number}: differs from the kept files in {kept}:[/] {', '.join(differ)}")
        raise typer.Exit(1)
    err().print(f"{period} version {number}: identical to the kept files")


def _check_period(period: str) -> None:
    import re

    if not re.fullmatch(r"\d{4}(-Q[1-4]|-H[12])?", period):
        err().print(f"[red]Period must look like 2024-Q1, 2024-H1 or 2024, not {_escape(repr(period))}[/]")
        raise typer.Exit(2)


ByOpt = Annotated[str, typer.Option("--by", "--actor", help="Who acts (account or name), for the audit.")]
RoleOpt = Annotated[str, typer.Option(help="board or steward (stewards may reopen, not approve).")]


@command()
def approve(
    period: Annotated[str, typer.Argument(help="Board period: 2024-Q1, 2024-H1 or 2024.")],
    by: ByOpt,
    reason: Annotated[str | None, typer.Option(help="Note kept with the approval.")] = None,
    role: RoleOpt = "board",
    warehouse: WarehouseOpt = None,
) -> None:
    """Approve a period: issue its extract as a new version, kept for good, and lock its months."""
    from pdv.approval import ApprovalError
    from pdv.approval import approve as do_approve

    _check_period(period)
    try:
        done = do_approve(_settings(None, warehouse), period, by, reason, role)
    except ApprovalError as exc:
        err().print(f"[red]{_escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    err().print(
        f"{period}: version {done.version} approved by {_escape(done.actor)} at {done.at:%Y-%m-%d %H:%M}; {done.folder}"
    )


@command()
def reopen(
    period: Annotated[str, typer.Argument(help="Board period: 2024-Q1, 2024-H1 or 2024.")],
    by: ByOpt,
    reason: Annotated[str, typer.Option(help="Why the period is reopened (required, audited).")],
    role: RoleOpt = "board",
    warehouse: WarehouseOpt = None,
) -> None:
    """Reopen an approved period: its months unlock and the next run applies the pending reports."""
    from pdv.approval import ApprovalError
    from pdv.approval import reopen as do_reopen

    _check_period(period)
    try:
        done = do_reopen(_settings(None, warehouse), period, by, reason, role)
    except ApprovalError as exc:
        err().print(f"[red]{_escape(str(exc))}[/]")
        raise typer.Exit(2) from exc
    err().print(
        f"{period}: version {done.version} reopened by {_escape(done.actor)}; {done.pending} pending report(s) apply on the next run"
    )


@command()
def pending(
    fmt: Annotated[Format, typer.Option("--format", help="table or json")] = Format.table,
    warehouse: WarehouseOpt = None,
) -> None:
    """Reports waiting for a locked month, each figure beside the one in force."""
    import json

    from rich.console import Console
    from rich.table import Table

    from pdv.approval import pending_submissions

    frame = pending_submissions(_settings(None, warehouse))
    if fmt is Format.json:
        records = json.loads(frame.to_json(orient="records", force_ascii=False))
        sys.stdout.write(json.dumps(records, ensure_ascii=False, indent=2) + "\n")
        return
    table = Table()
    for name in frame.columns:
        table.add_column(str(name), overflow="fold")
    for rec in frame.astype(object).where(frame.notna(), None).itertuples(index=False):
        table.add_row(*("" if v is None else _escape(str(v)) for v in rec))
    Console().print(table)
    err().print(f"{frame[['path', 'unit_code', 'period']].drop_duplicates().shape[0]} pending report(s)")


@command()
def backtest(
    year: Annotated[int, typer.Option(help="The year to replay month by month.")] = 2024,
    fmt: Annotated[Format, typer.Option("--format", help="table or json.")] = Format.table,
    warehouse: WarehouseOpt = None,
) -> None:
    """Replay a year of the warehouse's history: each month end's outlook against the actual year end."""
    import json

    import pandas as pd
    from rich.console import Console
    from rich.table import Table

    from pdv.outlook import backtest_year
    from pdv.warehouse import destination_for

    dest = destination_for(_settings(None, warehouse).database_url)
    try:
        with dest.engine.connect() as conn:
            result = backtest_year(conn, year)
    finally:
        dest.dispose()
    if result.empty:
        err().print(f"[yellow]No reports for {year} in the warehouse.[/]")
        raise typer.Exit(2)
    if fmt == Format.json:
        typer.echo(json.dumps(result.astype(object).where(result.notna(), None).to_dict(orient="records"), indent=2))
        return
    table = Table(title=f"Backtest {year}: projection vs naive (so far x 12 / months)")
    for col in result.columns:
        table.add_column(col, justify="right")
    for row in result.itertuples(index=False):
        table.add_row(*("" if pd.isna(v) else f"{v:g}" if isinstance(v, float) else str(v) for v in row))
    Console().print(table)
    q2 = result[result["month"] == 6]
    if not q2.empty:
        r = q2.iloc[0]
        better = r["mae"] < r["naive_mae"]
        err().print(
            f"End of Q2: MAE {r['mae']:.2f} vs naive {r['naive_mae']:.2f}; in range {r['coverage']:.0%} vs"
            f" {r['naive_coverage']:.0%}; status hit {r['status_hit']:.0%} vs {r['naive_status_hit']:.0%}"
            f" ({'beats' if better else 'does not beat'} the naive projection)."
        )


@command()
def deploy(
    pool: Annotated[str, typer.Option(help="Process work pool (created if missing).")] = "pdv",
    raw: RawOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Register the scheduled deployments on the Prefect server at PREFECT_API_URL."""
    import os

    from flows.scheduled import deploy as register

    if not os.environ.get("PREFECT_API_URL"):
        err().print("[red]Set PREFECT_API_URL to the Prefect server (see README, 'Running on a schedule').[/]")
        raise typer.Exit(2)
    for name in register(pool, str(raw) if raw else None, warehouse):
        err().print(f"deployed {name}")


@command()
def serve(raw: RawOpt = None, warehouse: WarehouseOpt = None) -> None:
    """Run the scheduled deployments in this process (a small office without workers)."""
    from prefect import serve as prefect_serve

    from flows.scheduled import runner_deployments

    prefect_serve(*runner_deployments(str(raw) if raw else None, warehouse))


@command("grant-bi")
def grant_bi(
    password: Annotated[str | None, typer.Option(help="Let pdv_bi log in with this password.")] = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Create the read-only BI role pdv_bi (PostgreSQL): it reads the BI views and nothing else."""
    from pdv.warehouse import destination_for

    dest = destination_for(_settings(None, warehouse).database_url)
    try:
        err().print(dest.grant_bi(password))
    except NotImplementedError as exc:
        err().print(f"[yellow]{exc}[/]")
        raise typer.Exit(2) from exc
    finally:
        dest.dispose()


@command("demo-data")
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

    With --scale, write a clean input set at scale for benchmarks (pdv/synthetic/scale.py).
    """
    import shutil

    from pdv.synthetic.demo import YEARS, generate

    if scale is not None:
        from pdv.synthetic.scale import SCALES, default_raw_dir, generate_scale

        if scale not in SCALES:
            err().print(f"[red]--scale must be one of {', '.join(SCALES)}, not {scale!r}[/]")
            raise typer.Exit(2)
        raw_target = out or default_raw_dir(scale)
        try:
            made = generate_scale(raw_target, scale, seed, clean=clean)
        except FileExistsError as exc:
            err().print(f"[red]{exc}[/]")
            raise typer.Exit(2) from exc
        err().print(
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
        err().print(f"{year}: {len(result.files)} files, {size / 1e6:.2f} MB under {target / str(year)}")
        err().print(f"{len(result.truth.summary)} unit-months, {len(result.truth.roster)} persons admitted")
        for issue in result.expected_issues:
            err().print("deliberate flaw:", *issue)


@command("console")
def console_cmd(
    host: Annotated[
        str, typer.Option(help="Address to listen on (beyond loopback: set PDV_CONSOLE_SECRET_KEY).")
    ] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port.")] = 8000,
    demo_accounts: Annotated[bool, typer.Option(help="Create the demo accounts if missing; prints them once.")] = False,
    raw: RawOpt = None,
    warehouse: WarehouseOpt = None,
) -> None:
    """Serve the web console (Vietnamese) on the configured warehouse."""
    import uvicorn

    from pdv.console.accounts import ensure_demo, open_store
    from pdv.console.app import ConsoleRefused, create_app

    settings = _settings(raw, warehouse)
    try:
        web = create_app(settings, host)
    except ConsoleRefused as exc:
        err().print(f"[red]The console will not start: {exc}[/]")
        raise typer.Exit(2) from exc
    if demo_accounts:
        for name, role, unit, password in ensure_demo(open_store(settings), settings):
            err().print(f"demo account [bold]{name}[/] ({role}{' ' + unit if unit else ''}): password {password}")
    err().print(f"pdv console on http://{host}:{port}/ ({_safe_url(settings.database_url)})")
    uvicorn.run(web, host=host, port=port, log_level="warning")


users_app = typer.Typer(
    help="Console accounts: add, list, disable, reset-password.", no_args_is_help=True, rich_markup_mode=None
)
app.add_typer(users_app, name="users")


@users_app.command("add")
def users_add(
    name: Annotated[str, typer.Argument(help="Login name.")],
    role: Annotated[str, typer.Option(help="unit, steward or board.")],
    unit: Annotated[str | None, typer.Option(help="Unit code, for a unit account.")] = None,
    password: Annotated[str | None, typer.Option(help="Password (default: a random one, printed once).")] = None,
    raw: RawOpt = None,
) -> None:
    """Create an account."""
    from pdv.console.accounts import AccountError, add, open_store

    settings = _settings(raw, None)
    try:
        secret = add(open_store(settings), settings, name, role, unit, password)
    except AccountError as exc:
        err().print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    err().print(f"account {name.strip().lower()} created" + ("" if password else f"; password: {secret}"))


@users_app.command("list")
def users_list() -> None:
    """List the accounts (never their passwords)."""
    from rich.console import Console
    from rich.table import Table

    from pdv.console.accounts import accounts, open_store
    from pdv.settings import get_settings

    table = Table()
    for column in ("name", "role", "unit", "status"):
        table.add_column(column)
    for acc in accounts(open_store(get_settings())):
        table.add_row(acc.name, acc.role, acc.unit_code or "", "disabled" if acc.disabled else "active")
    Console().print(table)


@users_app.command("disable")
def users_disable(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Disable an account: its sessions end at the next request."""
    from pdv.console.accounts import AccountError, disable, open_store
    from pdv.settings import get_settings

    try:
        disable(open_store(get_settings()), name)
    except AccountError as exc:
        err().print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    err().print(f"account {name} disabled")


@users_app.command("reset-password")
def users_reset_password(name: Annotated[str, typer.Argument(help="Login name.")]) -> None:
    """Give an account a new random password (printed once)."""
    from pdv.console.accounts import AccountError, open_store, reset_password
    from pdv.settings import get_settings

    try:
        secret = reset_password(open_store(get_settings()), name)
    except AccountError as exc:
        err().print(f"[red]{exc}[/]")
        raise typer.Exit(2) from exc
    err().print(f"new password for {name}: {secret}")


def cli() -> None:
    """The ``pdv`` executable: the app, then Prefect's threads stopped and the process ended (``end_process``)."""
    from pdv.orchestrator import end_process, release_at_exit

    try:
        app()
    except SystemExit as exc:
        end_process(exc.code)
    except BaseException:
        release_at_exit()
        raise
    end_process(0)


if __name__ == "__main__":
    cli()
