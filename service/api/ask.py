"""The coaching endpoints: POST /api/ask and its SSE twin POST /api/ask/stream."""
from __future__ import annotations

import json
import logging
from functools import partial
from typing import Annotated

import anyio
import msgspec
from litestar import Controller, Request, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, HTTPException
from litestar.params import Body
from litestar.response import ServerSentEvent
from litestar.response.sse import ServerSentEventMessage
from litestar.status_codes import HTTP_200_OK, HTTP_415_UNSUPPORTED_MEDIA_TYPE, HTTP_422_UNPROCESSABLE_ENTITY

from ..coach import Coach, Reply
from ..feedback import FeedbackStore
from .schemas import AskRequest, AskResponse

log = logging.getLogger("coach")


def _validated(data: AskRequest, request: Request, coach: Coach) -> tuple[str, list[dict]]:
    if request.content_type[0] != "application/json":
        raise HTTPException(status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE, detail="send JSON with Content-Type: application/json")
    question = data.question.strip()
    if not question:
        raise ClientException(detail="question must not be empty")
    limit = coach.settings.max_question_chars
    if len(question) > limit:
        raise ClientException(status_code=HTTP_422_UNPROCESSABLE_ENTITY,
                              detail=f"question is too long ({len(question)} characters; the limit is {limit})")
    history = [{"role": t.role, "content": t.content} for t in data.history]
    return question, history


def _record(store: FeedbackStore | None, question: str, reply: Reply) -> None:
    """Keep every answered question so readers' feedback can point at it; never fail the answer over it."""
    if store is None:
        return
    try:
        store.record_reply_soon(question, reply)
    except Exception:  # noqa: BLE001 - the reader still gets the answer; the log keeps the cause
        log.exception("could not record reply %s", reply.id)


class AskController(Controller):
    path = "/api"
    tags = ["coach"]

    @post("/ask", status_code=HTTP_200_OK, summary="Answer a reader's situation from the coach's articles")
    async def ask(self, data: Annotated[AskRequest, Body()], request: Request, coach: NamedDependency[Coach],
                  feedback_store: NamedDependency[FeedbackStore | None],
                  compute_limiter: NamedDependency[anyio.CapacityLimiter]) -> AskResponse:
        events = await _events(data, request, coach, feedback_store, compute_limiter, stream=False)
        return msgspec.convert(events[-1][1].as_dict(), AskResponse)

    @post("/ask/stream", status_code=HTTP_200_OK,
          summary="The same answer as Server-Sent Events: `delta` events, then one `done` event")
    async def ask_stream(self, data: Annotated[AskRequest, Body()], request: Request, coach: NamedDependency[Coach],
                         feedback_store: NamedDependency[FeedbackStore | None],
                         compute_limiter: NamedDependency[anyio.CapacityLimiter]) -> ServerSentEvent:
        # The whole reply is composed and checked before the first event: nothing unchecked reaches a reader.
        events = await _events(data, request, coach, feedback_store, compute_limiter, stream=True)
        messages = [ServerSentEventMessage(data=json.dumps({"text": payload}), event="delta") if kind == "delta"
                    else ServerSentEventMessage(data=json.dumps(payload.as_dict()), event="done")
                    for kind, payload in events]
        return ServerSentEvent(iter(messages))


async def _events(data: AskRequest, request: Request, coach: Coach, store: FeedbackStore | None,
                  limiter: anyio.CapacityLimiter, *, stream: bool) -> list[tuple[str, object]]:
    """Validate, then answer in a worker thread once a compute slot is free; the last event is ("done", Reply)."""
    question, history = _validated(data, request, coach)
    return await anyio.to_thread.run_sync(
        partial(_answer_events, coach, store, question, history, data.locale,
                request.headers.get("accept-language"), stream), limiter=limiter)


def _answer_events(coach: Coach, store: FeedbackStore | None, question: str, history: list[dict],
                   locale: str | None, accept_language: str | None, stream: bool) -> list[tuple[str, object]]:
    if stream:
        events = list(coach.answer_stream(question, history, locale, accept_language))
    else:
        events = [("done", coach.answer(question, history, locale, accept_language))]
    _record(store, question, events[-1][1])
    return events
