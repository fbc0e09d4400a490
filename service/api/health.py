"""GET /healthz (readiness: each dependency) and GET /livez (liveness: the process answers)."""
from __future__ import annotations

import time

import anyio
from litestar import Controller, Request, Response, get
from litestar.status_codes import HTTP_200_OK, HTTP_503_SERVICE_UNAVAILABLE
from sqlalchemy import text

from ..answering.pipeline import AnswerPipeline
from ..knowledge.store import RETRY_AFTER
from ..stores import RATE_LIMIT_STORE
from .dependencies import FeedbackStoreDep, MaybePipelineDep
from .schemas import error_responses

PROBE_TIMEOUT = 2.0  # seconds a readiness probe waits on one dependency


def _probe(check) -> dict:
    """{"ok": bool, "ms": float, "error": str?} for one dependency check."""
    started = time.perf_counter()
    try:
        check()
    except Exception as exc:  # any failure is the finding, reported, never raised
        return _finding(started, exc)
    return _finding(started)


async def _probe_async(check) -> dict:
    """_probe for a check that is awaited (the Redis client)."""
    started = time.perf_counter()
    try:
        await check()
    except Exception as exc:  # the finding, reported
        return _finding(started, exc)
    return _finding(started)


def _finding(started: float, exc: Exception | None = None) -> dict:
    found = {"ok": exc is None, "ms": round((time.perf_counter() - started) * 1000, 1)}
    return found if exc is None else {**found, "error": f"{type(exc).__name__}: {exc}"[:200]}


def _index(pipeline: AnswerPipeline) -> dict:
    found = _probe(pipeline.kb.handle.client.heartbeat)  # a server's session has COACH_CHROMA_TIMEOUT
    return {**found, "mode": "server" if pipeline.settings.chroma_url else "embedded",
            "passages": len(pipeline.kb.passages), "articles": len(pipeline.kb.article_ids)}


class HealthController(Controller):
    tags = ["ops"]

    @get("/livez", sync_to_thread=False, summary="Liveness: the process is up and serving (no dependency checked)")
    def live(self) -> dict:
        return {"status": "alive"}

    @get("/healthz", summary="Readiness: the index (Chroma), the database and the model endpoint, each reported; "
                             "200 `ok` or `degraded` once loaded (a reader at risk is answered whatever is down), "
                             "503 while loading",
         responses=error_responses(503))
    async def health(self, request: Request, pipeline: MaybePipelineDep,
                     feedback_store: FeedbackStoreDep) -> Response[dict]:
        if pipeline is None:
            return Response({"status": "loading", "detail": "the coach is still loading"},
                            status_code=HTTP_503_SERVICE_UNAVAILABLE, headers={"Retry-After": RETRY_AFTER})
        checks: dict[str, dict] = {}
        with anyio.move_on_after(PROBE_TIMEOUT * 2):
            checks["index"] = await anyio.to_thread.run_sync(_index, pipeline, abandon_on_cancel=True)
        checks.setdefault("index", {"ok": False, "error": f"no answer within {PROBE_TIMEOUT * 2:g} s"})
        if feedback_store is not None:
            with anyio.move_on_after(PROBE_TIMEOUT):
                checks["database"] = await anyio.to_thread.run_sync(
                    _probe, lambda: _select_one(feedback_store.engine), abandon_on_cancel=True)
            checks.setdefault("database", {"ok": False, "error": f"no answer within {PROBE_TIMEOUT:g} s"})
        redis = request.app.stores.get(RATE_LIMIT_STORE) if request.app.state.settings.redis_url else None
        if redis is not None:  # the shared rate limit and sessions: down means degraded (readers are still answered)
            with anyio.move_on_after(PROBE_TIMEOUT):
                checks["redis"] = await _probe_async(redis.ping)
            checks.setdefault("redis", {"ok": False, "error": f"no answer within {PROBE_TIMEOUT:g} s"})
        model = pipeline.model
        if model is not None:  # never called from here: its breaker says how recent calls went
            checks["model_endpoint"] = {"ok": model.breaker.state != "open", **model.breaker.status(),
                                        "model": pipeline.settings.llm_model}
        # Loaded means ready: with the index, the database or Redis down the replica still answers readers at
        # risk (care and the lines) and says the rest plainly, so it stays in rotation, reported `degraded`
        # (taking every replica out when a shared Chroma fails would leave a person in crisis a proxy's 502).
        status = "ok" if all(c["ok"] for c in checks.values()) else "degraded"
        body = {"status": status, "generator": pipeline.generator.name,
                "answering_with": "grounded" if model is None or model.breaker.state == "open" else "llm",
                "embedder": pipeline.embedder.name, "checks": checks}
        return Response(body, status_code=HTTP_200_OK)


def _select_one(engine) -> None:
    with engine.connect() as conn:
        conn.execute(text("SELECT 1"))
