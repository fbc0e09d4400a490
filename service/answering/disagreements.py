"""Points where the articles disagree (knowledge/disagreements.yaml), matched to a question."""
from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..text import normalise_chat, squash
from .conversation import Conversation
from .meaning import by_meaning, similarity

# A topic whose question is this much closer (plain cosine) to a rival's examples, e.g. a situation's, is about
# that rival: "we co-own a shop, I can't ghost her" is about working together, not about announcing no contact.
RIVAL_MARGIN = 0.08


@dataclass(frozen=True)
class Position:
    article_id: str
    view: str
    quote: str


@dataclass(frozen=True)
class Disagreement:
    id: str
    summary: str
    patterns: tuple[re.Pattern, ...]
    positions: tuple[Position, ...]
    examples: tuple[str, ...] = ()  # questions a reader might ask on this topic (coach-editable)
    anchors: tuple[str, ...] = ()  # the articles' words for the advice around it (see situations.yaml)
    cards: tuple[str, ...] = ()  # answer cards on this same point (guidance/): they never take a question from it
    vectors: np.ndarray | None = field(default=None, compare=False, repr=False)  # the examples', see with_examples()
    centre: np.ndarray | None = field(default=None, compare=False, repr=False)
    centred: np.ndarray | None = field(default=None, compare=False, repr=False)

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)


def load_disagreements(path: Path, article_texts: dict[str, str] | None = None) -> list[Disagreement]:
    """Parse the file; with article_texts, every quote must appear word for word in its article."""
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    topics = []
    for t in data.get("topics", []):
        positions = tuple(Position(p["article_id"], p["view"], p["quote"]) for p in t["positions"])
        if article_texts is not None:
            for pos in positions:
                text = article_texts.get(pos.article_id)
                if text is None:
                    raise ValueError(f"disagreement {t['id']!r}: unknown article {pos.article_id!r}")
                if squash(pos.quote) not in squash(text):
                    raise ValueError(f"disagreement {t['id']!r}: quote not found in {pos.article_id}: "
                                     f"{pos.quote[:60]!r}")
        topics.append(Disagreement(t["id"], t["summary"], tuple(re.compile(m, re.I) for m in t["match"]), positions,
                                   tuple(t.get("examples") or ()), tuple(a.lower() for a in t.get("anchors") or ()),
                                   tuple(t.get("cards") or ())))
    return topics


def matching(topics: list[Disagreement], conversation: Conversation, query_vector: np.ndarray | None = None,
             rivals: Sequence = (), card=None) -> list[Disagreement]:
    """The topic the question is about, if any (the reader's last turn counts for short follow-ups).

    One at most: a second topic crowded out the advice and was usually a false trigger. `rivals` (the
    composer's situations) veto a topic the question is clearly closer to them than to (RIVAL_MARGIN); `card`, the
    coach's answer card the question fits, vetoes one it is at least as close to ("how long until it stops
    hurting?" is about getting over an ex, not about how long no contact lasts), unless the card is on the same
    point: it gives the coaches' sides itself (they are shown quoted, from here) or the topic lists it (`cards`)."""
    fired = [t for t in topics if t.matches(normalise_chat(conversation.question))]
    previous = conversation.last_user_turn
    if not fired and previous and len(conversation.question.split()) < 12:
        fired = [t for t in topics if t.matches(normalise_chat(previous))]
    found = by_meaning(topics, fired, query_vector)
    rival = max((c for c in (similarity(r, query_vector) for r in rivals) if c is not None), default=None)
    if rival is not None:
        found = [t for t in found if similarity(t, query_vector) is None
                 or similarity(t, query_vector) >= rival - RIVAL_MARGIN]
    if found and card is not None and card.id not in found[0].cards:
        closer = (similarity(card, query_vector) or 0.0) - (similarity(found[0], query_vector) or 1.0)
        # A card giving the sides of its own point still vetoes a topic it is clearly closer to ("what if she
        # says she wants to get back together?" is not about what no contact is for).
        if closer >= (0.0 if not card.gives_sides else RIVAL_MARGIN):
            return []
    return found[:1]
