"""What POST /api/ask returns: one Reply with its Citations and Safety (msgspec: this IS the API schema)."""
from __future__ import annotations

from typing import Literal

import msgspec

from ..guardrails.resources import Resource


class Citation(msgspec.Struct):
    """A numbered source: the article, its author and the words quoted from it."""

    n: int
    article_id: str
    title: str
    author: str
    url: str | None
    quote: str


class Safety(msgspec.Struct):
    """The risk check's verdict and the help shown with it (emergency line first)."""

    level: Literal["none", "support", "urgent"]
    categories: list[str]
    resources: list[Resource]


class Reply(msgspec.Struct):
    """The answer to one question."""

    id: str
    answer: str
    citations: list[Citation]
    scope: Literal["in", "out"]
    safety: Safety
    generator: Literal["grounded", "llm"]
    fallback_reason: str | None
    scope_kind: str
    # How far the articles cover the question: "covered", "partial" (only the nearest principle) or "not_covered"
    # (told so plainly); "none" for replies that are not answers (a crisis reply, a decline).
    coverage: Literal["covered", "partial", "not_covered", "none"] = "none"
    topic: str | None = None  # the answer card or situation it was answered by, for the coach's gap report
    # The language the reply is written in (a crisis reply is in the reader's, when a template exists for it), and
    # the paragraphs written in another one (a note in the reader's language above an English answer): the widget
    # marks each with `lang` so a screen reader reads it with the right voice.
    language: str = "en"
    paragraph_languages: dict[str, str] = msgspec.field(default_factory=dict)
