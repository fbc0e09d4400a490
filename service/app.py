"""create_app(): the Litestar service; its lifespan builds the pipeline (index, model, generator) and stores once."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager
from pathlib import Path

import anyio
from litestar import Litestar, Request, Response
from litestar.config.compression import CompressionConfig
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.exceptions import HTTPException, ValidationException
from litestar.middleware.rate_limit import RateLimitConfig
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.plugins.jinja import JinjaTemplateEngine
from litestar.status_codes import HTTP_429_TOO_MANY_REQUESTS, HTTP_500_INTERNAL_SERVER_ERROR
from litestar.template.config import TemplateConfig
from sqlalchemy.exc import DataError

from .answering.pipeline import AnswerPipeline
from .api.ask import AskController
from .api.dependencies import DEPENDENCIES
from .api.feedback import FeedbackController
from .api.health import HealthController
from .api.reader_data import ReaderDataController
from .api.widget import WidgetController
from .api.workspace import WorkspaceApiController
from .api.workspace_cards import CardsApiController
from .api.workspace_pages import workspace_page_routers
from .api.workspace_session import SESSION_STORE
from .db.engine import make_engine
from .db.migrate import upgrade_database
from .embeddings import serving_embedder
from .errors import CoachError
from .feedback.conversations import erase_older_than
from .feedback.store import FeedbackStore
from .knowledge.ingest import ensure_index
from .retrieval.knowledge_base import KnowledgeBase
from .settings import Settings, get_settings
from .stores import make_stores
from .workspace.comments import CommentStore
from .workspace.jobs import ImportJobs

log = logging.getLogger("coach")
MAX_BODY_BYTES = 64 * 1024
TEMPLATES_DIR = Path(__file__).parent / "templates"
# The public POSTs (a reader's browser; the coach's sign-in): each client shares one budget across them.
RETENTION_SWEEP_SECONDS = 3600
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


def _coach_error(_: Request, exc: CoachError) -> Response:
    """The service's own errors (errors.py): each class carries its status; the detail is written for people."""
    body = {"status_code": exc.status_code, "detail": exc.detail} | ({"extra": exc.extra} if exc.extra else {})
    return Response(body, status_code=exc.status_code, headers=exc.headers)


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


def _out_of_range(request: Request, exc: Exception) -> Response:
    """A body nested past Python's recursion limit, a number no column can hold (an id of 2**63), a value longer
    than its column (PostgreSQL refuses it): the request is wrong, not the service."""
    detail = ("the JSON is nested too deeply" if isinstance(exc, RecursionError)
              else "a value in the request is too long or out of range" if isinstance(exc, DataError)
              else "a number in the request is out of range")
    log.warning("400 on %s %s: %s: %s", request.method, request.url.path, type(exc).__name__, str(exc)[:200])
    return Response({"status_code": 400, "detail": detail}, status_code=400)


def _unexpected_error(request: Request, exc: Exception) -> Response:
    """Never a stack trace to a user; the log keeps it."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return Response({"status_code": 500, "detail": "something went wrong on our side; please try again"},
                    status_code=HTTP_500_INTERNAL_SERVER_ERROR)


def create_app(settings: Settings | None = None, pipeline: AnswerPipeline | None = None) -> Litestar:
    """The app; pass a ready pipeline (tests) or let the lifespan build one from settings."""
    settings = settings or get_settings()

    rate_limit = _rate_limit_config(settings)  # a malformed COACH_RATE_LIMIT fails here, at startup

    @asynccontextmanager
    async def lifespan(app: Litestar):
        await anyio.to_thread.run_sync(upgrade_database, settings.db_url)  # the schema: Alembic migrations
        engine = make_engine(settings.db_url)
        feedback_store = FeedbackStore(engine)
        app.state.feedback_store = feedback_store
        app.state.comment_store = CommentStore(engine)
        app.state.import_jobs = ImportJobs(engine)
        (settings.data_dir / "sessions").mkdir(parents=True, exist_ok=True)  # the workspace pages' sign-ins
        # Answers are CPU-bound: as many run at once as there are cores, the rest wait in arrival order.
        # (Sixteen threads sharing two cores made every answer slow and the slowest very slow.)
        app.state.compute_limiter = anyio.CapacityLimiter(settings.compute_slots)
        # The risk check has threads of its own, so a reader in crisis never queues behind answers being
        # composed; the model endpoint is awaited on others (network waits, bounded by COACH_LLM_TIMEOUT).
        app.state.safety_limiter = anyio.CapacityLimiter(settings.compute_slots)
        app.state.endpoint_limiter = anyio.CapacityLimiter(64)
        try:
            if app.state.get("pipeline") is None:
                app.state.pipeline = await anyio.to_thread.run_sync(_build_pipeline, settings)
            async with anyio.create_task_group() as tasks:
                tasks.start_soon(_erase_old_reader_data, engine, settings.retention_days)
                yield
                tasks.cancel_scope.cancel()
        finally:
            app.state.feedback_store = None
            app.state.comment_store = None
            app.state.drafter = None
            app.state.import_jobs.close()
            app.state.import_jobs = None
            feedback_store.flush()
            engine.dispose()

    return Litestar(
        route_handlers=[AskController, HealthController, WidgetController, FeedbackController,
                        WorkspaceApiController, CardsApiController, ReaderDataController,
                        *workspace_page_routers(settings)],
        dependencies=DEPENDENCIES,
        lifespan=[lifespan],
        # Files (every worker on one machine sees the same sign-ins), or Redis shared by replicas: the sessions and
        # the rate limit's counters.
        stores=make_stores(settings, SESSION_STORE),
        state=State({"pipeline": pipeline, "settings": settings, "feedback_store": None, "comment_store": None,
                     "import_jobs": None, "drafter": None, "compute_limiter": None,
                     "safety_limiter": None, "endpoint_limiter": None}),
        exception_handlers={ValidationException: _validation_error, HTTPException: _http_error,
                            CoachError: _coach_error, RecursionError: _out_of_range, OverflowError: _out_of_range,
                            DataError: _out_of_range,
                            Exception: _unexpected_error},
        middleware=[rate_limit.middleware] if rate_limit else [],
        template_config=TemplateConfig(directory=TEMPLATES_DIR, engine=JinjaTemplateEngine),
        request_max_body_size=MAX_BODY_BYTES,
        cors_config=_cors_config(settings),
        # Brotli (gzip for older clients) for the widget script and the pages; never the answer stream, which must
        # reach the reader piece by piece.
        compression_config=CompressionConfig(backend="brotli", brotli_gzip_fallback=True, minimum_size=1024,
                                             exclude=["/api/ask/stream"]),
        openapi_config=OpenAPIConfig(title="No Contact coach", version="0.1.0", path="/docs",
                                     render_plugins=[SwaggerRenderPlugin()]),
        debug=False,
    )


async def _erase_old_reader_data(engine, days: int) -> None:
    """At startup and every hour: questions, answers and comments older than COACH_RETENTION_DAYS are erased."""
    while True:
        try:
            erased = await anyio.to_thread.run_sync(erase_older_than, engine, days)
            if erased:
                log.info("erased %d replies older than %d days (COACH_RETENTION_DAYS)", erased, days)
        except Exception:  # a database hiccup: try again at the next hour, never take the service down
            log.exception("could not erase old reader data")
        await anyio.sleep(RETENTION_SWEEP_SECONDS)


def _build_pipeline(settings: Settings) -> AnswerPipeline:
    embedder = serving_embedder(settings)
    ensure_index(settings, embedder, on_build=_announce_build)
    return AnswerPipeline.build(settings, embedder, kb=KnowledgeBase.load(settings, embedder.name))


def _announce_build(report) -> None:
    if report is None:
        log.warning("no knowledge index yet: building it now")
    else:
        log.info(report.summary())
