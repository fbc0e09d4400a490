"""How an answer tells the reader the articles don't address their question, and whether it did so first."""
from __future__ import annotations

import re

from ..text import split_sentences

_CITATION = re.compile(r"\[(\d+)\]")

# How an answer tells the reader the articles don't address their question ("The articles don't talk about that
# directly", "Nothing in the articles covers ...", "they only touch on it loosely").
_GAP_TOLD = re.compile(
    r"\b(don'?t|do not|doesn'?t|does not|never|aren'?t|isn'?t|can'?t)\b[^.!?]{0,40}\b(talk about|talk|cover|address|"
    r"mention|discuss|deal with|go into|say (anything|much)|speak to|answer)\b|\bnot (covered|addressed|mentioned|"
    r"discussed|something the (articles|coaches) (cover|address))\b|\bnothing (in|about|the (articles|coaches))\b|"
    r"\b(only|just) (loosely|indirectly|touch)\b|\bno (article|passage)s? (cover|address|talk|mention)", re.I)
GAP_SENTENCES = 2  # the gap is told in the answer's first sentences, before any advice
GAP_STATEMENT_WORDS = 20  # longer than this, a sentence saying so may carry advice too: it is checked as a claim


def gap_statement(sentence: str) -> bool:
    """A short sentence saying the articles don't address something: it makes no claim about what they say."""
    return len(sentence.split()) <= GAP_STATEMENT_WORDS and bool(_GAP_TOLD.search(sentence))


def tells_gap(answer: str) -> bool | None:
    """True when the answer's first sentences say the articles don't address the question, False when they don't,
    None when fewer than GAP_SENTENCES sentences have been written yet (a stream)."""
    sentences = split_sentences(_CITATION.sub("", answer).replace("\n", " "))
    if any(_GAP_TOLD.search(s) for s in sentences[:GAP_SENTENCES]):
        return True
    return False if len(sentences) >= GAP_SENTENCES else None
