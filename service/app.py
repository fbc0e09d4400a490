"""create_app(): the Litestar service; its lifespan builds the coach (index, model, generator) once."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

from litestar import Litestar, Request, Response
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.stores.file import FileStore
from litestar.template.config import TemplateConfig

from .api.ask import AskController
from .api.coach_ui import coach_ui_routers
from .api.coach_ui_auth import SESSION_STORE
from .api.coach_workspace import CoachWorkspaceController
from .api.health import HealthController
from .api.widget import FeedbackController, WidgetController
from .coach import Coach
from .drafts.store import DraftStore
from .feedback import FeedbackStore
from .settings import Settings, get_settings

log = logging.getLogger("coach")
MAX_BODY_BYTES = 64 * 1024
TEMPLATES_DIR = Path(__file__).parent / "templates"
# The public POSTs (a reader's browser; the coach's sign-in): each client shares one budget across them.
RATE_LIMITED_PATHS = frozenset({"/api/ask", "/api/ask/stream", "/api/feedback", "/coach/login"})


def _validation_error(_: Request, exc: ValidationException) -> Response:
    """Say what is wrong with the request body in one readable line (plus the details)."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    message = "; ".join(f"{e.get('key') or 'body'}: {e.get('message')}" for e in extra if isinstance(e, dict))
    return Response({"status_code": 400, "detail": message or str(exc.detail), "extra": extra}, status_code=400)


def _http_error(_: Request, exc: HTTPException) -> Response:
    if exc.status_code == HTTP_429_TOO_MANY_REQUESTS:
        return _too_many_requests(exc)
    return Response({"status_code": exc.status_code, "detail": exc.detail}, status_code=exc.status_code,
                    headers=exc.headers)


def _too_many_requests(exc: HTTPException) -> Response:
    """Litestar's limiter says when the window resets (RateLimit-Reset); clients read Retry-After."""
    headers = dict(exc.headers or {})
    try:
        wait = max(1, int(headers.get("RateLimit-Reset", "60")))
    except ValueError:
        wait = 60
    headers["Retry-After"] = str(wait)
    return Response({"status_code": 429, "detail": f"too many requests; please wait {wait} seconds",
                     "retry_after": wait}, status_code=HTTP_429_TOO_MANY_REQUESTS, headers=headers)


def _rate_limited(request: Request) -> bool:
    return request.method == "POST" and request.url.path.rstrip("/") in RATE_LIMITED_PATHS


def _rate_limit_config(settings: Settings) -> RateLimitConfig | None:
    rule = settings.rate_limit_rule
    if rule is None:
        return None
    return RateLimitConfig(rate_limit=rule, check_throttle_handler=_rate_limited)  # type: ignore[arg-type]


def _cors_config(settings: Settings) -> CORSConfig | None:
    if not settings.cors_origins:
        return None  # same origin only (the demo page and any page served by this service)
    return CORSConfig(allow_origins=list(settings.cors_origins), allow_methods=["GET", "POST", "OPTIONS"],
                      allow_headers=["Content-Type", "Accept-Language"],
                      expose_headers=["Retry-After", "RateLimit-Reset", "RateLimit-Remaining"], max_age=600)


def _unexpected_error(request: Request, exc: Exception) -> Response:
    """Never a stack trace to a user; the log keeps it."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return Response({"status_code": 500, "detail": "something went wrong on our side; please try again"},
                    status_code=HTTP_500_INTERNAL_SERVER_ERROR)


def create_app(settings: Settings | None = None, coach: Coach | None = None) -> Litestar:
    """The app; pass a ready coach (tests) or let the lifespan build one from settings."""
    settings = settings or get_settings()

    rate_limit = _rate_limit_config(settings)  # a malformed COACH_RATE_LIMIT fails here, at startup

    @asynccontextmanager
    async def lifespan(app: Litestar):
        import anyio

        from .migrate import upgrade_database

        await anyio.to_thread.run_sync(upgrade_database, settings.db_url)  # the schema: Alembic migrations
        store = FeedbackStore.from_settings(settings)
        app.state.feedback_store = store
        drafts = DraftStore(store)
        app.state.draft_store = drafts
        (settings.data_dir / "sessions").mkdir(parents=True, exist_ok=True)  # the coach UI's sign-ins
        # Answers are CPU-bound: as many run at once as there are cores, the rest wait in arrival order.
        # (Sixteen threads sharing two cores made every answer slow and the slowest very slow.)
        app.state.compute_limiter = anyio.CapacityLimiter(settings.compute_slots)
        try:
            if app.state.get("coach") is None:
                app.state.coach = await anyio.to_thread.run_sync(_build_coach, settings)
            yield
        finally:
            app.state.feedback_store = None
            app.state.draft_store = None
            app.state.drafter = None
            store.dispose()

    def provide_coach(state: State) -> Coach | None:
        return state.get("coach")

    def provide_feedback_store(state: State) -> FeedbackStore | None:
        return state.get("feedback_store")

    def provide_compute_limiter(state: State):
        return state.compute_limiter

    return Litestar(
        route_handlers=[AskController, HealthController, WidgetController, FeedbackController,
                        CoachWorkspaceController, *coach_ui_routers(settings)],
        dependencies={"coach": Provide(provide_coach, sync_to_thread=False),
                      "feedback_store": Provide(provide_feedback_store, sync_to_thread=False),
                      "compute_limiter": Provide(provide_compute_limiter, sync_to_thread=False)},
        lifespan=[lifespan],
        # Files, not memory: every worker of `coach serve --workers N` sees the same sign-ins.
        stores={SESSION_STORE: FileStore(settings.data_dir / "sessions")},
        state=State({"coach": coach, "settings": settings, "feedback_store": None, "draft_store": None,
                     "drafter": None, "compute_limiter": None}),
        exception_handlers={ValidationException: _validation_error, HTTPException: _http_error,
                            Exception: _unexpected_error},
        middleware=[rate_limit.middleware] if rate_limit else [],
        template_config=TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine),
        request_max_body_size=MAX_BODY_BYTES,
        cors_config=_cors_config(settings),
        openapi_config=OpenAPIConfig(title="No Contact coach", version="0.1.0", path="/docs",
                                     render_plugins=[SwaggerRenderPlugin()]),
        debug=False,
    )


def _build_coach(settings: Settings) -> Coach:
    from .embeddings import serving_embedder
    from .retrieval import KnowledgeBase

    embedder = serving_embedder(settings)
    kb = KnowledgeBase.load_or_build(
        settings, embedder, before_build=lambda: log.warning("no knowledge index yet: building it now"),
        after_build=lambda report: log.info(report.summary()))
    return Coach.build(settings, embedder, kb=kb)
