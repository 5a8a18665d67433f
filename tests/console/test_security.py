"""The console over HTTP: roles and unit binding, CSRF, uploads that try to escape, size, throttle, privacy, audit."""

from __future__ import annotations

import io
import re
from datetime import date
from pathlib import Path

import pytest
from fastapi.testclient import TestClient

from pdv.console.app import ConsoleRefused, create_app
from tests.console.conftest import PASSWORD, Console, csrf_of
from tests.console.workbooks import PEOPLE, national_id, report

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
STP_FILE = "reports/2024/03/STP_2024-03.xlsx"
SYT_FILE = "reports/2024/03/SYT_2024-03.xlsx"


def _upload(client: TestClient, name: str, content: bytes) -> tuple[int, str]:
    token = csrf_of(client, "/upload")
    r = client.post("/upload", data={"csrf": token}, files=[("files", (name, content, XLSX))])
    return r.status_code, r.text


def test_clerk_sees_only_own_unit(console: Console, client_for) -> None:  # type: ignore[no-untyped-def]
    syt = client_for("syt")
    assert syt.get("/units/SYT").status_code == 200
    assert syt.get("/units/STP").status_code == 403
    assert syt.get("/issues", params={"unit": "STP"}).status_code == 403
    assert syt.get("/feedback", params={"file": STP_FILE}).status_code == 404
    assert syt.get("/template", params={"unit": "STP", "period": "2024-05"}).status_code == 403
    # pages the clerk may not open at all
    assert syt.get("/extracts").status_code == 403
    assert syt.get("/runs").status_code == 403
    mine = syt.get("/issues", params={"status": ""}).text
    assert "STP_2024-03" not in mine
    board = client_for("lanhdao")
    assert board.get("/upload").status_code == 403
    assert board.get("/persons/1/2").status_code == 403
    anonymous = client_for()
    r = anonymous.get("/", follow_redirects=False)
    assert r.status_code == 303 and r.headers["location"] == "/login"


def test_feedback_of_own_file_only(console: Console, client_for) -> None:  # type: ignore[no-untyped-def]
    # a flawed SYT report loaded by a run has a feedback workbook; STP's clerk may not fetch it
    from tests.helpers import run_pipeline

    report(console.settings.raw_dir / "reports/2024/04/SYT_2024-04.xlsx", "SYT", "2024-04", date(2024, 5, 3), total=3)
    run_pipeline(console.settings)
    console.app.state.reads.refresh()
    rel = "reports/2024/04/SYT_2024-04.xlsx"
    syt, stp = client_for("syt"), client_for("stp")
    r = syt.get("/feedback", params={"file": rel})
    assert r.status_code == 200 and r.content[:2] == b"PK"
    assert stp.get("/feedback", params={"file": rel}).status_code == 404
    assert syt.get("/feedback", params={"file": "../../../etc/passwd"}).status_code == 404
    actions = {(a["actor"], a["action"], a["target"]) for a in console.store.audit_log()}
    assert ("syt", "download_feedback", rel) in actions


def test_post_without_csrf_is_refused(console: Console, client_for) -> None:  # type: ignore[no-untyped-def]
    steward = client_for("ban")
    r = steward.post("/runs", data={})
    assert r.status_code == 403
    assert "chống giả mạo" in r.text
    r = steward.post("/runs", data={"csrf": "forged"})
    assert r.status_code == 403
    anonymous = client_for()
    r = anonymous.post("/login", data={"name": "ban", "password": PASSWORD})
    assert r.status_code == 403
    assert not any(a["action"] == "start_run" for a in console.store.audit_log())


def test_upload_name_cannot_escape_the_inbox(console: Console, client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    syt = client_for("syt")
    content = report(tmp_path / "src" / "source.xlsx", "SYT", "2024-05", date(2024, 6, 2)).read_bytes()
    status, html = _upload(syt, "../../x.xlsx", content)
    assert status == 200, html[-2000:]
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token, html[-2000:]
    r = syt.post("/upload/submit", data={"csrf": csrf_of(syt, "/upload"), "token": token.group(1)})
    assert r.status_code == 200
    raw = console.settings.raw_dir
    stored = raw / "reports/2024/05/SYT_x.xlsx"
    assert stored.read_bytes() == content
    written = sorted(p for p in tmp_path.rglob("*") if p.is_file() and p.name.endswith("x.xlsx"))
    assert written == [stored], written
    # the same bytes again are reported, not stored twice
    status, html = _upload(syt, "other-name.xlsx", content)
    assert "giống hệt tệp đã nhận" in html
    token = re.search(r'name="token" value="([^"]+)"', html)
    assert token
    syt.post("/upload/submit", data={"csrf": csrf_of(syt, "/upload"), "token": token.group(1)})
    assert sorted(p.name for p in (raw / "reports/2024/05").iterdir()) == ["SYT_x.xlsx"]
    actions = [(a["actor"], a["action"]) for a in console.store.audit_log()]
    assert ("syt", "upload") in actions and ("syt", "upload_duplicate") in actions


def test_clerk_cannot_file_another_units_rows(console: Console, client_for, tmp_path: Path) -> None:  # type: ignore[no-untyped-def]
    syt = client_for("syt")
    content = report(tmp_path / "mixed.xlsx", "SYT", "2024-05", date(2024, 6, 2), extra_unit="STP").read_bytes()
    status, html = _upload(syt, "mixed.xlsx", content)
    assert status == 200
    assert "đơn vị khác (STP)" in html
    assert 'name="token"' not in html  # nothing to submit


def test_oversized_upload_is_refused_early(console: Console, client_for) -> None:  # type: ignore[no-untyped-def]
    syt = client_for("syt")
    limit = console.settings.console_max_upload_bytes
    token = csrf_of(syt, "/upload")
    r = syt.post("/upload", data={"csrf": token}, files=[("files", ("big.xlsx", io.BytesIO(b"0" * (limit + 1)), XLSX))])
    assert r.status_code == 413
    assert "quá lớn" in r.text
    assert (
        not list((console.settings.console_dir / "staging").glob("*"))
        if (console.settings.console_dir / "staging").exists()
        else True
    )


def test_eleventh_wrong_password_is_throttled(console: Console, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for()
    token = csrf_of(client)
    for _ in range(10):
        r = client.post("/login", data={"name": "ban", "password": "sai-mat-khau", "csrf": token})
        assert r.status_code == 401
        assert "không đúng" in r.text
    r = client.post("/login", data={"name": "ban", "password": PASSWORD, "csrf": token})
    assert r.status_code == 429  # even the right password waits out the minute
    assert "quá nhiều lần" in r.text
    actions = [a["action"] for a in console.store.audit_log() if a["actor"] == "ban"]
    assert actions.count("login_failed") == 10 and "login_throttled" in actions


def test_board_and_clerk_pages_carry_no_personal_data(console: Console, client_for) -> None:  # type: ignore[no-untyped-def]
    ids = [national_id(u, "2024-03", i) for u in PEOPLE for i in range(2)]
    secrets = [*ids, *(n[:3] + "*******" + n[-2:] for n in ids)]
    secrets += [
        s
        for people in PEOPLE.values()
        for name, born, *_ in people
        for s in (name, born.strftime("%d/%m/%Y"), born.isoformat())
    ]
    pages = ["/", "/issues?status=", "/units/SYT", "/units/STP", "/extracts", "/runs", "/issues?severity=error"]
    for who, allowed in (
        ("lanhdao", pages),
        ("syt", ["/", "/issues?status=", "/units/SYT", "/upload", "/upload/status"]),
    ):
        client = client_for(who)
        for path in allowed:
            html = client.get(path).text
            leaked = [s for s in secrets if s in html]
            assert not leaked, (who, path, leaked)
            assert not re.search(r"\d{3}\*{7}\d{2}", html), (who, path)
    steward = client_for("ban")
    unit = steward.get("/units/SYT").text
    assert PEOPLE["SYT"][0][0] not in unit  # names only on a person's row, when asked
    link = re.search(r'href="(/persons/\d+/\d+)"', unit)
    assert link, unit[-3000:]
    person = steward.get(link.group(1)).text
    assert any(name in person for name, *_ in PEOPLE["SYT"])
    assert ("ban", "view_personal") in [(a["actor"], a["action"]) for a in console.store.audit_log()]


def test_audit_records_runs_and_accounts(console: Console, client_for) -> None:  # type: ignore[no-untyped-def]
    steward = client_for("ban")
    # no worker in this app: the request is refused with a page, and nothing is recorded as started
    r = steward.post("/runs", data={"csrf": csrf_of(steward, "/runs")})
    assert r.status_code == 503
    log = console.store.audit_log()
    assert {("cli", "account_added")} <= {(a["actor"], a["action"]) for a in log}
    assert ("ban", "login") in {(a["actor"], a["action"]) for a in log}


def test_refuses_to_listen_beyond_loopback_without_a_key(console: Console) -> None:
    with pytest.raises(ConsoleRefused):
        create_app(console.settings, "0.0.0.0", start_worker=False)
    keyed = console.settings.model_copy(update={"console_secret_key": "k" * 32})
    assert create_app(keyed, "0.0.0.0", start_worker=False).state.secure_cookies


def test_session_cookie_is_signed_httponly_samesite(console: Console, client_for) -> None:  # type: ignore[no-untyped-def]
    client = client_for()
    token = csrf_of(client)
    r = client.post("/login", data={"name": "ban", "password": PASSWORD, "csrf": token}, follow_redirects=False)
    cookie = r.headers["set-cookie"].lower()
    assert "httponly" in cookie and "samesite=strict" in cookie
    forged = client_for()
    forged.cookies.set("pdv_session", "eyJ1IjoiYmFuIn0.forged.sig")
    assert forged.get("/", follow_redirects=False).status_code == 303
