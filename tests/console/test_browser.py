"""The console in a real browser (Playwright driving Debian's chromium): the issue's three scenarios.

Set PDV_CONSOLE_SCREENSHOTS=docs to refresh the README's screenshots while the scenarios run.
"""

from __future__ import annotations

import os
from collections.abc import Iterator
from datetime import date
from pathlib import Path

import openpyxl
import pytest
from playwright.sync_api import Browser, Page, sync_playwright

from tests.console.conftest import PASSWORD, Console
from tests.console.workbooks import report

CHROMIUM = "/usr/bin/chromium"
SHOTS = os.environ.get("PDV_CONSOLE_SCREENSHOTS")
WAIT_MS = 240_000


@pytest.fixture(scope="module")
def browser() -> Iterator[Browser]:
    with sync_playwright() as p:
        b = p.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        yield b
        b.close()


LAPTOP = {"width": 1366, "height": 768}
PHONE = {"width": 390, "height": 844}


def open_as(browser: Browser, base: str, name: str, viewport: dict[str, int] = LAPTOP) -> Page:
    phone = viewport["width"] < 640
    page = browser.new_page(
        viewport=viewport, accept_downloads=True, base_url=base, is_mobile=phone, has_touch=phone  # type: ignore[arg-type]
    )
    page.goto("/login")
    page.fill("input[name=name]", name)
    page.fill("input[name=password]", PASSWORD)
    page.click("button[type=submit]")
    page.wait_for_url(base + "/")
    return page


def shot(page: Page, name: str) -> None:
    if SHOTS:
        page.screenshot(path=str(Path(SHOTS) / f"console-{name}.png"), full_page=False)


def wait_processed(page: Page, rel: str) -> None:
    """Reload the submissions page until the file's run is over (the page refreshes itself too)."""
    row = page.locator(f"tr[data-file='{rel}'] td.status")
    page.wait_for_function(
        "rel => { const r = document.querySelector(`tr[data-file='${rel}'] td.status`);"
        " return r && !/Chờ xử lý/.test(r.textContent) && document.querySelector('#run-state').dataset.busy === 'no'; }",
        arg=rel,
        timeout=WAIT_MS,
        polling=1000,
    )
    assert row.count() >= 1  # the newest submission of the file comes first


def upload(page: Page, path: Path) -> None:
    page.goto("/upload")
    page.set_input_files("#files", str(path))
    page.click("text=Kiểm tra tệp")
    page.wait_for_selector(".upload-result")


def test_clerk_uploads_fixes_and_sees_figures(
    live: tuple[str, Console, Path], browser: Browser, tmp_path: Path
) -> None:
    """Scenario 1: flawed upload -> issues in Vietnamese -> feedback with comments -> fix -> resolved, figures."""
    base, con, _ = live
    page = open_as(browser, base, "syt")
    flawed = report(tmp_path / "v1" / "bao-cao-thang-4.xlsx", "SYT", "2024-04", date(2024, 5, 3), total=3)
    upload(page, flawed)
    text = page.inner_text("main")
    assert "Kết nạp: Tổng số (3) khác Đoàn viên thanh niên + Đoàn viên công đoàn (2)" in text
    shot(page, "upload")
    page.click("#submit")
    rel = "reports/2024/04/SYT_bao-cao-thang-4.xlsx"
    wait_processed(page, rel)
    shot(page, "submissions")
    with page.expect_download() as download:
        page.click(f"tr[data-file='{rel}'] a.feedback")
    download.value.save_as(tmp_path / "feedback.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "feedback.xlsx")
    comments = [c.comment.text for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.comment]
    assert any("Kết nạp: Tổng số (3)" in text for text in comments), comments

    fixed = report(tmp_path / "v2" / "bao-cao-thang-4.xlsx", "SYT", "2024-04", date(2024, 5, 3))
    upload(page, fixed)
    assert "0 lỗi" in page.inner_text(".upload-result")
    page.click("#submit")
    wait_processed(page, rel)
    assert "Đã nạp" in page.locator(f"tr[data-file='{rel}'] td.status").first.inner_text()
    page.goto("/issues?status=resolved&file=" + rel)
    resolved = page.inner_text("main")
    assert "Kết nạp: Tổng số (3)" in resolved and "Đã khắc phục" in resolved
    page.goto("/?year=2024")
    row = page.inner_text("table.bars tr:has(a[href='/units/SYT'])")
    assert "4 /" in row, row  # March's 2 and April's corrected 2
    page.goto("/issues")
    shot(page, "issues")
    done = [(a["actor"], a["action"]) for a in con.store.audit_log()]
    assert ("syt", "upload") in done and ("syt", "download_feedback") in done and ("syt", "start_run") in done


def test_steward_sees_missing_and_late_months(live: tuple[str, Console, Path], browser: Browser) -> None:
    """Scenario 2: the completeness grid shows STP's late March, a missing unit-month and SYT on time."""
    base, _, _ = live
    page = open_as(browser, base, "ban")
    page.goto("/?year=2024")
    grid = page.locator("#completeness")
    assert grid.locator("td[data-unit='STP'][data-month='2024-03'][data-state='late']").count() == 1
    assert grid.locator("td[data-unit='SYT'][data-month='2024-03'][data-state='on_time']").count() == 1
    assert grid.locator("td[data-month='2024-03'][data-state='missing']").count() > 0
    assert "Muộn" in grid.inner_text() and "Thiếu" in grid.inner_text()
    shot(page, "dashboard")
    page.goto("/units/SYT")
    shot(page, "unit")


def test_board_downloads_the_quarter_xlsx(live: tuple[str, Console, Path], browser: Browser, tmp_path: Path) -> None:
    """Scenario 3: a Board account downloads 2024-Q1's XLSX from the extracts page."""
    base, _, _ = live
    page = open_as(browser, base, "lanhdao")
    page.goto("/extracts")
    shot(page, "extracts")
    with page.expect_download() as download:
        page.click("a[href='/extracts/2024-Q1/tien-do-2024-Q1.xlsx']")
    assert download.value.suggested_filename == "tien-do-2024-Q1.xlsx"
    download.value.save_as(tmp_path / "q1.xlsx")
    workbook = openpyxl.load_workbook(tmp_path / "q1.xlsx")
    cells = " ".join(str(c.value) for ws in workbook.worksheets for row in ws.iter_rows() for c in row if c.value)
    assert "Quý I năm 2024" in cells and " SYT " in cells
    page.goto("/runs")
    shot(page, "runs")


def test_board_approves_a_quarter_and_a_steward_reopens_it(
    live: tuple[str, Console, Path], browser: Browser, tmp_path: Path
) -> None:
    """Issue 16 in the console: approve 2024-Q1, a corrected March report waits as pending, reopen with a reason."""
    base, con, _ = live
    board = open_as(browser, base, "lanhdao")
    board.goto("/approvals")
    board.click("form[action='/approvals/approve']:has(input[value='2024-Q1']) button")
    board.wait_for_url("**/approvals?message=*")
    assert "Đã phê duyệt kỳ 2024-Q1, phiên bản 1" in board.inner_text("main")
    assert board.locator("form[action='/approvals/approve']:has(input[value='2024-Q1'])").count() == 0
    clerk = open_as(browser, base, "syt")
    corrected = report(tmp_path / "fix" / "SYT_2024-03.xlsx", "SYT", "2024-03", date(2024, 4, 3), total=4)
    upload(clerk, corrected)
    clerk.click("#submit")
    wait_processed(clerk, "reports/2024/03/SYT_2024-03.xlsx")
    steward = open_as(browser, base, "ban")
    steward.goto("/approvals")
    pending = steward.inner_text("#pending")
    assert "SYT" in pending and "2024-03" in pending and "2024-Q1" in pending, pending
    shot(steward, "approvals")
    form = "form[action='/approvals/reopen']:has(input[value='2024-Q1'])"
    steward.fill(f"{form} input[name=reason]", "Sở Y tế gửi lại báo cáo tháng 3")
    steward.click(f"{form} button")
    steward.wait_for_url("**/approvals?message=*")
    assert "Đã mở lại kỳ 2024-Q1" in steward.inner_text("main")
    assert "Sở Y tế gửi lại báo cáo tháng 3" in steward.inner_text("table.approvals")
    done = {(a["actor"], a["action"]) for a in con.store.audit_log()}
    assert ("lanhdao", "approve_period") in done and ("ban", "reopen_period") in done


def test_the_dashboard_and_unit_page_show_the_outlook(live: tuple[str, Console, Path], browser: Browser) -> None:
    """Issue 17 in the console: the early warning on the dashboard (every unit) and on a clerk's unit page."""
    base, _, _ = live
    board = open_as(browser, base, "lanhdao")
    board.goto("/?year=2024")
    outlook = board.inner_text("#outlook")
    assert "Dự báo khả năng hoàn thành chỉ tiêu" in outlook
    assert board.locator("#outlook tbody tr").count() > 2
    clerk = open_as(browser, base, "syt")
    clerk.goto("/units/SYT")
    rows = clerk.locator("#outlook tbody tr")
    assert rows.count() == 1 and "/units/SYT" in (rows.first.locator("a").get_attribute("href") or "")
    clerk.goto("/?year=2024")
    assert clerk.locator("#outlook tbody tr").count() == 1


@pytest.mark.parametrize("name", ["ban", "syt", "lanhdao"])
def test_every_page_fits_a_phone(live: tuple[str, Console, Path], browser: Browser, name: str) -> None:
    """At 390 px no page of the account's menu scrolls sideways: wide tables scroll inside their own box."""
    base, _, _ = live
    page = open_as(browser, base, name, PHONE)
    menu = page.eval_on_selector_all("header.top nav a", "links => links.map(a => a.getAttribute('href'))")
    assert len(menu) >= 3, menu
    for path in [*menu, "/units/SYT"]:
        response = page.goto(path)
        assert response is not None and response.status == 200, path
        width = page.evaluate("[document.documentElement.scrollWidth, window.innerWidth]")
        assert width[0] <= width[1], (path, width)
        assert page.locator("header.top nav a").first.is_visible(), path
    if name == "ban":
        page.goto("/?year=2024")
        if SHOTS:
            page.screenshot(path=str(Path(SHOTS) / "console-phone.png"), full_page=False)
