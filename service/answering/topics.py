"""What a question is about: the coach's answer card and the disagreement it raises, a follow-up's own first."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..embeddings import Embedder
from ..text import normalise_chat
from .conversation import Conversation
from .disagreements import Disagreement, matching
from .guidance import Card, card_for
from .plan import Planner
from .situations import Situation

FollowUp = tuple[np.ndarray, np.ndarray]  # the vectors of the question alone and of the reader's turn before it


@dataclass
class Topics:
    """Built once (the pipeline's startup) from what the planner and the composer already hold."""

    planner: Planner
    disagreements: list[Disagreement]
    situations: list[Situation]
    embedder: Embedder

    def follow_up(self, conversation: Conversation) -> FollowUp | None:
        """The vectors for a follow-up asking something of its own ("and if he texts first?"), else None."""
        if not (conversation.refers_back and conversation.brings_own_subject):
            return None
        own, previous = self.embedder.embed([conversation.question, conversation.last_user_turn])
        return own, previous

    def differences(self, conversation: Conversation, query_vector: np.ndarray, card: Card | None | bool = False,
                    follow_up: FollowUp | None = None) -> list[Disagreement]:
        """The disagreement the question is about, unless a situation or the question's answer card is closer. A
        follow-up asking something of its own is not given the earlier turn's disagreement again unless it names
        that point itself, and no follow-up is shown sides the previous reply has just laid out unless it asks about
        that point again."""
        if card is False:  # not worked out by the caller
            card = card_for(self.planner.cards, query_vector)[0]
        found = matching(self.disagreements, conversation, query_vector, self.situations, card=card)
        if not found:
            return found
        names_it = found[0].matches(normalise_chat(conversation.question))
        if not names_it and _shown_last_time(found[0], conversation):
            return []  # the reader has just read these sides: the follow-up's own answer, not the same block again
        if follow_up is None or names_it:
            return found
        previous = Conversation.of(conversation.last_user_turn or "")
        earlier = matching(self.disagreements, previous, follow_up[1], self.situations,
                           card=self.planner.card_of(previous, follow_up[1]))
        return [] if earlier and earlier[0].id == found[0].id else found


def _shown_last_time(disagreement: Disagreement, conversation: Conversation) -> bool:
    """True when the previous reply laid out this disagreement (its heading, or one of its sides' quotes)."""
    if conversation.last_reply is None:
        return False
    last = normalise_chat(conversation.last_reply)
    return normalise_chat(f"differ on {disagreement.summary}") in last or any(
        normalise_chat(p.quote) in last for p in disagreement.positions)
