"""Request bodies of the HTTP API (msgspec: validated on the way in, documented in OpenAPI). Replies are
answering.reply.Reply."""
from __future__ import annotations

from typing import Annotated, Literal

import msgspec

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
