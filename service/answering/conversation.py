"""One request's conversation: the new question and the reader's earlier turns, worked out once."""
from __future__ import annotations

import re
from dataclasses import dataclass

from .question_kind import questions_in

# A follow-up that can't be understood alone ("and what if he texts first?", "should I?") is embedded with the
# reader's turn before it; one that names its own subject is embedded alone, so an earlier topic doesn't steer it.
SHORT_FOLLOW_UP = 8  # words
# A follow-up with this many words beyond the function words below asks something of its own.
OWN_SUBJECT_WORDS = 2
_WORD = re.compile(r"[a-z']+")
_FUNCTION_WORDS = frozenset({
    "a", "an", "the", "and", "but", "so", "or", "ok", "okay", "also", "then", "if", "what", "how", "why", "when",
    "where", "who", "which", "is", "are", "was", "were", "be", "do", "does", "did", "i", "i'm", "im", "me", "my",
    "you", "your", "he", "she", "they", "him", "her", "them", "his", "their", "it", "it's", "its", "that", "this",
    "these", "those", "to", "of", "in", "on", "at", "for", "with", "about", "now", "should", "would", "could",
    "can", "will", "shall", "just", "really", "right", "yes", "no", "not", "there", "here", "too"})
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
    def brings_own_subject(self) -> bool:
        """True for a follow-up that asks something new ("and if he texts first?"), not only "should I?": it is
        answered on its own subject, the earlier turn only telling who "he" is."""
        words = [w for w in _WORD.findall(self.question.lower()) if w not in _FUNCTION_WORDS]
        return len(words) >= OWN_SUBJECT_WORDS

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

    @property
    def last_reply(self) -> str | None:
        """The service's previous reply in the kept history, if any."""
        return next((h["content"] for h in reversed(self.history) if h.get("role") == "assistant"), None)
