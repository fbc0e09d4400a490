"""How a sentence of the articles reads on its own: advice or aside, addressed to one reader, complete."""
from __future__ import annotations

import re
from functools import lru_cache

from ....text import normalise_quotes

_ADVICE = re.compile(
    r"^(do|don[’']t|do not|never|always|make sure|try|remember|avoid|block|stop|keep|focus|let|tell|ask|give|"
    r"take|start|"
    r"resume|stay|continue|commit|send|remove|immediately|spend|replace|create|discover|join|volunteer|read|learn|cut|"
    r"forgive|journal|be|if you|when you|once you|whether you|i suggest|my advice|"
    r"you (should|must|need|can|have to|[’']ll need|don[’']t have to))\b",
    re.I)
ANAPHORA = re.compile(r"^(this|that|it|these|those|such|they|either|both|so|but|and|or|also|then|which|he or she|"
                      r"at first|now|again)\b", re.I)
_FIRST_PERSON = re.compile(r"(^|\s)(i|i[’']m|i[’']ve|my|me)\b", re.I)
_FIRST_PERSON_ADVICE = re.compile(r"\b(i suggest|i recommend|my advice|i strongly advise)\b", re.I)
_SIGN_OFF = re.compile(r"^(hi|hello|hey|kind regards|thank you|thanks|i[’']m here for you|feel free)\b", re.I)
_SPECIFIC_PERSON = re.compile(r"\b(she|he|her|him)\b", re.I)
_ABOUT_THEM = re.compile(r"^(she|he|they)\b", re.I)
_PAST = re.compile(r"\b(you (did|were|was|had|said|told|made|tried|went|got)|your (boyfriend|girlfriend|husband|wife)|"
                   r"the guy|the girl|this guy|this girl|either of them|both of them|they (betrayed|cheated|left)|"
                   # a verdict on what that reader wrote or did ("Your response was okay, don't worry about it!")
                   r"your (response|reply|message|text|letter|email|situation|case|story|question|decision) (was|is|"
                   r"sounds|seems|looks)|don[’']t worry about it)\b",
                   re.I)
_ABOUT_THE_SITE = re.compile(r"\b(articles?|(this|the) post|comments below|our blog|coaching (page|program|options))\b",
                             re.I)
QUOTE_CHARS = re.compile(r"^[“\"]|[”\"]$")
# Advice for a reader who slipped ("If you do reach out because you had a moment of weakness, resume no contact...")
# answers only a reader who says they did: shown to others it reads as an accusation (14 of 32 drafts in
# comment_drafts_blind3 carried such a line, most to readers who had not slipped).
SLIP_CONDITION = re.compile(  # after a slip, not a planned reach-out ("If you reach out after 30 days, ...")
    r"^(if you (do|did) (reach out|break|slip|text|call|give in|cave)|if you(['’]ve| have)? (already )?(broken|broke|"
    r"slipped|caved)|whether you reached out)\b|\bmoment of weakness\b", re.I)
SLIP_SAID = re.compile(  # the reader did: not "without breaking no contact", "I'm not gonna break it"
    r"\b(i|i[’']ve|i have|i just|just|finally|then|and|but)\s+(broke|slipped|caved|relapsed|texted|messaged|called|"
    r"rang|reached out|gave in|messed up|contacted|sent|unblocked|replied|answered)\b|\bbroke (nc|no contact|it)\b|"
    r"\bslip(ped|s)?[- ]up\b|\bdrunk[- ]?(text|dial|call)\w*|\b(back to|reset to|restart from|start over from) day\b|"
    r"\brelaps\w*|(^|[.!?]\s+)(broke|slipped|caved|texted|called|rang|messaged)\b|\b(called|rang|phoned|texted|messaged|"
    r"emailed|facetimed|dm[’']?d|wrote to|turned up at|showed up at) (him|her|them|my ex)\b|\bblew it\b|"
    r"\b(wrecked|ruined|blown|undone) (it|everything|the whole)\b", re.I)
HEADING_CONDITION = re.compile(r"^(?:#\d+\s*[–-]\s*)?((?:when|if)\b.*)$", re.I)


def under_heading(heading: str, text: str) -> str | None:
    """A sentence under a conditional heading, read with its condition ("When you work at the same office: in these
    situations you'll need to ..."); None when the heading sets no condition."""
    condition = HEADING_CONDITION.match(heading)
    return f"{condition.group(1).rstrip('.')}: {text[0].lower()}{text[1:]}" if condition else None


def has_anchor(sentence: str, anchors: tuple[str, ...]) -> bool:
    text = normalise_quotes(sentence).lower()
    return any(a in text for a in anchors)


@lru_cache(maxsize=4096)  # the corpus's sentences are few and fixed: judged once, not on every request
def adjustment(sentence: str, commenter: str | None, role: str) -> float | None:
    """Score adjustment for how well a sentence reads as advice on its own; None drops it."""
    words = sentence.split()
    if len(words) < 4 or _SIGN_OFF.match(sentence) or sentence.rstrip().endswith(":"):
        return None
    if " / " in sentence:
        return None  # a table row: both columns read as one sentence ("You show strength / You look obsessed")
    if commenter and re.search(rf"\b{re.escape(commenter.rstrip('.'))}\b", sentence, re.I):
        return None  # addressed to another reader by name: never repeat readers' details (a word: "P." is no "p")
    adjust = 0.0
    if _ADVICE.match(sentence):
        adjust += 0.06
    if sentence.rstrip(" ”\"").endswith("?"):
        adjust -= 0.3
    if len(words) < 7:
        adjust -= 0.1
    if len(words) > 45:
        adjust -= 0.08
    if ANAPHORA.match(sentence):
        adjust -= 0.04
    if _FIRST_PERSON.search(sentence) and not _FIRST_PERSON_ADVICE.search(sentence):
        if role != "own_reply":
            return None  # the coach's own story ("Stop checking my phone") would read as if the reader wrote it
        adjust -= 0.08  # ...but in a reply to this very reader, "Continue with no contact is my advise" is advice
    if role == "reply" and (_SPECIFIC_PERSON.search(sentence) or _ABOUT_THEM.match(sentence) or _PAST.search(sentence)):
        return None  # about one reader's ex or past ("The guy practically cheated on you"): not about this reader
    if _ABOUT_THE_SITE.search(sentence):
        adjust -= 0.1  # points the reader to other reading, not advice for their situation
    return adjust


def clean(sentence: str) -> str:
    s = QUOTE_CHARS.sub("", sentence.strip()).strip()
    if s and s[-1] not in ".!?…":
        s += "."
    return s[0].upper() + s[1:] if s else s
