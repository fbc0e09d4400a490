"""How far the articles cover a question: covered, partial (only a nearby principle) or not covered at all.

Known gaps are the coach's list (knowledge/gaps.yaml); other gaps are found by meaning: no answer card, situation
or disagreement fits and no sentence of the articles comes close to the question."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import yaml

from ..patterns import PatternSet
from ..text import normalise_chat

# Below this cosine between the question and its closest sentence of the articles, nothing in them addresses it.
# Set on answers_blind2 (its not-covered questions reach 0.22-0.39, covered ones 0.43-0.69) and lowered after
# answers_blind3 and the tuning sets showed covered questions near 0.42 told they weren't: a false "not covered"
# costs a reader the advice that exists, so by meaning alone only the clearly unrelated are told so.
NOTHING_CLOSE = 0.38
# With no answer card, situation or disagreement fitting it, a question whose closest sentence is below this is only
# loosely addressed ("the best way to learn the ukulele after a breakup": 0.46): told so, then the nearest principle.
LITTLE_CLOSE = 0.46


@dataclass(frozen=True)
class Gap:
    id: str
    label: str
    patterns: PatternSet
    ask: str | None = None  # who can answer it instead ("a family lawyer")
    nearest: tuple[tuple[str, str], ...] = ()  # (article id, verbatim quote): the articles' closest principle


@dataclass(frozen=True)
class Coverage:
    level: str  # covered | partial | not_covered
    gap: Gap | None = None  # the coach's named gap, when one matched
    topic: str | None = None  # card, situation or gap id: how the coach's gap report groups questions

    @property
    def told(self) -> bool:
        """True when the reader must be told first that the articles don't address their question."""
        return self.level != "covered"


def load_gaps(path: Path) -> list[Gap]:
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Gap(g["id"], g["label"], PatternSet(g["match"]), g.get("ask"),
                tuple((n["article"], n["quote"]) for n in g.get("nearest") or ())) for g in data.get("gaps") or []]


def coverage_of(question: str, gaps: list[Gap], *, card: str | None, situation: str | None, disagreement: str | None,
                closest_sentence: float) -> Coverage:
    """The coverage of the reader's newest question given what matched it."""
    text = normalise_chat(question)
    gap = next((g for g in gaps if g.patterns.search_any(text)), None)
    answered_by = card or disagreement or situation
    if gap is not None:
        return Coverage("partial" if answered_by else "not_covered", gap, gap.id)
    if card or disagreement:
        return Coverage("covered", topic=answered_by)
    if closest_sentence < NOTHING_CLOSE and situation is None:
        return Coverage("not_covered")
    if closest_sentence < LITTLE_CLOSE and situation is None:
        return Coverage("partial")  # nothing the coach wrote fits it, and only loosely related sentences
    return Coverage("covered", topic=situation)
