"""What every generator takes and gives: a Context in, a Composition out, behind one Generator protocol."""
from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol

import numpy as np

from ...knowledge.store import StoredPassage
from ...retrieval.knowledge_base import Hit
from ..conversation import Conversation
from ..disagreements import Disagreement
from ..reply import Citation


@dataclass
class Context:
    """Everything a generator may use: the conversation, its query vector and the retrieved passages."""

    conversation: Conversation
    query_vector: np.ndarray
    hits: list[Hit]
    differences: list[Disagreement] = field(default_factory=list)
    level: str = "none"
    passages: list[StoredPassage] = field(default_factory=list)  # what a model is shown, numbered from 1
    memo: dict = field(default_factory=dict, repr=False, compare=False)  # per-request results worked out once
    plan: Any = None  # the AnswerPlan (answering/plan.py, which imports this module): kind, feeling, card, coverage

    @property
    def question(self) -> str:
        return self.conversation.question


@dataclass
class Composition:
    text: str
    citations: list[Citation]
    generator: str
    passages: list[StoredPassage] = field(default_factory=list)  # per citation, in citation order
    framing: tuple[str, ...] = ()  # our own template lines around the articles' words (no claims)
    coverage: str = "covered"  # covered | partial | not_covered (coverage.py), as the reader was told
    topic: str | None = None  # the card, situation or gap the answer drew on (the coach's gap report)


def must_tell_gap(context: Context) -> bool:
    """The plan found the articles don't address the question (and no answer card does): the reader is told first."""
    plan = context.plan
    return plan is not None and plan.coverage.told and plan.card is None


@dataclass(frozen=True)
class Usage:
    """What one model call cost: the endpoint's token counts (None when it doesn't report them) and its timing."""

    prompt_tokens: int | None = None
    completion_tokens: int | None = None
    first_text_ms: float | None = None  # request sent -> first piece of text (a stream), or the whole answer
    total_ms: float | None = None


@dataclass(frozen=True)
class ModelText:
    """What a model endpoint wrote, and what writing it cost."""

    text: str
    usage: Usage = field(default_factory=Usage)


class Generator(Protocol):
    """Writes the answer for a context; raises GenerationError when it can't (the pipeline then falls back)."""

    name: str

    def compose(self, context: Context, *, stream: bool = False) -> Composition: ...
