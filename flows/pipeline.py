"""The pipeline flow, the data's journey: scan → read and validate → load → feedback → extracts.

The load is one task and one transaction; each of its stages (record, place, settle, cross-check,
check, reconcile, marts: ``pdv.warehouse.stages``) is a task run of its own inside it.
"""

from __future__ import annotations

import contextlib
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import date, datetime
from typing import TypeVar, cast

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.artifacts import create_link_artifact, create_markdown_artifact, create_table_artifact
from prefect.cache_policies import NO_CACHE
from prefect.states import Failed, State
from prefect.utilities.annotations import quote
from sqlalchemy.exc import DBAPIError, InterfaceError, OperationalError

from pdv import progress
from pdv.extracts.build import ExtractResult, extract_all, remove_stale
from pdv.findings import Finding
from pdv.history import UnitHistory
from pdv.ingest import ParsedFile, RawFile, content_key, no_persons, read_batch, reference_version, scan
from pdv.settings import Settings
from pdv.sources.plan import plan_gaps
from pdv.steward import refresh_feedback, warehouse_checkpoint
from pdv.warehouse import Destination, destination_for
from pdv.warehouse.base import WarehouseOutOfMemory, WarehouseUnavailable, out_of_memory
from pdv.warehouse.load import (
    STAGES,
    LoadState,
    RunSummary,
    Stage,
    current_persons,
    current_versions,
    load_run,
    read_run,
    record_failed_run,
)

T = TypeVar("T")


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def scan_inputs(settings: Settings) -> list[RawFile]:
    """Every input file with its hash (file-system I/O, retried)."""
    with progress.phase("files scanned") as p:
        files = scan(settings.raw_dir)
        p.advance(len(files))
    return files


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def known_versions(settings: Settings) -> dict[str, tuple[str, str]]:
    """Current version of every file already in the warehouse (database I/O, retried)."""
    with warehouse(settings) as dest:
        return current_versions(dest)


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def admitted_persons(settings: Settings) -> pd.DataFrame:
    """Admissions in force, for the once-only rule (database I/O, retried)."""
    with warehouse(settings) as dest:
        return current_persons(dest)


@task(cache_policy=NO_CACHE)
def read_and_validate(
    new: list[tuple[RawFile, str]], settings: Settings, persons: pd.DataFrame, copies: dict[str, str]
) -> list[tuple[ParsedFile, str]]:
    """Read and validate the new file versions, then the rules across them (one coarse task)."""
    with progress.phase("files read and validated", len(new)) as p:
        parsed = read_batch([raw for raw, _ in new], settings, persons, loaded=copies, on_file=p.advance)
        p.note = f"{sum(f.rows_read for f in parsed)} rows"
    return list(zip(parsed, [key for _, key in new], strict=True))


# The load's stages as tasks: no retries of their own (a retry must start the whole transaction again).
_STAGE_TASKS = {stage: task(name=stage.__name__.replace("_", "-"), cache_policy=NO_CACHE)(stage) for stage in STAGES}


def as_task(stage: Stage) -> Stage:
    """Run ``stage`` as a task run inside the load's task (same thread, same transaction)."""
    named = _STAGE_TASKS[stage]

    def run(state: LoadState) -> None:
        # quote: the state holds the connection and large frames, which Prefect must not walk for futures.
        named(_quoted(state))

    return run


def _transient(task: object, task_run: object, state: State) -> bool:
    """Retry what may pass on a second attempt; an out-of-memory error would only fail again, slower."""
    try:
        state.result()
    except Exception as exc:
        return not out_of_memory(exc)
    return True


@task(retries=2, retry_delay_seconds=[2, 10], retry_condition_fn=_transient, cache_policy=NO_CACHE)
def load_warehouse(
    summary: RunSummary,
    started_at: datetime,
    settings: Settings,
    seen: list[RawFile],
    parsed: list[tuple[ParsedFile, str]],
    plan_findings: list[Finding],
    full_check: bool = False,
) -> RunSummary:
    """Write the run in one transaction (database I/O, retried: a failed attempt rolls back)."""
    with warehouse(settings) as dest, progress.phase("rows loaded") as p:
        summary = load_run(
            dest,
            summary,
            started_at,
            str(settings.raw_dir),
            seen,
            parsed,
            lambda: UnitHistory.load(settings.reference_dir),  # built only when there is work
            # Nothing new means an unchanged warehouse: its checkpoint would say the same again.
            quality=warehouse_checkpoint(settings) if parsed or full_check else None,
            plan_findings=plan_findings,
            full_check=full_check,
            step=as_task,
        )
        # What the run reports is what was committed: read back the run's own record.
        stored = read_run(dest, summary.run_id)
        if stored is not None:
            for name in ("rows_read", "rows_loaded", "rows_rejected", "issues_opened", "issues_resolved"):
                setattr(summary, name, int(stored[name] or 0))
        p.advance(summary.rows_loaded)
        p.note = f"{summary.issues_opened} issues opened, {summary.issues_resolved} resolved"
        return summary


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def write_feedback(settings: Settings, run_id: str, parsed: list[tuple[ParsedFile, str]]) -> int:
    """Annotated workbooks for the files whose issues changed (file-system I/O, retried)."""
    with warehouse(settings) as dest, progress.phase("feedback workbooks") as p:
        written = len(refresh_feedback(settings, dest, run_id, [f for f, _ in parsed]))
        p.advance(written)
        return written


@contextmanager
def warehouse(settings: Settings) -> Iterator[Destination]:
    """A destination for one task; its connections are closed when the task ends."""
    dest = destination_for(settings.database_url)
    try:
        yield dest
    finally:
        dest.dispose()


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def write_extracts(settings: Settings, changed_months: list[date] | None) -> list[ExtractResult]:
    """Board extracts of the periods the run changed; unchanged figures are not rewritten (file I/O)."""
    with warehouse(settings) as dest, dest.reading(), progress.phase("extracts written") as p:
        results = extract_all(dest, settings, changed_months=changed_months)
        remove_stale(settings, dest)
        p.advance(sum(r.written for r in results))
        p.note = f"{len(results)} periods checked"
    return results


def hold_for_plan(
    settings: Settings, new: list[tuple[RawFile, str]], summary: RunSummary
) -> tuple[list[tuple[RawFile, str]], list[Finding]]:
    """Hold reports (and an annex workbook) back, unread, while the plan cannot be read.

    They are not recorded as read, so the first run that finds the plan complete reads them.
    """
    where, missing = plan_gaps(settings.raw_dir)
    if not missing:
        return new, []
    held = [(f, k) for f, k in new if f.kind in ("report", "annex_xlsx")]
    detail = "; ".join(missing)
    finding = Finding("plan.reports_held", where, value=str(len(held)), params={"detail": detail})
    record = finding.record()
    summary.plan_problem = (record["message_vi"], record["message_en"])
    summary.message = record["message_en"]
    held_paths = {f.rel for f, _ in held}
    return [(f, k) for f, k in new if f.rel not in held_paths], [finding]


def new_versions(files: list[RawFile], known: dict[str, tuple[str, str]]) -> list[tuple[RawFile, str]]:
    """Files whose content (or the reference data they are read with) changed since the last run."""
    ref = reference_version(files)
    keyed = [(f, content_key(f, ref)) for f in files if f.kind != "reference"]
    return [(f, key) for f, key in keyed if known.get(f.rel, ("", ""))[0] != key]


def loaded_copies(files: list[RawFile], known: dict[str, tuple[str, str]]) -> dict[str, str]:
    """``{sha256: path}`` of files already loaded and still present: a byte-identical copy is not loaded again."""
    present = {f.rel for f in files}
    return {sha: path for path, (_, sha) in sorted(known.items()) if path in present}


@flow(name="pdv-pipeline", log_prints=True)
def pipeline(settings: Settings, wait_for_lock: bool = True, full_check: bool = False) -> RunSummary:
    """One pipeline run against ``settings.database_url``.

    The warehouse checkpoint covers what the run changed; ``full_check`` makes it cover every row, even
    when nothing is new (``pdv check --full``, the weekly schedule).

    A warehouse that stays unreachable after the tasks' retries ends the run as Failed with one
    clear message (``WarehouseUnavailable``), not a stack trace.
    """
    logger = get_run_logger()
    dest = destination_for(settings.database_url)
    started_at = datetime.now()
    summary = RunSummary(run_id=uuid.uuid4().hex, status="running")
    try:
        with dest.run_lock(wait=wait_for_lock):
            try:
                files = scan_inputs(settings)
                known = known_versions(settings)
                new = new_versions(files, known)
                new, plan_findings = hold_for_plan(settings, new, summary)
                summary.files_seen, summary.files_new = len(files), len(new)
                logger.info("%d input files, %d new or changed", len(files), len(new))
                # Nothing new to read: the admissions in force (a growing table) are not needed.
                persons = admitted_persons(settings) if new else no_persons()
                # quote(): Prefect would otherwise walk every element of these large inputs looking for
                # futures (minutes at national scale); the tasks still receive the plain values.
                parsed = (
                    read_and_validate(_quoted(new), settings, _quoted(persons), loaded_copies(files, known))
                    if new
                    else []
                )
                summary.status = "succeeded" if new or full_check else "nothing_new"
                summary = load_warehouse(
                    summary, started_at, settings, _quoted(files), _quoted(parsed), _quoted(plan_findings), full_check
                )
                if summary.issues_opened or summary.issues_resolved:
                    write_feedback(settings, summary.run_id, _quoted(parsed))
                extracts = write_extracts(settings, summary.changed_months)
            except Exception as exc:
                summary.status, summary.message = "failed", f"{type(exc).__name__}: {exc}"
                with contextlib.suppress(Exception):  # the database may be what failed
                    record_failed_run(dest, summary, started_at, str(settings.raw_dir))
                raise
    except DBAPIError as exc:
        if out_of_memory(exc):
            limit = settings.duckdb_memory_limit if dest.name == "duckdb" else "the server's"
            message = (
                f"Kho dữ liệu hết bộ nhớ / the warehouse ran out of memory ({dest.name}, limit {limit}): "
                "raise PDV_DUCKDB_MEMORY_LIMIT or run with fewer new files at a time"
            )
            logger.error(message)
            return Failed(message=message, data=WarehouseOutOfMemory(message))  # type: ignore[return-value]
        if not exc.connection_invalidated and not isinstance(exc, OperationalError | InterfaceError):
            raise
        message = f"Không kết nối được kho dữ liệu / warehouse unreachable ({dest.name}): {_first_line(exc)}"
        logger.error(message)
        # A Failed state, not an exception: the run ends with this one message and no stack trace.
        return Failed(message=message, data=WarehouseUnavailable(message))  # type: ignore[return-value]
    if summary.status != "nothing_new" or any(r.written for r in extracts):
        # A run that changed nothing would publish the same artifacts again: the latest still hold.
        publish_artifacts(settings, summary, extracts)
    logger.info(
        "run %s %s: %d rows loaded, %d rejected, %d issues opened, %d resolved",
        summary.run_id,
        summary.status,
        summary.rows_loaded,
        summary.rows_rejected,
        summary.issues_opened,
        summary.issues_resolved,
    )
    return summary


def _quoted(value: T) -> T:
    """``value`` marked for Prefect not to walk its elements looking for futures (typed as the value)."""
    return cast(T, quote(value))


def _first_line(exc: BaseException) -> str:
    text = str(getattr(exc, "orig", None) or exc).strip()
    return text.splitlines()[0] if text else type(exc).__name__


def publish_artifacts(settings: Settings, summary: RunSummary, extracts: list[ExtractResult]) -> None:
    """Prefect artifacts with stable keys: validation summary, Data Docs link, extract manifests."""
    with warehouse(settings) as dest:
        by_rule = dest.read_sql(
            "select rule, severity, count(*) as n from dq_issue where status = 'open'"
            " group by rule, severity order by rule"
        )
    facts = [
        {"measure": k, "value": getattr(summary, k)}
        for k in (
            "status",
            "files_seen",
            "files_new",
            "rows_read",
            "rows_loaded",
            "rows_rejected",
            "issues_opened",
            "issues_resolved",
        )
    ]
    create_table_artifact(
        key="pdv-validation-summary",
        table=facts
        + [
            {"measure": f"open {sev}: {rule}", "value": int(n)}
            for rule, sev, n in zip(by_rule["rule"], by_rule["severity"], by_rule["n"], strict=True)
        ],
        description=f"Run {summary.run_id}: files read, rows loaded and rejected, open issues by rule",
    )
    docs = settings.gx_dir / "index.html"
    create_link_artifact(
        key="pdv-data-docs",
        link=docs.resolve().as_uri(),
        link_text="Great Expectations Data Docs",
        description="Data Docs of the warehouse checkpoint run after the load",
    )
    lines = ["| period | written | data cut-off | load run | CSV sha256 |", "|---|---|---|---|---|"]
    lines += [
        f"| {r.period} | {'yes' if r.written else 'unchanged'} | {r.manifest.get('data_cutoff')} "
        f"| {r.manifest.get('load_run')} | `{r.manifest.get('files', {}).get('csv', {}).get('sha256', '')[:16]}` |"
        for r in extracts
    ]
    create_markdown_artifact(
        key="pdv-extract-manifest",
        markdown="\n".join(["# Board extracts", "", *lines]),
        description="Extract manifests: one line per period",
    )
