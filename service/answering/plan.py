"""What an answer must do before any sentence is picked: the question's kind, the reader's feeling, the coach's
answer card for it, and how far the articles cover it. Worked out once per request, used by every generator."""
from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..embeddings import Embedder
from ..retrieval.knowledge_base import KnowledgeBase
from .coverage import Coverage, Gap, coverage_of, load_gaps
from .feelings import FeelingCheck
from .generators.base import Context
from .guidance import Card, card_for, checked_cards, coaches_named
from .question_kind import kind_of
from .situations import Situation, situation_of


@dataclass(frozen=True)
class AnswerPlan:
    kind: str  # yes_no | should_i | how_long | what_to_do | why | other (question_kind.py)
    feeling: str | None  # grief | fear | shame (feelings.yaml)
    card: Card | None  # the coach's answer card for this question, if one fits
    coverage: Coverage
    situation: Situation | None = None


class Planner:
    """Built once (the pipeline's startup) from the knowledge folder; plan() is cheap and thread-safe."""

    def __init__(self, kb: KnowledgeBase, situations: list[Situation], cards: list[Card], gaps: list[Gap],
                 feelings: FeelingCheck, cards_folder: Path | None = None):
        self.kb = kb
        self.situations = situations
        self.cards = cards
        self.gaps = gaps
        self.feelings = feelings
        self.cards_folder = cards_folder  # where reload_cards() reads them again

    @classmethod
    def load(cls, knowledge_dir: Path, kb: KnowledgeBase, situations: list[Situation], embedder: Embedder,
             article_texts: dict[str, str]) -> Planner:
        folder = knowledge_dir / "guidance"
        return cls(kb, situations, checked_cards(folder, article_texts, embedder, strict=False),
                   load_gaps(knowledge_dir / "gaps.yaml"), FeelingCheck.load(knowledge_dir / "feelings.yaml"), folder)

    def reload_cards(self, embedder: Embedder, article_texts: dict[str, str]) -> None:
        """Re-read the cards after the coach edits one (one assignment: a request sees the old list or the new)."""
        folder = self.cards_folder
        if folder is not None:
            self.cards = checked_cards(folder, article_texts, embedder, strict=False)

    def plan(self, context: Context, language: str = "en") -> AnswerPlan:
        """`language`: the message's. Closeness to the articles is only judged in English (the model reads
        English), and not for a reader at risk, who gets whatever the articles offer besides the lines."""
        question = context.question  # the newest question: earlier turns only help find what it refers to
        card = card_for(self.cards, context.query_vector)[0]
        if card is not None and context.differences and len(coaches_named(card.verdict)) >= 2:
            # A question on a known disagreement is answered by the coaches' sides, each quoted
            # (disagreements.yaml), not by a card that gives the sides again in its own words.
            card = None
        situation = situation_of(context, self.situations)
        if language != "en" or context.level != "none":
            closest = 1.0  # not judged: worked out only when it is
        else:
            closest = float(np.max(self.kb.sentence_matrix @ context.query_vector)) if len(self.kb.sentence_rows) \
                else 0.0
        coverage = coverage_of(question, self.gaps, card=card.id if card else None,
                               situation=situation.id if situation else None,
                               disagreement=context.differences[0].id if context.differences else None,
                               closest_sentence=closest)
        return AnswerPlan(kind_of(question), self.feelings.of(question), card, coverage, situation)
