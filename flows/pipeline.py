"""The pipeline flow: scan the raw directory, read and validate new files, load the warehouse."""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from datetime import datetime

import pandas as pd
from prefect import flow, get_run_logger, task
from prefect.cache_policies import NO_CACHE

from pdv.extracts.build import extract_all, remove_stale
from pdv.ingest import ParsedFile, RawFile, content_key, read_batch, reference_version, scan
from pdv.reference import UnitRegistry
from pdv.settings import Settings
from pdv.steward import refresh_feedback, warehouse_checkpoint
from pdv.warehouse import Destination, destination_for
from pdv.warehouse.load import RunSummary, current_persons, current_versions, load_run, record_failed_run


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def scan_inputs(settings: Settings) -> list[RawFile]:
    """Every input file with its hash (file-system I/O, retried)."""
    return scan(settings.raw_dir)


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
    parsed = read_batch([raw for raw, _ in new], settings, persons, loaded=copies)
    return list(zip(parsed, [key for _, key in new], strict=True))


@task(retries=2, retry_delay_seconds=[2, 10], cache_policy=NO_CACHE)
def load_warehouse(
    summary: RunSummary,
    started_at: datetime,
    settings: Settings,
    seen: list[RawFile],
    parsed: list[tuple[ParsedFile, str]],
) -> RunSummary:
    """Write the run in one transaction (database I/O, retried: a failed attempt rolls back)."""
    registry = UnitRegistry.load(settings.reference_dir)
    with warehouse(settings) as dest:
        return load_run(
            dest,
            summary,
            started_at,
            str(settings.raw_dir),
            seen,
            parsed,
            registry,
            quality=warehouse_checkpoint(settings),
        )


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def write_feedback(settings: Settings, run_id: str, parsed: list[tuple[ParsedFile, str]]) -> int:
    """Annotated workbooks for the files whose issues changed (file-system I/O, retried)."""
    with warehouse(settings) as dest:
        return len(refresh_feedback(settings, dest, run_id, [p for p, _ in parsed]))


@contextmanager
def warehouse(settings: Settings) -> Iterator[Destination]:
    """A destination for one task; its connections are closed when the task ends."""
    dest = destination_for(settings.database_url)
    try:
        yield dest
    finally:
        dest.dispose()


@task(retries=2, retry_delay_seconds=[1, 5], cache_policy=NO_CACHE)
def write_extracts(settings: Settings) -> int:
    """Board extracts for every period with data; unchanged periods are left as they are (file I/O)."""
    with warehouse(settings) as dest:
        results = extract_all(dest, settings)
        remove_stale(settings, results)
    return sum(r.written for r in results)


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
def pipeline(settings: Settings, wait_for_lock: bool = True) -> RunSummary:
    """One pipeline run against ``settings.database_url``."""
    logger = get_run_logger()
    dest = destination_for(settings.database_url)
    started_at = datetime.now()
    summary = RunSummary(run_id=uuid.uuid4().hex, status="running")
    with dest.run_lock(wait=wait_for_lock):
        try:
            files = scan_inputs(settings)
            known = known_versions(settings)
            new = new_versions(files, known)
            summary.files_seen, summary.files_new = len(files), len(new)
            logger.info("%d input files, %d new or changed", len(files), len(new))
            parsed = read_and_validate(new, settings, admitted_persons(settings), loaded_copies(files, known))
            summary.status = "succeeded" if new else "nothing_new"
            summary = load_warehouse(summary, started_at, settings, files, parsed)
            if summary.issues_opened or summary.issues_resolved:
                write_feedback(settings, summary.run_id, parsed)
            if summary.status != "nothing_new" or not settings.extracts_dir.exists():
                logger.info("%d extract(s) written", write_extracts(settings))
        except Exception as exc:
            summary.status, summary.message = "failed", f"{type(exc).__name__}: {exc}"
            try:
                record_failed_run(dest, summary, started_at, str(settings.raw_dir))
            except Exception:  # the database may be what failed
                logger.warning("could not record the failed run")
            raise
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
