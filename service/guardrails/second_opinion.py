"""The configured model's second opinion on risk: it may raise the level, never lower it, and fails safe.

The local check (risk.py) always runs first and alone decides an emergency, so a person in crisis never waits on a
model. For everything else the model is asked in parallel with retrieval and waited for only until the request's
risk budget is spent; no answer in time, an error or an unreadable answer leaves the local verdict as it was.
"""
from __future__ import annotations

import json
import logging
import re
import time
from collections.abc import Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from concurrent.futures import TimeoutError as FutureTimeout
from dataclasses import dataclass, replace
from typing import Protocol

from .resources import ResourceDirectory
from .risk import LEVEL_RANK, RiskAssessment

CATEGORIES = frozenset({"suicide", "self_harm", "abuse", "threat", "stalking", "harm_others", "child"})
_JSON_OBJECT = re.compile(r"\{[^{}]*\}", re.S)
log = logging.getLogger("coach")


class RiskScreen(Protocol):
    """What rates a message (the model client): returns the model's raw one-line answer or raises."""

    def screen_risk(self, message: str, earlier_turns: Sequence[str], timeout: float) -> str: ...


@dataclass(frozen=True)
class ModelRating:
    level: str  # none | support | urgent
    category: str | None


@dataclass
class PendingOpinion:
    """A rating under way: when it started, so the wait ends with the budget however long retrieval took."""

    future: Future
    started: float


def parse_rating(text: str) -> ModelRating | None:
    """{"level": ..., "category": ...} from the model's answer (code fences and chatter around it tolerated);
    None when no such object with a known level is in it."""
    for candidate in _JSON_OBJECT.findall(text or ""):
        try:
            data = json.loads(candidate)
        except ValueError:
            continue
        if not isinstance(data, dict):
            continue
        level = str(data.get("level", "")).strip().lower()
        if level not in LEVEL_RANK:
            continue
        category = str(data.get("category") or "").strip().lower() or None
        return ModelRating(level, category if category in CATEGORIES else None)
    return None


class SecondOpinion:
    """Asks the screen in a small thread pool (the calls wait on the network, not the CPU)."""

    def __init__(self, screen: RiskScreen, directory: ResourceDirectory, budget: float, workers: int = 8):
        self.screen = screen
        self.directory = directory
        self.budget = budget
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="risk-second-opinion")

    def wanted(self, risk: RiskAssessment) -> bool:
        """Only a verdict below urgent can be raised; an emergency is answered without waiting for anyone."""
        return self.budget > 0 and not risk.emergency and risk.level != "urgent"

    def start(self, message: str, earlier_turns: Sequence[str]) -> PendingOpinion:
        future = self._pool.submit(self.screen.screen_risk, message, tuple(earlier_turns), self.budget)
        return PendingOpinion(future, time.monotonic())

    def apply(self, risk: RiskAssessment, pending: PendingOpinion, country: str | None,
              english: bool) -> RiskAssessment:
        """The local verdict, raised when the model rates higher; unchanged when it rates lower, fails or is late.

        A message raised to urgent by the model alone is an emergency only outside English, as with the learned
        net: in English the reader gets the crisis lines and a check-in above a real answer, so a false alarm
        still answers them."""
        remaining = max(0.0, self.budget - (time.monotonic() - pending.started))
        try:
            rating = parse_rating(pending.future.result(timeout=remaining))
        except FutureTimeout:
            pending.future.cancel()
            return self._unchanged(risk, f"no answer within {self.budget:g} s")
        except Exception as exc:  # any failure of the model call: the local verdict stands
            return self._unchanged(risk, str(exc) or type(exc).__name__)
        if rating is None:
            return self._unchanged(risk, "unreadable answer")
        note = f"model second opinion: {rating.level}" + (f" ({rating.category})" if rating.category else "")
        if LEVEL_RANK[rating.level] <= LEVEL_RANK[risk.level]:
            return replace(risk, matched=[*risk.matched, note])
        categories = list(risk.categories)
        if rating.level == "urgent":
            categories = [c for c in categories if c not in ("distress", "possible risk")]
            categories = [rating.category or "suicide"] + [c for c in categories if c != rating.category]
        elif not categories:
            categories = ["possible risk"]
        return replace(risk, level=rating.level, categories=categories, matched=[*risk.matched, note],
                       resources=self.directory.for_risk(rating.level, categories, country), ongoing=False,
                       emergency=rating.level == "urgent" and not english)

    @staticmethod
    def _unchanged(risk: RiskAssessment, reason: str) -> RiskAssessment:
        log.warning("risk second opinion not used: %s", reason)
        return replace(risk, matched=[*risk.matched, f"model second opinion unavailable: {reason}"])

    def close(self) -> None:
        self._pool.shutdown(wait=False, cancel_futures=True)
