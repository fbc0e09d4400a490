"""One request's conversation: the new question and the reader's earlier turns, worked out once."""
from __future__ import annotations

from dataclasses import dataclass

QUERY_TURNS = 2  # earlier user turns embedded with a follow-up for retrieval


@dataclass(frozen=True)
class Conversation:
    question: str
    history: tuple[dict, ...] = ()  # {"role": "user" | "assistant", "content": str}, oldest first
    user_turns: tuple[str, ...] = ()  # the reader's earlier messages in `history`, oldest first
    risk_turns: tuple[str, ...] = ()  # every earlier message of the reader's, kept or not: risk said long ago counts

    @classmethod
    def of(cls, question: str, history: list[dict] | tuple[dict, ...] = (), max_turns: int | None = None
           ) -> Conversation:
        """The question with the last `max_turns` turns of its history (all of them when None) for answering; the
        risk check reads every earlier user turn."""
        kept = tuple(history[-max_turns:] if max_turns else history)
        everything = tuple(h["content"] for h in history if h.get("role") == "user")
        return cls(question, kept, tuple(h["content"] for h in kept if h.get("role") == "user"), everything)

    @property
    def query(self) -> str:
        """The text embedded for retrieval: a follow-up carries the reader's previous questions."""
        previous = self.user_turns[-QUERY_TURNS:]
        return " ".join([*previous, self.question]).strip() if previous else self.question

    @property
    def last_user_turn(self) -> str | None:
        return self.user_turns[-1] if self.user_turns else None
