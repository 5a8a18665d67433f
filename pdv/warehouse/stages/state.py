"""What a run is loading, and what each stage hands to the next."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field
from datetime import date
from functools import cached_property

import numpy as np
import pandas as pd
from sqlalchemy.engine import Connection

from pdv.findings import ISSUE_COLUMNS, Finding
from pdv.history import UnitHistory
from pdv.ingest import ParsedFile, RawFile
from pdv.warehouse.base import Destination

QualityCheck = Callable[[Connection, bool], list[Finding]]  # (connection, full): findings


def tagged(frames: list[pd.DataFrame], **per_frame: Sequence[object]) -> pd.DataFrame:
    """Many files' frames as one, each row given its frame's values of ``per_frame`` (its file id, ...).

    One concat and one column each, not an ``assign`` per file: a batch holds thousands of small files.
    """
    out = pd.concat(frames, ignore_index=True)
    lengths = [len(f) for f in frames]
    for name, values in per_frame.items():
        out[name] = pd.Series(np.repeat(np.asarray(values), lengths))
    return out


@dataclass
class RunSummary:
    """What a run did, for the CLI, logs and the ``load_run`` row."""

    run_id: str
    status: str
    files_seen: int = 0
    files_new: int = 0
    rows_read: int = 0
    rows_loaded: int = 0
    rows_rejected: int = 0
    issues_opened: int = 0
    issues_resolved: int = 0
    message: str | None = None
    # Months whose figures this run changed (None: everything may have, e.g. new targets or units).
    changed_months: list[date] | None = field(default=None, repr=False)
    # Why reports were held back unread (Vietnamese, English), for the CLI's closing sentence.
    plan_problem: tuple[str, str] | None = field(default=None, repr=False)

    def record(self) -> dict[str, object]:
        """The ``load_run`` columns."""
        return {k: v for k, v in asdict(self).items() if k not in ("changed_months", "plan_problem")}


def no_findings() -> pd.DataFrame:
    return pd.DataFrame(columns=[*ISSUE_COLUMNS, "scope", "file_id"])


def no_scopes() -> pd.DataFrame:
    return pd.DataFrame(columns=["scope", "resolver"])


@dataclass
class LoadState:
    """One run's load: its inputs, its connection, and what the stages found so far."""

    conn: Connection
    dest: Destination
    summary: RunSummary
    seen: list[RawFile]
    parsed: list[tuple[ParsedFile, str]]
    history_source: UnitHistory | Callable[[], UnitHistory]
    quality: QualityCheck | None = None
    plan_findings: list[Finding] = field(default_factory=list)
    full_check: bool = False
    # record: which inputs are new
    reference_changed: bool = False
    file_ids: dict[str, int] = field(default_factory=dict)
    retired: list[int] = field(default_factory=list)
    # place: the unit versions' keys, every row placed in this run (new and earlier), and the admissions
    # moved to a later month (rows with no file of this run: settled again, not re-checked for placement)
    versions: pd.DataFrame = field(default_factory=pd.DataFrame)
    affected: set[str] = field(default_factory=set)
    placed: pd.DataFrame = field(default_factory=pd.DataFrame)
    moved: pd.DataFrame = field(default_factory=pd.DataFrame)
    moved_found: pd.DataFrame = field(default_factory=no_findings)  # of admissions moved to a later month
    # settle: the unit-months whose report in force was decided again
    touched: pd.DataFrame = field(default_factory=pd.DataFrame)
    # cross-check and check: findings with the scopes they re-check
    findings: list[pd.DataFrame] = field(default_factory=lambda: [no_findings()])
    scopes: list[pd.DataFrame] = field(default_factory=lambda: [no_scopes()])

    @cached_property
    def history(self) -> UnitHistory:
        """Built on first use: a run with nothing new never reads the reference data."""
        return self.history_source() if callable(self.history_source) else self.history_source

    @property
    def files(self) -> list[ParsedFile]:
        return [p for p, _ in self.parsed]

    @property
    def plans(self) -> list[ParsedFile]:
        """New plan documents or annexes that carry targets."""
        return [p for p in self.files if p.plan is not None and p.targets is not None and p.plan.plan_no]

    def found(self, findings: pd.DataFrame, scopes: pd.DataFrame | None = None) -> None:
        self.findings.append(findings)
        if scopes is not None:
            self.scopes.append(scopes)
