"""Progress of a run, phase by phase: a bar per phase on a terminal, one plain line per phase otherwise.

The flow reports through ``phase()``; the CLI chooses how it is shown (``use_terminal`` / ``use_plain``).
Nothing is shown unless the CLI asked for it, so tests and library calls stay quiet.
"""

from __future__ import annotations

import sys
import time
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from typing import Any, TextIO

Advance = Callable[[int], None]


class _Silent:
    def start(self, name: str, total: int | None) -> None: ...
    def advance(self, n: int) -> None: ...
    def finish(self, name: str, done: int, seconds: float, note: str) -> None: ...
    def close(self) -> None: ...


class _Plain(_Silent):
    """One line per phase, for schedulers, CI and redirected output."""

    def __init__(self, stream: TextIO | None) -> None:
        self.stream = stream

    def finish(self, name: str, done: int, seconds: float, note: str) -> None:
        extra = f", {note}" if note else ""
        stream = self.stream or sys.stderr  # looked up now: the CLI's test runner swaps sys.stderr per call
        stream.write(f"pdv: {name}: {done}{extra} ({seconds:.1f} s)\n")
        stream.flush()


class _Bars(_Silent):
    """A rich progress bar per phase."""

    def __init__(self) -> None:
        from rich.console import Console
        from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

        self.progress = Progress(
            TextColumn("{task.description}"),
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=False,
        )
        self.progress.start()
        self.task: Any = None

    def start(self, name: str, total: int | None) -> None:
        self.task = self.progress.add_task(name, total=total)

    def advance(self, n: int) -> None:
        if self.task is not None:
            self.progress.advance(self.task, n)

    def finish(self, name: str, done: int, seconds: float, note: str) -> None:
        from rich.markup import escape

        desc = f"{name}" + (f" [dim]({escape(note)})[/]" if note else "")
        self.progress.update(self.task, description=desc, total=max(done, 1) if done else 1, completed=done or 1)
        self.task = None

    def close(self) -> None:
        self.progress.stop()


_reporter: _Silent = _Silent()


def use_terminal() -> None:
    global _reporter
    _reporter = _Bars()


def use_plain(stream: TextIO | None = None) -> None:
    global _reporter
    _reporter = _Plain(stream)


def close() -> None:
    global _reporter
    _reporter.close()
    _reporter = _Silent()


class Phase:
    """What a phase reports: its count so far and a short note for its closing line."""

    def __init__(self) -> None:
        self.done = 0
        self.note = ""

    def advance(self, n: int = 1) -> None:
        self.done += n
        _reporter.advance(n)


@contextmanager
def phase(name: str, total: int | None = None) -> Iterator[Phase]:
    """Report one phase: ``with phase("files read", len(files)) as p: ... p.advance()``."""
    started = time.monotonic()
    _reporter.start(name, total)
    p = Phase()
    try:
        yield p
    finally:
        _reporter.finish(name, p.done, time.monotonic() - started, p.note)
