"""The coaching endpoints: POST /api/ask and its SSE twin POST /api/ask/stream."""
from __future__ import annotations

import json
import logging
from functools import partial
from typing import Annotated

import anyio
import msgspec
from litestar import Controller, Request, post
from litestar.params import Body
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK

from ..answering.pipeline import AnswerPipeline
from ..answering.reply import Reply
from ..errors import BadInput, Unprocessable, UnsupportedMediaType
from ..feedback.store import FeedbackStore
from .dependencies import ComputeLimiterDep, FeedbackStoreDep, PipelineDep
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


def _record(store: FeedbackStore | None, question: str, reply: Reply, conversation_id: str | None) -> None:
    """Keep every answered question (for COACH_RETENTION_DAYS) so readers' feedback can point at it; never fail the
    answer over it."""
    if store is None:
        return
    try:
        store.record_reply_soon(question, reply, conversation_id)
    except Exception:
        log.exception("could not record reply %s", reply.id)


class AskController(Controller):
    path = "/api"
    tags = ["coach"]

    @post("/ask", status_code=HTTP_200_OK, summary="Answer a reader's situation from the coach's articles",
          responses=error_responses(400, 413, 415, 422, 429, 503))
    async def ask(self, data: Annotated[AskRequest, Body()], request: Request, pipeline: PipelineDep,
                  feedback_store: FeedbackStoreDep, compute_limiter: ComputeLimiterDep) -> Reply:
        events = await _events(data, request, pipeline, feedback_store, compute_limiter, stream=False)
        return events[-1][1].reply

    @post("/ask/stream", status_code=HTTP_200_OK,
          summary="The same answer as Server-Sent Events: `delta` events, then one `done` event",
          responses={**error_responses(400, 413, 415, 422, 429, 503), **SSE_RESPONSE})
    async def ask_stream(self, data: Annotated[AskRequest, Body()], request: Request, pipeline: PipelineDep,
                         feedback_store: FeedbackStoreDep, compute_limiter: ComputeLimiterDep) -> ServerSentEvent:
        # The whole reply is composed and checked before the first event: nothing unchecked reaches a reader.
        events = await _events(data, request, pipeline, feedback_store, compute_limiter, stream=True)
        messages = [ServerSentEventMessage(data=json.dumps({"text": payload}), event="delta") if kind == "delta"
                    else ServerSentEventMessage(data=json.dumps(msgspec.to_builtins(payload.reply)), event="done")
                    for kind, payload in events]
        return ServerSentEvent(iter(messages))


async def _events(data: AskRequest, request: Request, pipeline: AnswerPipeline, store: FeedbackStore | None,
                  limiter: anyio.CapacityLimiter, *, stream: bool) -> list[tuple[str, object]]:
    """Validate, then answer in stages; the last event is ("done", result).

    Safety first and never kept waiting: the risk and scope check runs on its own threads (no compute slot, no
    dependency), and an urgent reply leaves from there. The model's risk rating and its answer are waited for
    outside any slot, within their deadlines; retrieval and the checks take a compute slot."""
    question, history = _validated(data, request, pipeline)
    screened = await anyio.to_thread.run_sync(
        partial(pipeline.screen, question, history, data.locale, request.headers.get("accept-language")),
        limiter=request.app.state.safety_limiter)
    result = pipeline.screened_reply(screened)
    if result is None and screened.pending is not None:  # the model's risk rating: waited for without a slot
        await anyio.to_thread.run_sync(pipeline.settle, screened, limiter=request.app.state.endpoint_limiter)
        result = pipeline.screened_reply(screened)
    if result is None:
        prepared = await anyio.to_thread.run_sync(pipeline.prepare, screened, limiter=limiter)
        result = pipeline.prepared_reply(prepared)
        if result is None:
            written = await anyio.to_thread.run_sync(partial(pipeline.write, prepared, stream=stream),
                                                     limiter=request.app.state.endpoint_limiter)
            result = await anyio.to_thread.run_sync(pipeline.finish, prepared, written, limiter=limiter)
    _record(store, question, result.reply, data.conversation_id)
    return list(pipeline.events(result)) if stream else [("done", result)]
