"""Request bodies of the HTTP API (msgspec: validated on the way in, documented in OpenAPI). Replies are
answering.reply.Reply."""
from __future__ import annotations

from typing import Annotated, Literal

import msgspec
from litestar.openapi.datastructures import ResponseSpec

from ..db.tables import MAX_COMMENT_CHARS

MAX_DRAFT_CHARS = 20000
# A version or id the database can hold (SQLite and PostgreSQL BIGINT): anything larger is a 400, not an overflow.
Version = Annotated[int, msgspec.Meta(ge=0, le=2**63 - 1)]


class Turn(msgspec.Struct):
    role: Literal["user", "assistant"]
    content: Annotated[str, msgspec.Meta(max_length=8000)]


class AskRequest(msgspec.Struct):
    question: str
    history: Annotated[list[Turn], msgspec.Meta(max_length=50)] = []
    locale: Annotated[str, msgspec.Meta(max_length=35)] | None = None
    # The widget's random id for this conversation: the coach can export or delete it as a whole on request.
    conversation_id: Annotated[str, msgspec.Meta(pattern=r"^[A-Za-z0-9_-]{8,64}$")] | None = None


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True):
    reply_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    rating: Literal["up", "down"]
    comment: Annotated[str, msgspec.Meta(max_length=MAX_COMMENT_CHARS)] | None = None


class FeedbackOut(msgspec.Struct):
    id: int
    reply_id: str
    rating: str
    stored: bool = True


class EditIn(msgspec.Struct):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_DRAFT_CHARS)]
    version: Version


class ApproveIn(msgspec.Struct):
    version: Version
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=MAX_DRAFT_CHARS)] | None = None


class QuoteIn(msgspec.Struct, forbid_unknown_fields=True):
    article: Annotated[str, msgspec.Meta(min_length=1, max_length=200)]
    quote: Annotated[str, msgspec.Meta(min_length=1, max_length=2000)]


class CardIn(msgspec.Struct, forbid_unknown_fields=True):
    """An answer card as the coach writes it (knowledge/guidance/ID.yaml)."""

    kind: str
    examples: Annotated[list[Annotated[str, msgspec.Meta(max_length=600)]], msgspec.Meta(min_length=1, max_length=30)]
    verdict: Annotated[str, msgspec.Meta(min_length=1, max_length=600)]
    support: Annotated[list[QuoteIn], msgspec.Meta(min_length=1, max_length=5)]


class Problem(msgspec.Struct):
    """Every error's body: the status and a sentence for people (`extra`: details, e.g. the rows of an import)."""

    status_code: int
    detail: str
    extra: dict | list | None = None


ERROR_MEANINGS = {
    400: "Bad input: malformed or too deeply nested JSON, a missing or wrong field, a number out of range",
    401: "The coach's bearer token is missing or wrong",
    404: "No such reply, comment or job",
    409: "The draft changed since the version the edit started from",
    413: "The body is over the size limit",
    415: "Not JSON (send Content-Type: application/json)",
    422: "Well-formed but refused (e.g. a question over the length limit)",
    429: "Too many requests from this client: wait `Retry-After` seconds",
    503: "A dependency is down (the article index, the database) or the coach is loading: retry after `Retry-After`",
}


def error_responses(*codes: int) -> dict[int, ResponseSpec]:
    """OpenAPI documentation of the error statuses a route can answer."""
    return {code: ResponseSpec(Problem, description=ERROR_MEANINGS[code], generate_examples=False) for code in codes}


SSE_RESPONSE = {200: ResponseSpec(str, media_type="text/event-stream", generate_examples=False,
                                  description="Server-Sent Events: `event: delta` with `{\"text\": ...}` pieces of "
                                              "the checked answer, then one `event: done` whose data is the whole "
                                              "reply object of POST /api/ask")}
