"""One request's conversation: the new question and the reader's earlier turns, worked out once."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .question_kind import questions_in

# A follow-up that can't be understood alone ("and what if he texts first?", "should I?") is embedded with the
# reader's turn before it; one that names its own subject is embedded alone, so an earlier topic doesn't steer it.
SHORT_FOLLOW_UP = 8  # words
_REFERS_BACK = re.compile(r"^(and|but|so|ok(ay)?|also|then|even if|what if|what about|how about|and if|is that|"
                          r"does that|would that|did that|that|this|it|what now|now what)\b", re.I)


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
    def refers_back(self) -> bool:
        """True when the newest message needs the reader's previous one to be understood."""
        if not self.user_turns:
            return False
        return len(self.question.split()) < SHORT_FOLLOW_UP or bool(_REFERS_BACK.match(self.question.strip()))

    @property
    def query(self) -> str:
        """The text embedded for retrieval: the newest question first, weighted by saying its asking sentences
        twice ("We broke up last year but... is it normal to still miss her?" is about missing her, not about the
        time since); the previous turn after it only when the question refers back to it."""
        text = self.question.strip()
        asked = " ".join(questions_in(text))
        if asked and asked != text and len(asked) < len(text):
            text = f"{asked} {text}"
        return f"{text} {self.user_turns[-1]}".strip() if self.refers_back else text

    @property
    def last_user_turn(self) -> str | None:
        return self.user_turns[-1] if self.user_turns else None
