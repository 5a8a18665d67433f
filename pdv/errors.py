"""Errors a person can fix: one Vietnamese and one English sentence, each naming the fix."""

from __future__ import annotations


class UserError(Exception):
    """A problem with the inputs or settings, not a bug: the CLI prints it and exits with code 2."""

    def __init__(self, vi: str, en: str) -> None:
        super().__init__(en)
        self.vi = vi
        self.en = en
