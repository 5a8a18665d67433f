"""Text from files on the terminal: shown as written, never as rich markup or terminal controls."""

from __future__ import annotations

import re

from rich.text import Text

# C0/C1 controls (ESC sequences among them) and bidirectional overrides; newlines stay.
_CONTROL = re.compile(r"[\x00-\x09\x0b-\x1f\x7f-\x9f\u200e\u200f\u202a-\u202e\u2066-\u2069]")


def strip_controls(value: object) -> str:
    """``value`` as text without control characters (a tab becomes a space)."""
    return _CONTROL.sub(lambda m: " " if m.group() == "\t" else "", "" if value is None else str(value))


def plain(value: object) -> Text:
    """A rich ``Text`` holding ``value`` literally: brackets are not markup, controls are gone."""
    return Text(strip_controls(value))


def markup_safe(value: object) -> str:
    """``value`` for a markup string (``console.print(f"[red]{...}[/]")``): escaped and stripped."""
    from rich.markup import escape

    return escape(strip_controls(value))
