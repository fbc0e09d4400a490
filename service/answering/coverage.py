"""How far the articles cover a question: covered, partial (only a nearby principle) or not covered at all.

Known gaps are the coach's list (knowledge/gaps.yaml); other gaps are found by meaning: no answer card, situation
or disagreement fits and no sentence of the articles comes close to the question."""
from __future__ import annotations

from dataclasses import dataclass, field, replace
from pathlib import Path

import numpy as np
import yaml

from ..patterns import PatternSet
from ..text import normalise_chat
from .meaning import similarity

# Below this cosine between the question and its closest sentence of the articles, nothing in them addresses it.
# Set on answers_blind2 (its not-covered questions reach 0.22-0.39, covered ones 0.43-0.69) and lowered after
# answers_blind3 and the tuning sets showed covered questions near 0.42 told they weren't: a false "not covered"
# costs a reader the advice that exists, so by meaning alone only the clearly unrelated are told so.
NOTHING_CLOSE = 0.38
# With no answer card, situation or disagreement fitting it, a question whose closest sentence is below this is only
# loosely addressed ("the best way to learn the ukulele after a breakup": 0.46): told so, then the nearest principle.
LITTLE_CLOSE = 0.46
# A question this close (plain cosine, its two best) to a named gap's examples, and at least GAP_LEAD closer to them
# than to any answer card's, is about that gap though no pattern names it ("can you actually die of a broken
# heart?"). Judged on the question as sent for retrieval, as written and its asking sentence alone, the best of the
# three. Set on the retired answer sets (answers, answers_holdout, answers_blind2-11: 518 questions labelled by their
# writers): at 0.50 and 0.06 it names the gap of 14 of 112 partly covered and 69 of 112 uncovered questions, and of
# none of the 224 covered ones; every gap it named there was the right one (living together with a lease, 0.00-0.05
# ahead of its card, is why the lead is not lower).
GAP_CLOSE = 0.50
GAP_LEAD = 0.06


@dataclass(frozen=True)
class Gap:
    id: str
    label: str
    patterns: PatternSet | None
    ask: str | None = None  # who can answer it instead ("a family lawyer")
    ask_when: PatternSet | None = None  # only questions matching these get `ask` (a grandma's ring needs no lawyer)
    nearest: tuple[tuple[str, str], ...] = ()  # (article id, verbatim quote): the articles' closest principle
    examples: tuple[str, ...] = ()  # questions of the kind, matched by meaning (gap_by_meaning)
    vectors: np.ndarray | None = field(default=None, repr=False, compare=False)  # meaning.with_examples
    centre: np.ndarray | None = field(default=None, repr=False, compare=False)
    centred: np.ndarray | None = field(default=None, repr=False, compare=False)


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
    return [Gap(g["id"], g["label"], PatternSet(g["match"]) if g.get("match") else None, g.get("ask"),
                PatternSet(g["ask_when"]) if g.get("ask_when") else None,
                tuple((n["article"], n["quote"]) for n in g.get("nearest") or ()), tuple(g.get("examples") or ()))
            for g in data.get("gaps") or []]


def gap_named(question: str, gaps: list[Gap]) -> Gap | None:
    """The first named gap whose patterns match the question."""
    text = normalise_chat(question)
    return next((g for g in gaps if g.patterns is not None and g.patterns.search_any(text)), None)


def gap_by_meaning(gaps: list[Gap], cards: list, vectors: list[np.ndarray]) -> Gap | None:
    """The named gap the question's meaning is closest to, if close enough and clearly closer than any card's (gaps
    without examples are never close)."""
    best: tuple[float, Gap] | None = None
    for vector in vectors:
        card_best = max((similarity(c, vector) or 0.0 for c in cards), default=0.0)
        for gap in gaps:
            close = similarity(gap, vector)
            if close is not None and close >= GAP_CLOSE and close - card_best >= GAP_LEAD \
                    and (best is None or close > best[0]):
                best = (close, gap)
    return best[1] if best else None


def coverage_of(question: str, gaps: list[Gap], *, card: str | None, situation: str | None, disagreement: str | None,
                closest_sentence: float, gap_by_meaning: Gap | None = None) -> Coverage:
    """The coverage of the reader's newest question given what matched it (a named gap by its patterns, else the
    one its meaning is closest to, if any)."""
    gap = gap_named(question, gaps) or gap_by_meaning
    answered_by = card or disagreement or situation
    if gap is not None and gap.ask_when is not None and not gap.ask_when.search_any(normalise_chat(question)):
        gap = replace(gap, ask=None)
    if gap is not None:
        return Coverage("partial" if answered_by else "not_covered", gap, gap.id)
    if card or disagreement:
        return Coverage("covered", topic=answered_by)
    if closest_sentence < NOTHING_CLOSE and situation is None:
        return Coverage("not_covered")
    if closest_sentence < LITTLE_CLOSE and situation is None:
        return Coverage("partial")  # nothing the coach wrote fits it, and only loosely related sentences
    return Coverage("covered", topic=situation)
