"""Situations readers come with (knowledge/situations.yaml): coworker, living together, broke no contact, ...

Each has patterns, a focus sentence, anchor words from the articles and example questions matched by meaning."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from ..embeddings import Embedder
from ..patterns import PatternSet
from ..text import normalise_chat
from .generators.base import Context
from .meaning import by_meaning, with_examples

# A question about one of these disagreements is answered by the coaches' sides, not by a situation's advice.
ANSWERED_BY_SIDES = frozenset({"duration", "announce", "apology"})


@dataclass
class Situation:
    id: str
    patterns: PatternSet
    focus: str
    vector: np.ndarray | None = None
    anchors: tuple[str, ...] = ()  # the articles' words for the advice that fits this situation best
    examples: tuple[str, ...] = ()  # readers' questions in this situation (matched by meaning, see meaning.py)
    vectors: np.ndarray | None = None
    centre: np.ndarray | None = None
    centred: np.ndarray | None = None


def load_situations(path: Path) -> list[Situation]:
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Situation(s["id"], PatternSet(s["match"]), s["focus"],
                      anchors=tuple(a.lower() for a in s.get("anchors") or ()),
                      examples=tuple(s.get("examples") or ())) for s in data.get("situations", [])]


def embedded_situations(path: Path, embedder: Embedder) -> list[Situation]:
    """The situations with their examples and focus sentences embedded once (at startup), so a request still
    costs one embedding call."""
    situations = with_examples(load_situations(path), embedder)
    if situations:
        for situation, vector in zip(situations, embedder.embed([s.focus for s in situations])):
            situation.vector = vector
    return situations


def situation_of(context: Context, situations: list[Situation], meaning: bool = True) -> Situation | None:
    """The situation a question is about; None for a general question or one about a disagreement.

    By meaning (meaning.by_meaning) unless meaning=False: then the first whose pattern fires."""
    if ANSWERED_BY_SIDES & {d.id for d in context.differences}:
        return None
    key = ("situation", meaning, id(situations))
    if key not in context.memo:  # asked for by the extra passages and by the composer: worked out once
        text = normalise_chat(context.question)
        fired = [s for s in situations if s.patterns.search_any(text)]
        found = by_meaning(situations, fired, context.query_vector if meaning else None)
        context.memo[key] = found[0] if found else None
    return context.memo[key]
