"""A card's verdict in the voice of the coach whose post a reply is under (the reply drafts speak for that coach)."""
from __future__ import annotations

import re

from ..answering.guidance import COACHES, Card, coach_of, coaches_named

_THE_COACHES = re.compile(r"\bthe coaches\b", re.I)
_DIFFER = re.compile(r"^the coaches differ\s*[:,.]\s*", re.I)


def in_own_voice(card: Card, question_kind: str, article_id: str | None) -> tuple[str, tuple[int, ...]] | None:
    """The card's verdict as the publishing coach would write it, with the support quotes behind it, or None.

    On a coach's post: the verdict's sentences that rest only on that coach's quotes, each without its "(Zan)" mark
    or "Zan says" ("Better not: Zan says no contact gets much more tolerable for dumpees who avoid ... dating new
    people." -> "Better not: no contact gets ..."); a sentence giving another coach's view, naming anyone else or
    resting on another coach's words is left out ("Sakurai says don't forfeit your right ..." on Zan's post), as is
    "Zan told a reader ...". Without a known coach: a verdict that names no coach, as it is."""
    verdict = card.verdict_for(question_kind)
    own = coach_of(article_id) if article_id else None
    if own not in COACHES:  # no coach's post (or an unknown one): only a verdict that names nobody
        if _THE_COACHES.search(verdict) or coaches_named(verdict):
            return None
        return verdict, tuple(range(len(card.support)))
    name = re.escape(COACHES[own])
    kept, cites = [], set()
    for n, (sentence, backing) in enumerate(card.verdict_sentences(question_kind)):
        if not backing and n:
            continue  # a claim-less line after the first ("That is very common.") leans on the one before
        if any(coach_of(card.support[i].article_id) != own for i in backing):
            continue
        text = _DIFFER.sub("", sentence)
        text = re.sub(rf"\s*\({name}\)", "", text)
        text = re.sub(rf"(^|:\s*)({name}|He|She) says (that |to )?", r"\1", text)
        if coaches_named(text) or _THE_COACHES.search(text) or not text.strip():
            continue
        kept.append(text[0].upper() + text[1:])
        cites.update(backing)
    if not cites:
        return None  # nothing in the coach's own words
    return " ".join(kept), tuple(sorted(cites))
