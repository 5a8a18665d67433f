"""The web console's application: factory, middleware, error pages and the page list (``NAV``).

Routes live in ``pdv/console/routes.py``; each is thin over functions in ``data.py``, ``uploads.py``
and ``runner.py``. Authorisation is the app's one global dependency (``auth.authorize``).
"""

from __future__ import annotations

import ipaddress
import logging
import secrets
import threading
from contextlib import asynccontextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from fastapi import Depends, FastAPI, HTTPException, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import HTMLResponse, RedirectResponse, Response
from fastapi.staticfiles import StaticFiles
from fastapi.templating import Jinja2Templates
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from pdv.console.auth import NotSignedIn, Sessions, authorize
from pdv.console.reads import ReadModel
from pdv.console.runner import RunWorker
from pdv.console.store import Store
from pdv.settings import Settings

log = logging.getLogger(__name__)
HERE = Path(__file__).parent
REFRESH_SECONDS = 5.0


@dataclass(frozen=True)
class NavItem:
    """One entry of the navigation bar: later pages (approvals, outlook) add themselves here."""

    route: str
    label: str
    roles: tuple[str, ...]


NAV: list[NavItem] = [
    NavItem("dashboard", "Tổng quan", ("unit", "steward", "board")),
    NavItem("issues", "Lỗi dữ liệu", ("unit", "steward", "board")),
    NavItem("upload_form", "Nộp báo cáo", ("unit", "steward")),
    NavItem("extracts", "Báo cáo trích xuất", ("steward", "board")),
    NavItem("approvals", "Phê duyệt kỳ", ("steward", "board")),
    NavItem("runs", "Lần chạy", ("steward", "board")),
]


class ConsoleRefused(RuntimeError):
    """The console will not start with this configuration (the message says why)."""


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host).is_loopback
    except ValueError:
        return False


def secret_for(settings: Settings, host: str) -> str:
    """The session key: required beyond loopback; a fresh random one per start on loopback."""
    if settings.console_secret_key:
        if len(settings.console_secret_key) < 16:
            raise ConsoleRefused("PDV_CONSOLE_SECRET_KEY must be at least 16 characters")
        return settings.console_secret_key
    if not is_loopback(host):
        raise ConsoleRefused(f"listening on {host} needs PDV_CONSOLE_SECRET_KEY (a long random string)")
    return secrets.token_urlsafe(32)


class BodyLimit:
    """Refuse a request body above ``limit`` bytes before it is read (declared or streamed size)."""

    def __init__(self, app: ASGIApp, limit: int) -> None:
        self.app = app
        self.limit = limit

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        declared = dict(scope.get("headers") or []).get(b"content-length")
        if declared is not None and declared.isdigit() and int(declared) > self.limit:
            await _too_large(scope, send, self.limit)
            return
        seen = 0

        async def counted() -> Message:
            nonlocal seen
            message = await receive()
            seen += len(message.get("body", b""))
            if seen > self.limit:
                raise HTTPException(413, _too_large_text(self.limit))
            return message

        await self.app(scope, counted, send)


def _too_large_text(limit: int) -> str:
    return f"Tệp tải lên quá lớn: tối đa {limit // (1024 * 1024)} MB cho mỗi lần tải."


async def _too_large(scope: Scope, send: Send, limit: int) -> None:
    body = f"<!doctype html><meta charset=utf-8><p>{_too_large_text(limit)}</p>".encode()
    await send(
        {
            "type": "http.response.start",
            "status": 413,
            "headers": [(b"content-type", b"text/html; charset=utf-8"), (b"connection", b"close")],
        }
    )
    await send({"type": "http.response.body", "body": body})


SECURITY_HEADERS = {
    "Content-Security-Policy": "default-src 'self'; img-src 'self' data:; style-src 'self'; script-src 'self'",
    "X-Frame-Options": "DENY",
    "X-Content-Type-Options": "nosniff",
    "Referrer-Policy": "no-referrer",
    "Cache-Control": "no-store",
}


def create_app(
    settings: Settings,
    host: str = "127.0.0.1",
    start_worker: bool = True,
    run_mode: str | None = None,
    run_env: dict[str, str] | None = None,
) -> FastAPI:
    """The console on ``settings``' warehouse; raises ``ConsoleRefused`` for an unsafe configuration.

    ``run_mode`` (``prefect`` or ``process``; default: ``prefect`` when PREFECT_API_URL is set) and
    ``run_env`` (extra environment for a run's child process) choose how runs are started.
    """
    from pdv.console import routes

    secret = secret_for(settings, host)
    store = Store(settings.console_dir / "console.sqlite")
    reads = ReadModel(settings)
    stop = threading.Event()

    def refresher() -> None:  # picks up runs started elsewhere (schedule, `pdv run`) too
        while not stop.wait(REFRESH_SECONDS):
            try:
                reads.refresh()
            except Exception:
                log.exception("snapshot refresh failed")

    def refresh_after() -> None:
        reads.refresh()

    @asynccontextmanager
    async def lifespan(app: FastAPI) -> Any:
        reads.refresh()
        thread = threading.Thread(target=refresher, name="pdv-console-snapshot", daemon=True)
        thread.start()
        app.state.worker = RunWorker(settings, store, refresh_after, run_mode, run_env) if start_worker else None
        yield
        stop.set()
        if app.state.worker is not None:
            app.state.worker.stop()
        reads.close()

    app = FastAPI(
        title="pdv console",
        dependencies=[Depends(authorize)],
        lifespan=lifespan,
        docs_url=None,
        redoc_url=None,
        openapi_url=None,
    )
    app.state.settings = settings
    app.state.store = store
    app.state.reads = reads
    app.state.sessions = Sessions(secret)
    app.state.secure_cookies = not is_loopback(host)
    app.state.templates = Jinja2Templates(directory=str(HERE / "templates"))
    app.state.inbox_cache = {}
    app.mount("/static", StaticFiles(directory=str(HERE / "static")), name="static")
    app.include_router(routes.router)

    @app.middleware("http")
    async def headers(request: Request, call_next: Any) -> Response:
        response: Response = await call_next(request)
        for key, value in SECURITY_HEADERS.items():
            response.headers.setdefault(key, value)
        return response

    @app.exception_handler(NotSignedIn)
    async def to_login(request: Request, exc: NotSignedIn) -> Response:
        return RedirectResponse("/login", status_code=303)

    @app.exception_handler(HTTPException)
    async def http_error(request: Request, exc: HTTPException) -> Response:
        return error_page(request, exc.status_code, str(exc.detail))

    @app.exception_handler(RequestValidationError)
    async def bad_request(request: Request, exc: RequestValidationError) -> Response:
        return error_page(request, 400, "Yêu cầu không hợp lệ: tham số thiếu hoặc sai định dạng.")

    @app.exception_handler(Exception)
    async def unexpected(request: Request, exc: Exception) -> Response:
        log.exception("unexpected error on %s", request.url.path)
        return error_page(request, 500, "Đã có lỗi ngoài dự kiến; lỗi đã được ghi lại. Vui lòng thử lại sau.")

    app.add_middleware(BodyLimit, limit=settings.console_max_upload_bytes)
    return app


def error_page(request: Request, status: int, message: str) -> HTMLResponse:
    messages = {404: "Không tìm thấy trang hoặc dữ liệu này.", 405: "Thao tác không được hỗ trợ."}
    text = message if message and not message.isascii() else messages.get(status, message or "Lỗi")
    from pdv.console.routes import page

    return page(request, "error.html", status_code=status, status=status, message=text)


def nav_for(viewer: Any) -> list[NavItem]:
    return [item for item in NAV if viewer is not None and viewer.role in item.roles]
