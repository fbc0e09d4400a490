"""Generators behind one interface: grounded (no model server, the default) and llm (OpenAI-compatible)."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Protocol

import numpy as np

from ..disagreements import Disagreement
from ..retrieval import Hit


@dataclass
class Citation:
    n: int
    article_id: str
    title: str
    author: str
    url: str | None
    quote: str

    def as_dict(self) -> dict:
        return {"n": self.n, "article_id": self.article_id, "title": self.title, "author": self.author,
                "url": self.url, "quote": self.quote}


@dataclass
class Context:
    """Everything a generator may use: the question, the conversation and the retrieved passages."""

    question: str
    history: list[dict]
    query_vector: np.ndarray
    hits: list[Hit]
    differences: list[Disagreement] = field(default_factory=list)
    level: str = "none"
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # per-request results worked out once


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    generator: str
    passages: list = field(default_factory=list)  # StoredPassage per citation, in citation order
    framing: tuple[str, ...] = ()  # our own template lines around the articles' words (no claims)


class Generator(Protocol):
    name: str

    def compose(self, context: Context) -> Composition: ...
