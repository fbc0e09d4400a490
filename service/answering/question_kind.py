"""What kind of answer a reader's question asks for: a yes or no, a should-I, how long, what to do, or why."""
from __future__ import annotations

import re

from ..text import normalise_chat

KINDS = ("yes_no", "should_i", "how_long", "what_to_do", "why", "other")

_HOW_LONG = re.compile(r"\bhow (long|many (days|weeks|months))\b|\bwhen (does|will) (it|this|the pain) (get|stop)|"
                       r"\b(how soon|is \d+ days (enough|too))\b", re.I)
_WHY = re.compile(r"^(why|how come)\b|\bwhy (is|does|do|did|am|are|would|can[’']?t|is it)\b", re.I)
_SHOULD = re.compile(r"^(should|shall|would it be (ok|okay|wrong|bad|better)|is it (better|wise|smart|a good idea|"
                     r"a bad idea|ok(ay)? (to|if))|do i (have|need) to|must i|am i (allowed|supposed) to|"
                     r"would you (recommend|advise))\b", re.I)
_WHAT_TO_DO = re.compile(r"^(what (should|do|can|would) (i|we)|what now|what next|how (do|can|should) (i|we)|"
                         r"(what|how) am i (supposed|meant) to|"
                         r"any (advice|tips)|what['’]?s the best way|help)\b|\bwhat (should|do|can) i do\b", re.I)
_YES_NO = re.compile(r"^(is|does|do|did|can|could|will|would|was|are|am|has|have|isn['’]?t|doesn['’]?t|won['’]?t|"
                     r"is it|does it|did i|am i|have i|will (he|she|they|my ex|it))\b", re.I)
# "Can someone explain the difference?" asks for an explanation, not a yes or a no (a card's "No:" opened it).
_REQUEST = re.compile(r"^(can|could|would|will) (you|someone|somebody|anyone|anybody|u) (please |pls )?"
                      r"(explain|tell me (what|how|why|the)|describe|clarify|break (it|this) down|walk me through|"
                      r"help me understand)\b", re.I)
_SENTENCE_END = re.compile(r"(?<=[.!?…])[”\"’')]*\s+|\n+")  # chat is often lower case: no capital needed after a stop
_CLAUSE = re.compile(r"[,;:]\s+|\s+(?:so|but|and|or)\s+(?=(?:should|do|does|is|can|will|would|how|what|why)\b)|"
                     r"\s+[-–—(]\s*")
_STARTS_QUESTION = re.compile(r"^(?:and |but |so )?(?:is|does|do|did|can|could|will|would|should|how|what|why|"
                              r"when|am|are)\b", re.I)
_LEAD_IN = re.compile(r"^((and|but|so|ok|okay|also|like|honestly|seriously|basically|wait|hmm|um|hey|hi|"
                      r"ok so|quick question|real question|genuine question)[,!:.]?\s+)+", re.I)


def questions_in(message: str) -> list[str]:
    """The sentences of a message that ask something, newest last ("... blah. Is it too late?" -> the last)."""
    text = normalise_chat(message).strip()
    parts = [p.strip() for p in _SENTENCE_END.split(text) if p.strip()]
    asked = [p for p in parts if p.endswith("?")]
    if parts and not parts[-1].endswith("?") and _STARTS_QUESTION.match(parts[-1]):
        asked.append(parts[-1])  # "... out of nowhere?? does that mean he wants me back"
    return asked or parts[-1:] or [text]


def kind_of(message: str) -> str:
    """The kind of the reader's main question: the last sentence that asks something."""
    for sentence in reversed(questions_in(message)):
        found = _kind_of_sentence(sentence)
        if found != "other":
            return found
    return "other"


def _kind_of_sentence(sentence: str) -> str:
    """The kind of one sentence, trying each clause from the last ("we share a flat, do I have to move?")."""
    for clause in reversed([sentence, *_CLAUSE.split(sentence)]):
        s = _LEAD_IN.sub("", clause.strip().lower())
        if _HOW_LONG.search(s):
            return "how_long"
        if _WHY.search(s):
            return "why"
        if _SHOULD.search(s):
            return "should_i"
        if _WHAT_TO_DO.search(s):
            return "what_to_do"
        if _REQUEST.search(s):
            return "other"
        if _YES_NO.search(s) or re.search(r"\b(or not|right)\?*$", s):
            return "yes_no"
    return "other"


# "Is it weird to see a therapist?": a card's "Yes: seek help" would read as "yes, it is weird". A question asking
# whether something is wrong gets the card's verdict without its yes or no (answers_blind9, ab9-019).
_ASKS_IF_WRONG = re.compile(r"\b(is it|isn[’']?t it|am i|would it be|is that|was it|was i)\s+(\w+\s+)?"
                            r"(weird|wrong|bad|selfish|stupid|crazy|pathetic|silly|petty|dumb|unfair|cruel|mean|"
                            r"rude|creepy|desperate|needy|weak|embarrassing|cringe|too much)\b", re.I)


def asks_if_wrong(message: str) -> bool:
    """True when the main question asks whether something is wrong, weird or weak ("is it weird to...?")."""
    return any(_ASKS_IF_WRONG.search(s) for s in questions_in(message)[-1:])
