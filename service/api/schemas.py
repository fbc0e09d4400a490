"""Request and response shapes of the public API (msgspec: validated on the way in, documented in OpenAPI)."""
from __future__ import annotations

from typing import Annotated, Literal

import msgspec


class Turn(msgspec.Struct):
    role: Literal["user", "assistant"]
    content: Annotated[str, msgspec.Meta(max_length=8000)]


class AskRequest(msgspec.Struct):
    question: str
    history: Annotated[list[Turn], msgspec.Meta(max_length=50)] = []
    locale: Annotated[str, msgspec.Meta(max_length=35)] | None = None


class CitationOut(msgspec.Struct):
    n: int
    article_id: str
    title: str
    author: str
    url: str | None
    quote: str


class ResourceOut(msgspec.Struct):
    name: str
    contact: str
    url: str | None


class SafetyOut(msgspec.Struct):
    level: Literal["none", "support", "urgent"]
    categories: list[str]
    resources: list[ResourceOut]


class AskResponse(msgspec.Struct):
    id: str
    answer: str
    citations: list[CitationOut]
    scope: Literal["in", "out"]
    safety: SafetyOut
    generator: Literal["grounded", "llm"]
    fallback_reason: str | None
    scope_kind: str
