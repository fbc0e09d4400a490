"""What passes between the pipeline's stages (api/ask.py runs each on its own threads) and what it returns."""
from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np

from ..guardrails.risk import RiskAssessment
from ..guardrails.scope import ScopeResult
from ..guardrails.second_opinion import PendingOpinion
from ..knowledge.store import StoredPassage
from .conversation import Conversation
from .generators.base import Context, Usage
from .reply import Reply


@dataclass
class AnswerResult:
    """The reply and what it was built from (for the evals and the output check; never sent to a reader)."""

    reply: Reply
    passages: list[StoredPassage] = field(default_factory=list)  # cited passages, in citation order
    framing: tuple[str, ...] = ()  # template lines (intro, support note): no claims to check
    risk: RiskAssessment | None = None
    usage: Usage | None = None  # the model call behind the reply (kept with it for the coach), if any


@dataclass
class Screened:
    """The safety stage's verdict (no compute slot, no dependency): risk, scope so far, the query vector."""

    conversation: Conversation
    query_vector: np.ndarray
    language: str
    country: str | None
    risk: RiskAssessment
    scope: ScopeResult
    pending: PendingOpinion | None = None  # the model's second opinion on risk, under way (None: scope is final)


@dataclass
class Prepared:
    risk: RiskAssessment
    scope: ScopeResult
    context: Context | None
    language: str = "en"
    index_down: bool = False  # the articles couldn't be searched: a reader at risk still gets care and the lines


@dataclass
class Written:
    """What the model endpoint wrote, or why it didn't (then the grounded answer is given)."""

    text: str | None = None
    failure: str | None = None
    usage: Usage | None = None  # what the call cost (tokens, time), when one was made
