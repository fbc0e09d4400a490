"""The workspace pages' sign-in: server-side sessions, the session gate and guard, CSRF, and their error pages."""
from __future__ import annotations

import hashlib
import hmac
import re
from dataclasses import dataclass
from urllib.parse import quote

from litestar import Request, Response
from litestar.config.csrf import CSRFConfig
from litestar.connection import ASGIConnection
from litestar.exceptions import (
    HTTPException,
    NotAuthorizedException,
    PermissionDeniedException,
    ValidationException,
)
from litestar.handlers.base import BaseRouteHandler
from litestar.middleware import DefineMiddleware
from litestar.middleware.csrf import CSRFMiddleware
from litestar.middleware.session.server_side import ServerSideSessionBackend, ServerSideSessionConfig
from litestar.response import Redirect, Template
from litestar.types import ASGIApp, Empty, Receive, Scope, Send

from ..errors import CoachError
from ..settings import Settings

PREFIX = "/coach"
SESSION_STORE = "coach-sessions"
SESSION_HOURS = 12  # idle timeout: every response renews the session
FRESH_SESSION = "coach_fresh_session"  # request.state flag: sign-in issues a new session id
_LOCAL_NEXT = re.compile(r"/coach(/[A-Za-z0-9/_-]*)?(\?[A-Za-z0-9=&_-]*)?")


class LoginRequired(NotAuthorizedException):
    """No valid coach session: GET goes to the login page, anything else is a 401."""


def _fingerprint(settings: Settings) -> str:
    """Ties a session to the configured token: a new token signs every session out."""
    return hashlib.sha256(f"coach-ui:{settings.coach_token_hash}".encode()).hexdigest()[:32]


def signed_in(scope: Scope) -> bool:
    settings: Settings = scope["app"].state.settings
    session = scope.get("session")
    mark = session.get("coach") if isinstance(session, dict) else None
    return bool(settings.coach_token_hash) and isinstance(mark, str) and hmac.compare_digest(
        mark, _fingerprint(settings))


def sign_in(request: Request) -> None:
    request.session.clear()
    request.session["coach"] = _fingerprint(request.app.state.settings)
    request.state[FRESH_SESSION] = True


def require_coach_session(connection: ASGIConnection, handler: BaseRouteHandler) -> None:
    """The guard on every UI route (login and static files are marked public)."""
    if not handler.opt.get("public") and not signed_in(connection.scope):
        raise LoginRequired()


class SessionGate:
    """The same check as the guard, before CSRF: an anonymous POST is a 401, not a CSRF 403."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        handler = scope.get("route_handler")
        if scope["type"] == "http" and handler is not None:
            require_coach_session(ASGIConnection(scope), handler)
        await self.app(scope, receive, send)


class _SessionBackend(ServerSideSessionBackend):
    """Stores nothing for anonymous visitors and issues a fresh id at sign-in (no session fixation)."""

    def get_session_id(self, connection: ASGIConnection) -> str:
        if connection.state.get(FRESH_SESSION):
            return self.generate_session_id()
        return super().get_session_id(connection)

    async def store_in_message(self, scope_session, message, connection) -> None:
        old = connection.cookies.get(self.config.key)
        old = None if old == "null" else old  # Litestar's "signed out" marker, not a session id
        if scope_session is Empty or not scope_session:
            if old:  # signed out, or a stale cookie: drop the stored session and the cookie
                await super().store_in_message(Empty, message, connection)
            return  # an anonymous visit leaves no file and no cookie behind
        if old and connection.state.get(FRESH_SESSION):
            await self.delete(old, store=self.config.get_store_from_app(connection.scope["app"]))
        await super().store_in_message(scope_session, message, connection)


@dataclass
class _SessionConfig(ServerSideSessionConfig):
    _backend_class = _SessionBackend


def ui_middleware(settings: Settings) -> list[DefineMiddleware]:
    """Session, then the gate, then CSRF (form field `_csrf_token`): the order matters."""
    session = _SessionConfig(key="coach_session", path=PREFIX, httponly=True, samesite="lax",
                             secure=settings.session_cookie_secure, max_age=SESSION_HOURS * 3600,
                             store=SESSION_STORE)
    csrf = CSRFConfig(secret=settings.session_secret, cookie_name="coach_csrf", cookie_path=PREFIX,
                      cookie_httponly=True, cookie_secure=settings.session_cookie_secure, cookie_samesite="lax")
    return [session.middleware, DefineMiddleware(SessionGate), DefineMiddleware(CSRFMiddleware, config=csrf)]


def safe_next(value: str | None) -> str:
    """Where to go after sign-in: only a path inside the UI (never another site)."""
    return value if value and _LOCAL_NEXT.fullmatch(value) else PREFIX


def _login_required(request: Request, _: LoginRequired) -> Response:
    if request.method in ("GET", "HEAD"):
        path = request.url.path + (f"?{request.url.query}" if request.url.query else "")
        return Redirect(f"{PREFIX}/login?next={quote(safe_next(path), safe='/')}", status_code=303)
    return _error_page(request, 401, "Please sign in first.", "Your session has ended or you are not signed in.")


def _csrf_failed(request: Request, exc: PermissionDeniedException) -> Response:
    return _error_page(request, 403, "This form has expired.",
                       "Go back, reload the page and try again (forms only work from this workspace).")


def _http_error(request: Request, exc: HTTPException) -> Response:
    headers = dict(exc.headers or {})
    if exc.status_code == 429:  # the limiter says when its window resets; browsers and scripts read Retry-After
        headers.setdefault("Retry-After", str(headers.get("RateLimit-Reset", "60")))
    return _error_page(request, exc.status_code, "Something is not right.", str(exc.detail), headers)


def _coach_error(request: Request, exc: CoachError) -> Response:
    return _error_page(request, exc.status_code, "Something is not right.", exc.detail, exc.headers)


def _error_page(request: Request, status: int, title: str, detail: str, headers: dict | None = None) -> Response:
    return Template("coach/error.html.j2", status_code=status, headers={**(headers or {}), "Cache-Control": "no-store"},
                    context={"title": title, "detail": detail, "status": status,
                             "signed_in": signed_in(request.scope)})


UI_EXCEPTION_HANDLERS = {LoginRequired: _login_required, PermissionDeniedException: _csrf_failed,
                         ValidationException: _http_error, HTTPException: _http_error, CoachError: _coach_error}
