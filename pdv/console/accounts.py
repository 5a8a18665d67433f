"""Console accounts, shared by ``pdv users`` and ``pdv console --demo-accounts``; every change is audited."""

from __future__ import annotations

import re
import secrets

from pdv.console.auth import hash_password
from pdv.console.store import ROLES, Account, Store
from pdv.settings import Settings

NAME = re.compile(r"[a-z0-9][a-z0-9._-]{1,31}")
DEMO = [("ban", "steward", None), ("lanhdao", "board", None), ("syt", "unit", "SYT"), ("stp", "unit", "STP")]


class AccountError(ValueError):
    """A request the account rules refuse (the message says which)."""


def open_store(settings: Settings) -> Store:
    return Store(settings.console_dir / "console.sqlite")


def new_password() -> str:
    return secrets.token_urlsafe(12)


def add(store: Store, settings: Settings, name: str, role: str, unit: str | None, password: str | None) -> str:
    """Create an account; returns its password (the one given, or a new random one)."""
    from pdv.reference import UnitRegistry

    name = name.strip().lower()
    if not NAME.fullmatch(name):
        raise AccountError("names are 2-32 characters: lower-case letters, digits, '.', '_' or '-'")
    if role not in ROLES:
        raise AccountError(f"role must be one of {', '.join(ROLES)}")
    if (role == "unit") != bool(unit):
        raise AccountError("a unit account needs --unit CODE, and only a unit account has one")
    code = unit.strip().upper() if unit else None
    if code and not UnitRegistry.load(settings.reference_dir).is_code(code):
        raise AccountError(f"unknown unit code {code!r} (see {settings.reference_dir / 'units.csv'})")
    if store.account(name) is not None:
        raise AccountError(f"account {name!r} exists")
    password = password or new_password()
    if len(password) < 10:
        raise AccountError("passwords have at least 10 characters")
    store.add_account(name, role, code, hash_password(password))
    store.audit("cli", "account_added", f"{name} ({role}{' ' + code if code else ''})")
    return password


def disable(store: Store, name: str) -> None:
    if not store.set_disabled(name, True):
        raise AccountError(f"no account {name!r}")
    store.audit("cli", "account_disabled", name)


def reset_password(store: Store, name: str, password: str | None = None) -> str:
    password = password or new_password()
    if not store.set_password(name, hash_password(password)):
        raise AccountError(f"no account {name!r}")
    store.audit("cli", "password_reset", name)
    return password


def accounts(store: Store) -> list[Account]:
    return store.accounts()


def ensure_demo(store: Store, settings: Settings) -> list[tuple[str, str, str | None, str]]:
    """The demo accounts that did not exist yet, with their new passwords (printed once, never stored)."""
    made = []
    for name, role, unit in DEMO:
        if store.account(name) is None:
            made.append((name, role, unit, add(store, settings, name, role, unit, None)))
    return made
