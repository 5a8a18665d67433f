"""`pdv users`: add, list, disable, reset-password; hashed passwords; every change audited."""

from __future__ import annotations

import re
from pathlib import Path

import pytest
from typer.testing import CliRunner

from pdv.cli import app
from pdv.console import accounts
from pdv.console.auth import verify_password
from pdv.settings import Settings


@pytest.fixture
def env(raw_dir: Path, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Settings:
    monkeypatch.setenv("PDV_RAW_DIR", str(raw_dir))
    monkeypatch.setenv("PDV_WAREHOUSE_DIR", str(tmp_path / "wh"))
    return Settings(raw_dir=raw_dir, warehouse_dir=tmp_path / "wh")


def test_users_commands(env: Settings) -> None:
    runner = CliRunner()
    out = runner.invoke(app, ["users", "add", "syt", "--role", "unit", "--unit", "syt"])
    assert out.exit_code == 0, out.output
    password = re.search(r"password: (\S+)", out.output)
    assert password
    store = accounts.open_store(env)
    account = store.account("syt")
    assert account is not None and account.unit_code == "SYT"
    assert password.group(1) not in account.password_hash and account.password_hash.startswith("$argon2")
    assert verify_password(account.password_hash, password.group(1))
    assert runner.invoke(app, ["users", "add", "x", "--role", "unit", "--unit", "NOPE"]).exit_code == 2
    assert runner.invoke(app, ["users", "add", "y", "--role", "board", "--unit", "SYT"]).exit_code == 2
    assert runner.invoke(app, ["users", "add", "syt", "--role", "board"]).exit_code == 2
    listed = runner.invoke(app, ["users", "list"])
    assert "syt" in listed.output and "active" in listed.output and "$argon2" not in listed.output
    reset = runner.invoke(app, ["users", "reset-password", "syt"])
    new = re.search(r"new password for syt: (\S+)", reset.output)
    assert new and verify_password(store.account("syt").password_hash, new.group(1))  # type: ignore[union-attr]
    assert runner.invoke(app, ["users", "disable", "syt"]).exit_code == 0
    assert store.account("syt").disabled  # type: ignore[union-attr]
    assert runner.invoke(app, ["users", "disable", "nobody"]).exit_code == 2
    actions = [a["action"] for a in store.audit_log()]
    assert actions.count("account_added") == 1 and "password_reset" in actions and "account_disabled" in actions
