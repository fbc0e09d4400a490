"""What an answer must do before any sentence is picked: the question's kind, the reader's feeling, the coach's
answer card for it, and how far the articles cover it. Worked out once per request, used by every generator."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np

from ..embeddings import Embedder
from ..retrieval.knowledge_base import KnowledgeBase
from .conversation import Conversation
from .coverage import Coverage, Gap, coverage_of, gap_by_meaning, gap_named, load_gaps
from .feelings import FeelingCheck
from .generators.base import Context
from .guidance import Card, card_by_words, card_for, checked_cards, coaches_named, nearest_card
from .meaning import with_examples
from .question_kind import asks_if_wrong, kind_of, questions_in
from .situations import Situation, situation_of

# The asking sentence alone is matched to the cards when it has this many words ("what now?" names no topic) and
# is at most this share of the message (otherwise it is the message).
MIN_ASKED_WORDS = 5
ASKED_SHARE = 0.7
# ...and it must be clearly the card's question: alone, it may lean on the story ("should I inform him of this
# decision?" is about announcing no contact, not about replying).
ASKED_THRESHOLD = 0.48
# The message as the reader wrote it, when the retrieval query (its asking sentences said twice) fits no card: the
# doubled question can drown the story's situation ("we share a flat ... is no contact even possible?"). Set on the
# retired answer sets: 15 of 248 single questions reach a card so, 14 the right one; the wrong one (a funeral
# invitation -> the card on events you'll both attend) at 0.42, the right ones at 0.43-0.60.
AS_WRITTEN_THRESHOLD = 0.43
# Last (after a card's `match` words), with no card found so and no named gap, the best of the three views (the
# retrieval query, the message as written, its asking sentence alone) at this closeness and the usual lead. Set on the
# retired answer sets: at 0.39 it gives 30 single questions a card, about 25 the right one by eye; the others are a
# cancelled wedding's guests (the card on events), an abused reader's "should I do no contact?" (telling the ex), a card
# for a late mother-in-law (a birthday message), a therapist question (how long to get over an ex) and tangled families
# (children).
ANY_VIEW_THRESHOLD = 0.39
# ...and it must not point into the story ("how does no contact work for us?", "should I tell him this?").
_POINTS_INTO_STORY = re.compile(r"\b(us|our|we|this|that|these|those|such|there|then)\b", re.I)


@dataclass(frozen=True)
class AnswerPlan:
    kind: str  # yes_no | should_i | how_long | what_to_do | why | other (question_kind.py)
    feeling: str | None  # grief | fear | shame (feelings.yaml)
    card: Card | None  # the coach's answer card for this question, if one fits
    coverage: Coverage
    situation: Situation | None = None
    nearest: Card | None = None  # without a card: one the question is near, the answer if nothing else is found


class Planner:
    """Built once (the pipeline's startup) from the knowledge folder; plan() is cheap and thread-safe."""

    def __init__(self, kb: KnowledgeBase, situations: list[Situation], cards: list[Card], gaps: list[Gap],
                 feelings: FeelingCheck, cards_folder: Path | None = None, embedder: Embedder | None = None):
        self.kb = kb
        self.embedder = embedder  # embeds the asking sentence of a question wrapped in its story (_card)
        self.situations = situations
        self.cards = cards
        self.gaps = gaps
        self.feelings = feelings
        self.cards_folder = cards_folder  # where reload_cards() reads them again

    @classmethod
    def load(cls, knowledge_dir: Path, kb: KnowledgeBase, situations: list[Situation], embedder: Embedder,
             article_texts: dict[str, str]) -> Planner:
        folder = knowledge_dir / "guidance"
        gaps = with_examples(load_gaps(knowledge_dir / "gaps.yaml"), embedder)  # examples embedded once
        return cls(kb, situations, checked_cards(folder, article_texts, embedder, strict=False), gaps,
                   FeelingCheck.load(knowledge_dir / "feelings.yaml"), folder, embedder)

    def reload_cards(self, embedder: Embedder, article_texts: dict[str, str]) -> None:
        """Re-read the cards after the coach edits one (one assignment: a request sees the old list or the new)."""
        folder = self.cards_folder
        if folder is not None:
            self.cards = checked_cards(folder, article_texts, embedder, strict=False)

    def _card(self, question: str, query_vector: np.ndarray) -> Card | None:
        """The coach's card for the question: by the retrieval query; else by the message as written (the query
        says its asking sentences twice, which can drown the situation); else, for a question told inside its story
        ("Day 19 and I still stare at my phone… How long until it stops feeling like torture?"), by its asking
        sentence alone: the story dilutes the whole message's meaning below every card's."""
        card = card_for(self.cards, query_vector)[0]
        if card is None and self.embedder is not None and Conversation.of(question).query != question.strip():
            written, written_best = card_for(self.cards, self.embedder.embed([question])[0])
            card = written if written is not None and written_best >= AS_WRITTEN_THRESHOLD else None
        asked = " ".join(questions_in(question))
        if card is not None or self.embedder is None or len(asked.split()) < MIN_ASKED_WORDS \
                or len(asked) > ASKED_SHARE * len(question) or _POINTS_INTO_STORY.search(asked):
            return card  # a card the whole message fits keeps its story ("we share a flat… do I ignore her?")
        alone, alone_best = card_for(self.cards, self.embedder.embed([asked])[0])
        return alone if alone is not None and alone_best >= ASKED_THRESHOLD else None

    def card_of(self, conversation: Conversation, query_vector: np.ndarray,
                follow_up: tuple[np.ndarray, np.ndarray] | None = None) -> Card | None:
        """The card for the newest question. `follow_up` (the vectors of the question alone and of the reader's
        turn before it) is given for a follow-up that asks something of its own: its own card wins, and a card
        that only the earlier turn brings is not given again ("and if he texts first?" after "how long?")."""
        if follow_up is None:
            return self._card(conversation.question, query_vector) or self._card_past_gaps(
                conversation.question, query_vector, any_view=True)
        own_vector, previous_vector = follow_up
        own = self._card(conversation.question, own_vector)
        if own is not None:
            return own
        card = self._card(conversation.question, query_vector)
        previous = self._card(conversation.last_user_turn or "", previous_vector)
        if card is not None and previous is not None and card.id == previous.id:
            return None
        return card or self._card_past_gaps(conversation.question, own_vector, any_view=False)

    def _card_past_gaps(self, question: str, vector: np.ndarray, *, any_view: bool) -> Card | None:
        """For a question that names no known gap (by pattern or meaning: a card's words may be about the gap, "his
        mum died... should I go to the funeral?"): the card its `match` words name, its meaning agreeing; else, with
        `any_view`, the card closest in the question's best view (ANY_VIEW_THRESHOLD), the weakest match by meaning."""
        if self.embedder is None or gap_named(question, self.gaps) is not None:
            return None
        views = self._views(question, vector)
        if gap_by_meaning(self.gaps, self.cards, views) is not None:
            return None
        by_words = card_by_words(self.cards, question, views)
        if by_words is not None or not any_view:
            return by_words
        found = [card_for(self.cards, v, ANY_VIEW_THRESHOLD) for v in views]
        return max(((c, score) for c, score in found if c is not None), key=lambda cs: cs[1], default=(None, 0.0))[0]

    def _views(self, question: str, query_vector: np.ndarray) -> list[np.ndarray]:
        """The question as sent for retrieval, as written, and its asking sentence alone (when it has a few words)."""
        return [query_vector, *self._written_views(question)]

    @lru_cache(maxsize=64)  # noqa: B019 (one planner per process): the card and the gap look at the same views
    def _written_views(self, question: str) -> tuple[np.ndarray, ...]:
        """The question as written and its asking sentence, embedded together once. The card check (_card) embeds
        the same texts one per call; sharing these would move cosines in the last digits (a batch pads) and flip
        questions sitting on the card and gap thresholds, so the two stay apart until those are set again."""
        asked = " ".join(questions_in(question))
        texts = [question] + ([asked] if len(asked.split()) >= MIN_ASKED_WORDS - 1 and asked != question else [])
        return tuple(self.embedder.embed(texts))

    def _gap_by_meaning(self, question: str, query_vector: np.ndarray) -> Gap | None:
        """A named gap by meaning, judged on the question's three views."""
        if self.embedder is None or not any(g.vectors is not None for g in self.gaps):
            return None  # no gap has examples: nothing to embed the question for
        return gap_by_meaning(self.gaps, self.cards, self._views(question, query_vector))

    def plan(self, context: Context, language: str = "en", card: Card | None | bool = False) -> AnswerPlan:
        """`language`: the message's. Closeness to the articles is only judged in English (the model reads
        English), and not for a reader at risk, who gets whatever the articles offer besides the lines."""
        question = context.question  # the newest question: earlier turns only help find what it refers to
        if card is False:  # not worked out by the caller (card_of)
            card = self._card(question, context.query_vector)
        if card is not None and context.differences and len(coaches_named(card.verdict)) >= 2:
            # A question on a known disagreement is answered by the coaches' sides, each quoted
            # (disagreements.yaml), not by a card that gives the sides again in its own words.
            card = None
        situation = situation_of(context, self.situations)
        # A named gap by meaning is told to every English reader, at risk or not ("should I ask my GP for sleeping
        # pills?" needs the doctor named either way); nearness to the articles is judged only for readers not at risk.
        gap = self._gap_by_meaning(question, context.query_vector) if language == "en" else None
        if gap is not None and card is None:
            # A question about a named gap isn't answered by a disagreement one of its words brought up ("never
            # apologised once. is my ex a narcissist?" is not about apologising before no contact).
            context.differences = []
        if language != "en" or context.level != "none":
            closest = 1.0  # not judged: worked out only when it is
        else:
            closest = float(np.max(self.kb.sentence_matrix @ context.query_vector)) if len(self.kb.sentence_rows) \
                else 0.0
        coverage = coverage_of(question, self.gaps, card=card.id if card else None,
                               situation=situation.id if situation else None,
                               disagreement=context.differences[0].id if context.differences else None,
                               closest_sentence=closest, gap_by_meaning=gap)
        nearest = None
        if card is None and coverage.told and coverage.gap is None and self.embedder is not None:
            # By the question alone: the retrieval query repeats its asking sentence ("Should I take it? right?").
            nearest = nearest_card(self.cards, self.embedder.embed([question])[0])
        kind = kind_of(question)
        if kind in ("yes_no", "should_i") and asks_if_wrong(question):
            kind = "other"  # the card's "Yes:" would answer "is it weird?" the wrong way round
        return AnswerPlan(kind, self.feelings.of(question), card, coverage, situation, nearest)
