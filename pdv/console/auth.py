"""Passwords, signed sessions, CSRF tokens, the login throttle and the one authorisation dependency.

Every route is listed in ``ACCESS`` with the roles that may call it; ``authorize`` runs for every
request (it is the app's global dependency) and fails closed for a route that is not listed. A unit
clerk is bound to one unit: a ``unit`` path or query parameter naming another unit is refused here,
and every read function filters by ``Viewer.scope_unit`` (a resource outside it is "not found").
"""

from __future__ import annotations

import hmac
import secrets
from dataclasses import dataclass

from argon2 import PasswordHasher
from argon2.exceptions import InvalidHashError, VerificationError
from fastapi import HTTPException, Request
from itsdangerous import BadSignature, URLSafeTimedSerializer

from pdv.console.store import Account, Store

SESSION_COOKIE = "pdv_session"
CSRF_COOKIE = "pdv_csrf"
SESSION_SECONDS = 8 * 3600
THROTTLE_WINDOW = 60.0
THROTTLE_LIMIT = 10  # failures per window, per account and per address

PUBLIC = ("public",)
ALL = ("unit", "steward", "board")
STAFF = ("steward", "board")

# route name -> roles allowed (PUBLIC: no sign-in needed). A route missing here is refused.
ACCESS: dict[str, tuple[str, ...]] = {
    "login_form": PUBLIC,
    "login": PUBLIC,
    "static": PUBLIC,
    "logout": ALL,
    "dashboard": ALL,
    "approvals": ("steward", "board"),
    "approval_approve": ("board",),
    "approval_reopen": ("steward", "board"),
    "issues": ALL,
    "unit_page": ALL,
    "feedback": ("unit", "steward"),
    "template_download": ("unit", "steward"),
    "upload_form": ("unit", "steward"),
    "upload_check": ("unit", "steward"),
    "upload_submit": ("unit", "steward"),
    "upload_status": ("unit", "steward"),
    "person": ("steward",),
    "extracts": STAFF,
    "extract_file": STAFF,
    "runs": ("steward", "board"),
    "run_start": ("steward",),
    "health": PUBLIC,
}

_hasher = PasswordHasher()


def hash_password(password: str) -> str:
    return _hasher.hash(password)


def verify_password(password_hash: str, password: str) -> bool:
    try:
        return _hasher.verify(password_hash, password)
    except (VerificationError, InvalidHashError):
        return False


@dataclass(frozen=True)
class Viewer:
    """Who is asking: the account name, its role and, for a clerk, the one unit it may see."""

    name: str
    role: str
    unit_code: str | None

    @property
    def scope_unit(self) -> str | None:
        """The unit every read is restricted to (None: all units)."""
        return self.unit_code if self.role == "unit" else None

    @property
    def sees_personal(self) -> bool:
        return self.role == "steward"


class NotSignedIn(Exception):
    """Raised by ``authorize`` for a page that needs an account: the app redirects to the login page."""


class Sessions:
    """Signed session cookies and double-submit CSRF tokens."""

    def __init__(self, secret: str) -> None:
        self._session = URLSafeTimedSerializer(secret, salt="pdv-console-session")
        self._csrf = URLSafeTimedSerializer(secret, salt="pdv-console-csrf")

    def issue(self, name: str) -> str:
        return self._session.dumps({"u": name, "n": secrets.token_hex(8)})

    def account_name(self, cookie: str | None) -> str | None:
        if not cookie:
            return None
        try:
            data = self._session.loads(cookie, max_age=SESSION_SECONDS)
        except BadSignature:
            return None
        return data.get("u") if isinstance(data, dict) else None

    def new_csrf(self) -> str:
        return self._csrf.dumps(secrets.token_hex(16))

    def csrf_ok(self, cookie: str | None, submitted: str | None) -> bool:
        """The form's token equals the cookie's, and the cookie is one this console signed."""
        if not cookie or not submitted or not hmac.compare_digest(cookie, submitted):
            return False
        try:
            self._csrf.loads(cookie)
        except BadSignature:
            return False
        return True


def client_address(request: Request) -> str:
    return request.client.host if request.client else "unknown"


def throttled(store: Store, name: str, address: str) -> bool:
    keys = (f"account:{name.lower()}", f"address:{address}")
    return any(store.failures_since(k, THROTTLE_WINDOW) >= THROTTLE_LIMIT for k in keys)


def record_failure(store: Store, name: str, address: str) -> None:
    store.record_failure(f"account:{name.lower()}", f"address:{address}")


def current_account(request: Request) -> Account | None:
    state = request.app.state
    name = state.sessions.account_name(request.cookies.get(SESSION_COOKIE))
    account = state.store.account(name) if name else None
    return None if account is None or account.disabled else account


async def authorize(request: Request) -> Viewer | None:
    """The one authorisation check, run before every route: CSRF on changes, role, the clerk's unit binding."""
    route = request.scope.get("route")
    roles = ACCESS.get(getattr(route, "name", ""), ())
    if request.method not in ("GET", "HEAD"):
        form = await request.form()  # cached: the route reads the same form
        token = form.get("csrf")
        token = token if isinstance(token, str) else None
        if not request.app.state.sessions.csrf_ok(request.cookies.get(CSRF_COOKIE), token):
            raise HTTPException(
                403, "Biểu mẫu đã hết hạn hoặc không hợp lệ (thiếu mã chống giả mạo). Vui lòng tải lại trang."
            )
    if roles == PUBLIC:
        return None
    account = current_account(request)
    if account is None:
        raise NotSignedIn()
    if account.role not in roles:
        raise HTTPException(403, "Tài khoản của bạn không có quyền xem trang này.")
    viewer = Viewer(account.name, account.role, account.unit_code)
    asked = request.path_params.get("unit") or request.query_params.get("unit")
    if viewer.scope_unit is not None and asked and asked.upper() != viewer.scope_unit:
        raise HTTPException(403, "Bạn chỉ xem được dữ liệu của đơn vị mình.")
    request.state.viewer = viewer
    return viewer
