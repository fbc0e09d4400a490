"""create_app(): the Litestar service; its lifespan builds the coach (index, model, generator) once."""
from __future__ import annotations

import logging
from contextlib import asynccontextmanager

from litestar import Litestar, Request, Response
from litestar.config.cors import CORSConfig
from litestar.datastructures import State
from litestar.di import Provide
from litestar.exceptions import HTTPException, ValidationException
from litestar.openapi import OpenAPIConfig
from litestar.openapi.plugins import SwaggerRenderPlugin
from litestar.status_codes import HTTP_500_INTERNAL_SERVER_ERROR

from .api.ask import AskController
from .api.health import HealthController
from .coach import Coach
from .settings import Settings, get_settings

log = logging.getLogger("coach")
MAX_BODY_BYTES = 64 * 1024


def _validation_error(_: Request, exc: ValidationException) -> Response:
    """Say what is wrong with the request body in one readable line (plus the details)."""
    extra = exc.extra if isinstance(exc.extra, list) else []
    message = "; ".join(f"{e.get('key') or 'body'}: {e.get('message')}" for e in extra if isinstance(e, dict))
    return Response({"status_code": 400, "detail": message or str(exc.detail), "extra": extra}, status_code=400)


def _http_error(_: Request, exc: HTTPException) -> Response:
    return Response({"status_code": exc.status_code, "detail": exc.detail}, status_code=exc.status_code,
                    headers=exc.headers)


def _unexpected_error(request: Request, exc: Exception) -> Response:
    """Never a stack trace to a user; the log keeps it."""
    log.exception("unhandled error on %s %s", request.method, request.url.path)
    return Response({"status_code": 500, "detail": "something went wrong on our side; please try again"},
                    status_code=HTTP_500_INTERNAL_SERVER_ERROR)


def create_app(settings: Settings | None = None, coach: Coach | None = None) -> Litestar:
    """The app; pass a ready coach (tests) or let the lifespan build one from settings."""
    settings = settings or get_settings()

    @asynccontextmanager
    async def lifespan(app: Litestar):
        if app.state.get("coach") is None:
            import anyio

            app.state.coach = await anyio.to_thread.run_sync(_build_coach, settings)
        yield

    def provide_coach(state: State) -> Coach | None:
        return state.get("coach")

    return Litestar(
        route_handlers=[AskController, HealthController],
        dependencies={"coach": Provide(provide_coach, sync_to_thread=False)},
        lifespan=[lifespan],
        state=State({"coach": coach, "settings": settings}),
        exception_handlers={ValidationException: _validation_error, HTTPException: _http_error,
                            Exception: _unexpected_error},
        request_max_body_size=MAX_BODY_BYTES,
        cors_config=CORSConfig(allow_origins=list(settings.cors_origins)) if settings.cors_origins else None,
        openapi_config=OpenAPIConfig(title="No Contact coach", version="0.1.0", path="/docs",
                                     render_plugins=[SwaggerRenderPlugin()]),
        debug=False,
    )


def _build_coach(settings: Settings) -> Coach:
    from .embeddings import get_embedder
    from .index import IndexError_
    from .ingest import ingest

    embedder = get_embedder(settings.torch_threads)
    try:
        return Coach.build(settings, embedder)
    except IndexError_ as exc:
        if "not been built" not in str(exc) and "empty" not in str(exc):
            raise
        log.warning("no knowledge index yet: building it now")
        log.info(ingest(settings, embedder, progress=False).summary())
        return Coach.build(settings, embedder)
