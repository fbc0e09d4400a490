"""The coaching endpoints: POST /api/ask and its SSE twin POST /api/ask/stream."""
from __future__ import annotations

import logging
from functools import partial
from typing import Annotated

import anyio
from litestar import Controller, Request, post
from litestar.params import Body
from litestar.response import ServerSentEvent
from litestar.status_codes import HTTP_200_OK

from ..answering.live import VerifiedStream, streams
from ..answering.pipeline import AnswerPipeline
from ..answering.reply import Reply
from ..answering.stages import AnswerResult, Prepared
from ..errors import BadInput, Unprocessable, UnsupportedMediaType
from ..feedback.store import FeedbackStore
from .dependencies import ComputeLimiterDep, FeedbackStoreDep, PipelineDep
from .live_events import done, event, live_events
from .schemas import SSE_RESPONSE, AskRequest, error_responses

log = logging.getLogger("coach")


def require_json(request: Request) -> None:
    if request.content_type[0] != "application/json":
        raise UnsupportedMediaType("send JSON with Content-Type: application/json")


def _validated(data: AskRequest, request: Request, pipeline: AnswerPipeline) -> tuple[str, list[dict]]:
    require_json(request)
    question = data.question.strip()
    if not question:
        raise BadInput("question must not be empty")
    limit = pipeline.settings.max_question_chars
    if len(question) > limit:
        raise Unprocessable(f"question is too long ({len(question)} characters; the limit is {limit})")
    history = [{"role": t.role, "content": t.content} for t in data.history]
    return question, history


def _record(store: FeedbackStore | None, question: str, result: AnswerResult,
            conversation_id: str | None = None) -> None:
    """Keep every answered question (for COACH_RETENTION_DAYS) so readers' feedback can point at it; never fail the
    answer over it."""
    if store is None:
        return
    try:
        store.record_reply_soon(question, result.reply, conversation_id, result.usage)
    except Exception:
        log.exception("could not record reply %s", result.reply.id)


class AskController(Controller):
    path = "/api"
    tags = ["coach"]

    @post("/ask", status_code=HTTP_200_OK, summary="Answer a reader's situation from the coach's articles",
          responses=error_responses(400, 413, 415, 422, 429, 503))
    async def ask(self, data: Annotated[AskRequest, Body()], request: Request, pipeline: PipelineDep,
                  feedback_store: FeedbackStoreDep, compute_limiter: ComputeLimiterDep) -> Reply:
        question, staged = await _staged(data, request, pipeline, compute_limiter)
        result = staged if isinstance(staged, AnswerResult) else \
            await _written(staged, request, pipeline, compute_limiter, stream=False)
        _record(feedback_store, question, result, data.conversation_id)
        return result.reply

    @post("/ask/stream", status_code=HTTP_200_OK,
          summary="The same answer as Server-Sent Events: `delta` events (and a `replace` event when a model's "
                  "answer failed a check on the way), then one `done` event",
          responses={**error_responses(400, 413, 415, 422, 429, 503), **SSE_RESPONSE})
    async def ask_stream(self, data: Annotated[AskRequest, Body()], request: Request, pipeline: PipelineDep,
                         feedback_store: FeedbackStoreDep, compute_limiter: ComputeLimiterDep) -> ServerSentEvent:
        question, staged = await _staged(data, request, pipeline, compute_limiter)
        if isinstance(staged, Prepared) and streams(pipeline, staged):
            # A model's answer is sent sentence by sentence, each once it has passed its checks (live_events.py).
            return ServerSentEvent(live_events(VerifiedStream(pipeline, staged), compute_limiter,
                                               partial(_record, feedback_store, question,
                                                       conversation_id=data.conversation_id)))
        result = staged if isinstance(staged, AnswerResult) else \
            await _written(staged, request, pipeline, compute_limiter, stream=True)
        _record(feedback_store, question, result, data.conversation_id)
        # The grounded answer is whole and checked before the first event; it is sent in pieces.
        messages = [event("delta", {"text": payload}) if kind == "delta" else done(payload)
                    for kind, payload in pipeline.events(result)]
        return ServerSentEvent(iter(messages))


async def _staged(data: AskRequest, request: Request, pipeline: AnswerPipeline,
                  limiter: anyio.CapacityLimiter) -> tuple[str, AnswerResult | Prepared]:
    """Validate, then screen and prepare: the reply when it is settled by then (an emergency, a decline), else
    what a generator needs.

    Safety first and never kept waiting: the risk and scope check runs on its own threads (no compute slot, no
    dependency), and an urgent reply leaves from there. The model's risk rating is waited for outside any slot,
    within its deadline; retrieval takes a compute slot."""
    question, history = _validated(data, request, pipeline)
    screened = await anyio.to_thread.run_sync(
        partial(pipeline.screen, question, history, data.locale, request.headers.get("accept-language")),
        limiter=request.app.state.safety_limiter)
    result = pipeline.screened_reply(screened)
    if result is None and screened.pending is not None:  # the model's risk rating: waited for without a slot
        await anyio.to_thread.run_sync(pipeline.settle, screened, limiter=request.app.state.endpoint_limiter)
        result = pipeline.screened_reply(screened)
    if result is not None:
        return question, result
    prepared = await anyio.to_thread.run_sync(pipeline.prepare, screened, limiter=limiter)
    return question, pipeline.prepared_reply(prepared) or prepared


async def _written(prepared: Prepared, request: Request, pipeline: AnswerPipeline, limiter: anyio.CapacityLimiter,
                   *, stream: bool) -> AnswerResult:
    """The generator's answer, checked: the model is waited for on the network threads, the check takes a slot."""
    written = await anyio.to_thread.run_sync(partial(pipeline.write, prepared, stream=stream),
                                             limiter=request.app.state.endpoint_limiter)
    return await anyio.to_thread.run_sync(pipeline.finish, prepared, written, limiter=limiter)
