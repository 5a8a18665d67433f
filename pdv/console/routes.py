"""The console's routes: each is thin, over ``data``, ``uploads`` and the run worker.

Who may call what is in ``auth.ACCESS`` (by route name), checked by the app's global dependency.
"""

from __future__ import annotations

import os
import re
from pathlib import Path
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from fastapi.concurrency import run_in_threadpool
from fastapi.responses import FileResponse, HTMLResponse, JSONResponse, RedirectResponse, Response
from starlette.datastructures import UploadFile

from pdv.console import data, uploads
from pdv.console.auth import (
    CSRF_COOKIE,
    SESSION_COOKIE,
    SESSION_SECONDS,
    Viewer,
    client_address,
    hash_password,
    record_failure,
    throttled,
    verify_password,
)
from pdv.console.reads import Read

router = APIRouter()
PERIOD = re.compile(r"\d{4}(-Q[1-4]|-H[12])?")
MONTH = re.compile(r"\d{4}-(0[1-9]|1[0-2])")
_DUMMY_HASH = hash_password("pdv-console-no-such-account")  # equal work for unknown accounts


def page(request: Request, template: str, status_code: int = 200, **context: Any) -> HTMLResponse:
    """Render a page with the viewer, the navigation and a CSRF token (set as a cookie if new)."""
    from pdv.console.app import nav_for

    state = request.app.state
    viewer = getattr(request.state, "viewer", None)
    token = request.cookies.get(CSRF_COOKIE)
    fresh = token is None
    if fresh:
        token = state.sessions.new_csrf()
    context = {"viewer": viewer, "nav": nav_for(viewer), "csrf": token, "path": request.url.path, **context}
    response = state.templates.TemplateResponse(request, template, context, status_code=status_code)
    if fresh:
        response.set_cookie(CSRF_COOKIE, token, httponly=True, samesite="strict", secure=state.secure_cookies)
    return response


def viewer_of(request: Request) -> Viewer:
    return request.state.viewer  # type: ignore[no-any-return]


def _fetch(request: Request, key: str, fn: Any) -> Read:
    read: Read = request.app.state.reads.fetch(key, fn)
    return read


def _audit(request: Request, action: str, target: str | None = None) -> None:
    viewer = getattr(request.state, "viewer", None)
    request.app.state.store.audit(viewer.name if viewer else None, action, target, client_address(request))


# sign-in
@router.get("/login", name="login_form")
def login_form(request: Request) -> HTMLResponse:
    return page(request, "login.html")


@router.post("/login", name="login")
async def login(request: Request) -> Response:
    form = await request.form()
    name, password = str(form.get("name") or "").strip(), str(form.get("password") or "")
    store, address = request.app.state.store, client_address(request)
    if await run_in_threadpool(throttled, store, name, address):
        store.audit(name or None, "login_throttled", None, address)
        error = "Đăng nhập sai quá nhiều lần. Vui lòng chờ một phút rồi thử lại."
        return page(request, "login.html", status_code=429, error=error, name=name)
    account = store.account(name) if name else None
    ok = await run_in_threadpool(verify_password, account.password_hash if account else _DUMMY_HASH, password)
    if account is None or account.disabled or not ok:
        record_failure(store, name, address)
        store.audit(name or None, "login_failed", None, address)
        return page(request, "login.html", status_code=401, error="Tên đăng nhập hoặc mật khẩu không đúng.", name=name)
    store.audit(account.name, "login", None, address)
    response = RedirectResponse("/", status_code=303)
    state = request.app.state
    response.set_cookie(
        SESSION_COOKIE,
        state.sessions.issue(account.name),
        max_age=SESSION_SECONDS,
        httponly=True,
        samesite="strict",
        secure=state.secure_cookies,
    )
    return response


@router.post("/logout", name="logout")
def logout(request: Request) -> Response:
    _audit(request, "logout")
    response = RedirectResponse("/login", status_code=303)
    response.delete_cookie(SESSION_COOKIE)
    return response


@router.get("/health", name="health")
def health(request: Request) -> JSONResponse:
    return JSONResponse({"ok": True})


# pages
@router.get("/", name="dashboard")
def dashboard(request: Request, year: int | None = None) -> HTMLResponse:
    viewer = viewer_of(request)

    def build(dest: Any) -> dict[str, Any]:
        years = data.years(dest)
        chosen = year if year in years else (years[0] if years else None)
        if not chosen:
            return {"years": years}
        return {"years": years, **data.dashboard(dest, viewer, chosen), "outlook": data.outlook(dest, viewer, chosen)}

    read = _fetch(request, f"dashboard:{viewer.scope_unit}:{year}", build)
    return page(request, "dashboard.html", read=read, d=read.value)


@router.get("/issues", name="issues")
def issues(
    request: Request,
    unit: str | None = None,
    period: str | None = None,
    rule: str | None = None,
    severity: str | None = None,
    status: str | None = "open",
    file: str | None = None,
) -> HTMLResponse:
    viewer = viewer_of(request)
    filters = {"unit": unit, "period": period, "rule": rule, "severity": severity, "status": status, "file": file}
    key = "issues:" + str(viewer.scope_unit) + ":" + repr(sorted(filters.items()))
    read = _fetch(request, key, lambda dest: data.issues(dest, viewer, filters))
    feedback = {}
    if read.value:
        feedback = {f: _feedback_file(request, f) is not None for f in read.value["groups"]}
    return page(request, "issues.html", read=read, d=read.value, feedback=feedback, filters=filters)


@router.get("/units/{unit}", name="unit_page")
def unit_page(request: Request, unit: str) -> HTMLResponse:
    viewer = viewer_of(request)

    def build(dest: Any) -> dict[str, Any] | None:
        found = data.unit_page(dest, viewer, unit.upper())
        if found is None:
            return None
        years = data.years(dest)
        own = Viewer(viewer.name, viewer.role, unit.upper()) if viewer.scope_unit is None else viewer
        return {**found, "outlook": data.outlook(dest, own, years[0]) if years else None}

    read = _fetch(request, f"unit:{viewer.role}:{unit}", build)
    if read.value is None and not read.stale and read.as_of is not None:
        raise HTTPException(404, "Không có đơn vị này.")
    return page(request, "unit.html", read=read, d=read.value)


@router.get("/persons/{file_id}/{source_row}", name="person")
def person(request: Request, file_id: int, source_row: int) -> HTMLResponse:
    read = _fetch(request, f"person:{file_id}:{source_row}", lambda dest: data.person(dest, file_id, source_row))
    if read.value is None:
        raise HTTPException(404, "Không tìm thấy người này.")
    _audit(request, "view_personal", f"file {file_id} row {source_row}")
    return page(request, "person.html", p=read.value)


# files
def _may_see_file(request: Request, rel: str) -> bool:
    viewer = viewer_of(request)
    if viewer.scope_unit is None:
        return True
    read = _fetch(request, f"file_units:{rel}", lambda dest: data.file_units(dest, rel))
    units = read.value or set()
    mine = any(u["stored_rel"] == rel for u in request.app.state.store.uploads(viewer.scope_unit))
    return (bool(units) and units == {viewer.scope_unit}) or (mine and not (units - {viewer.scope_unit}))


def _feedback_file(request: Request, rel: str) -> Path | None:
    from pdv.steward import feedback_path

    settings = request.app.state.settings
    root = settings.feedback_dir.resolve()
    path = feedback_path(settings, rel).resolve()
    return path if path.is_relative_to(root) and path.is_file() else None


@router.get("/feedback", name="feedback")
def feedback(request: Request, file: str) -> FileResponse:
    path = _feedback_file(request, file)
    if path is None or not _may_see_file(request, file):
        raise HTTPException(404, "Không có tệp phản hồi cho báo cáo này.")
    _audit(request, "download_feedback", file)  # a feedback workbook carries the roster
    return FileResponse(path, filename=f"phan-hoi-{uploads.safe_name(Path(file).name)}")


@router.get("/template", name="template_download")
def template_download(request: Request, period: str, unit: str | None = None) -> FileResponse:
    from pdv.reference import UnitRegistry
    from pdv.template import write_template

    settings = request.app.state.settings
    code = (unit or viewer_of(request).scope_unit or "").upper()
    registry = UnitRegistry.load(settings.reference_dir)
    if not MONTH.fullmatch(period) or not registry.is_code(code):
        raise HTTPException(400, "Cần chọn đơn vị và tháng (YYYY-MM) hợp lệ.")
    out = settings.console_dir / "templates" / f"{code}_{period}.xlsx"
    write_template(out, code, registry.name_of(code), period)
    return FileResponse(out, filename=f"mau-bao-cao-{code}-{period}.xlsx")


# uploads
@router.get("/upload", name="upload_form")
def upload_form(request: Request) -> HTMLResponse:
    return page(request, "upload.html")


@router.post("/upload", name="upload_check")
async def upload_check(request: Request) -> HTMLResponse:
    from pdv.ingest import no_persons
    from pdv.warehouse.load import current_persons

    viewer, state = viewer_of(request), request.app.state
    form = await request.form()
    files = [f for f in form.getlist("files") if isinstance(f, UploadFile) and f.filename]
    if not files:
        return page(request, "upload.html", status_code=400, error="Chưa chọn tệp nào để tải lên.")
    persons = _fetch(request, "persons", current_persons).value
    persons = persons if persons is not None else no_persons()
    known = await run_in_threadpool(uploads.inbox_hashes, state.settings, state.inbox_cache)
    results = []
    for f in files:
        content = await f.read()
        token, path = uploads.stage(state.settings, f.filename or "", content)
        checked = await run_in_threadpool(
            uploads.check, state.settings, token, path, f.filename or "", persons, viewer.scope_unit
        )
        duplicate = known.get(checked.sha256)
        state.store.add_upload(
            {
                "token": token,
                "actor": viewer.name,
                "unit_code": viewer.scope_unit or (checked.units[0] if len(checked.units) == 1 else None),
                "original_name": checked.name,
                "staged_path": str(path),
                "sha256": checked.sha256,
                "size_bytes": checked.size,
                "period": checked.period,
                "errors": checked.errors,
                "warnings": checked.warnings,
                "status": "refused" if checked.refusal else "staged",
            }
        )
        results.append(
            {"checked": checked, "issues": data.records(data.redact(checked.findings, viewer)), "duplicate": duplicate}
        )
    _audit(request, "upload_checked", ", ".join(r["checked"].name for r in results))  # type: ignore[attr-defined]
    return page(request, "upload_result.html", results=results)


@router.post("/upload/submit", name="upload_submit")
async def upload_submit(request: Request) -> Response:
    viewer, state = viewer_of(request), request.app.state
    form = await request.form()
    tokens = [t for t in form.getlist("token") if isinstance(t, str)]
    known = await run_in_threadpool(uploads.inbox_hashes, state.settings, state.inbox_cache)
    stored_any = False
    for token in tokens:
        upload = state.store.upload(token)
        if upload is None or upload["actor"] != viewer.name or upload["status"] != "staged":
            continue  # someone else's, refused or already submitted: never stored from here
        rel, new = await run_in_threadpool(uploads.store, state.settings, upload, known)
        state.store.mark_upload(token, "submitted" if new else "duplicate", rel)
        _audit(request, "upload" if new else "upload_duplicate", rel)
        if new:
            known[upload["sha256"]] = rel
            stored_any = True
    if stored_any and state.worker is not None:
        state.worker.request(viewer.name)
        _audit(request, "start_run", "after upload")
    return RedirectResponse("/upload/status", status_code=303)


@router.get("/upload/status", name="upload_status")
def upload_status(request: Request) -> HTMLResponse:
    viewer, state = viewer_of(request), request.app.state
    rows = state.store.uploads(viewer.scope_unit, limit=30)
    if viewer.role == "steward":
        rows = [r for r in rows if r["actor"] == viewer.name] or rows
    paths = [r["stored_rel"] for r in rows if r["stored_rel"]]
    read = _fetch(
        request, "upload_status:" + ",".join(paths), lambda dest: {p: data.file_status(dest, p) for p in paths}
    )
    statuses = read.value or {}
    worker = state.worker
    busy = bool(worker and worker.busy)
    items = [
        {
            **r,
            "file": statuses.get(r["stored_rel"]),
            "feedback": bool(r["stored_rel"] and _feedback_file(request, r["stored_rel"])),
        }
        for r in rows
    ]
    return page(request, "upload_status.html", items=items, busy=busy, runs=state.store.runs(5))


# extracts
def _extract_files(settings: Any) -> dict[str, list[str]]:
    root = settings.extracts_dir
    out: dict[str, list[str]] = {}
    for manifest in sorted(root.glob("*/*/manifest.json")) if root.exists() else []:
        folder = manifest.parent
        if PERIOD.fullmatch(folder.name):
            out[folder.name] = sorted(p.name for p in folder.iterdir() if p.is_file() and not p.name.startswith("."))
    return out


@router.get("/extracts", name="extracts")
def extracts(request: Request) -> HTMLResponse:
    return page(request, "extracts.html", periods=_extract_files(request.app.state.settings))


@router.get("/extracts/{period}/{name}", name="extract_file")
def extract_file(request: Request, period: str, name: str) -> FileResponse:
    settings = request.app.state.settings
    if not PERIOD.fullmatch(period) or name not in _extract_files(settings).get(period, []):
        raise HTTPException(404, "Không có tệp trích xuất này.")
    _audit(request, "download_extract", f"{period}/{name}")
    return FileResponse(settings.extracts_dir / period[:4] / period / name, filename=name)


# approval of Board periods (issue 16): approve, reopen, the pending list
@router.get("/approvals", name="approvals")
def approvals(request: Request, message: str | None = None) -> HTMLResponse:
    def build(dest: Any) -> dict[str, Any]:
        return {"versions": data.approvals(dest), "pending": data.pending(dest)}

    read = _fetch(request, "approvals", build)
    periods = sorted(_extract_files(request.app.state.settings))
    return page(request, "approvals.html", read=read, d=read.value, periods=periods, message=message)


async def _approval_action(request: Request, action: str) -> Response:
    """Approve or reopen through ``pdv.approval``, the functions the CLI uses; never waits for a run."""
    from urllib.parse import quote

    from pdv.approval import ApprovalError
    from pdv.approval import approve as do_approve
    from pdv.approval import reopen as do_reopen
    from pdv.warehouse.base import WarehouseLocked

    form = await request.form()
    period = str(form.get("period") or "")
    reason = str(form.get("reason") or "").strip()
    viewer = viewer_of(request)
    if not PERIOD.fullmatch(period):
        raise HTTPException(400, "Kỳ không hợp lệ.")
    settings = request.app.state.settings
    try:
        if action == "approve":
            issued = await run_in_threadpool(
                do_approve, settings, period, viewer.name, reason or None, viewer.role, "as_is", False
            )
            version = issued.version
            text = f"Đã phê duyệt kỳ {period}, phiên bản {version}."
        else:
            opened = await run_in_threadpool(do_reopen, settings, period, viewer.name, reason, viewer.role, False)
            version = opened.version
            text = f"Đã mở lại kỳ {period}; {opened.pending} báo cáo đang chờ sẽ được áp dụng ở lần chạy tới."
    except WarehouseLocked:
        text = "Đang có lượt chạy quy trình ghi vào kho dữ liệu; vui lòng thử lại sau ít phút."
    except ApprovalError as exc:
        text = str(exc).split(" / ")[0]
    else:
        _audit(request, f"{action}_period", f"{period} v{version}")
        request.app.state.reads.refresh()
    return RedirectResponse(f"/approvals?message={quote(text)}", status_code=303)


@router.post("/approvals/approve", name="approval_approve")
async def approval_approve(request: Request) -> Response:
    return await _approval_action(request, "approve")


@router.post("/approvals/reopen", name="approval_reopen")
async def approval_reopen(request: Request) -> Response:
    return await _approval_action(request, "reopen")


# runs
@router.get("/runs", name="runs")
def runs(request: Request) -> HTMLResponse:
    state = request.app.state
    read = _fetch(request, "load_runs", data.load_runs)
    api = os.environ.get("PREFECT_API_URL", "")
    ui = api[: -len("/api")] if api.endswith("/api") else api
    worker = state.worker
    return page(
        request,
        "runs.html",
        read=read,
        loads=read.value or [],
        console_runs=state.store.runs(20),
        prefect_ui=ui,
        busy=bool(worker and worker.busy),
    )


@router.post("/runs", name="run_start")
def run_start(request: Request) -> Response:
    worker = request.app.state.worker
    if worker is None:
        raise HTTPException(503, "Bộ chạy quy trình chưa sẵn sàng.")
    run_id = worker.request(viewer_of(request).name)
    _audit(request, "start_run", f"console run {run_id}")
    return RedirectResponse("/runs", status_code=303)
