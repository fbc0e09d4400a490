"""Which out-of-scope messages are kept instead of declined: risk beats scope (answered with care and the lines),
and a breakup question with a legal part, or a part the coach's gap list names, is answered with that part told as a
gap."""
from __future__ import annotations

import re
from collections.abc import Sequence

from ..guardrails.risk import RiskAssessment
from ..guardrails.risk_patterns import RiskPatterns
from ..guardrails.scope import ScopeCheck, ScopeResult
from ..text import normalise_chat
from .coverage import Gap

HARM_CUES = frozenset({"death", "means", "injury", "violence"})  # never declined with these in a message
# ...nor when the learned risk net sees this much chance of risk, below its own bar: out of scope is where readers
# at risk were still turned away (into an ex's accounts, a new partner's job, a dose), and a wrong guess here costs
# only a check-in and the lines beside the answer.
OUT_OF_SCOPE_RISK = 0.45
# A practical question is where risk hides best (a restraining order, a dose, into his phone, getting back at him):
# for these kinds any cue keeps a message (fear, being watched, hopelessness too) and so does a lower P(risk).
SENSITIVE_KINDS = frozenset({"legal", "medical", "surveillance", "harm"})
SENSITIVE_RISK = 0.25


def why_kept(question: str, risk: RiskAssessment, scope: ScopeResult, patterns: RiskPatterns) -> str | None:
    """Why an out-of-scope message must not be declined ("risk urgent", "cues: fear", "the risk net's P(risk)
    0.31"), or None when it may be (an attempt to override the coach's instructions always may)."""
    if scope.scope == "in" or scope.kind == "injection":
        return None
    if risk.level != "none":
        return f"risk {risk.level}"
    sensitive = scope.kind in SENSITIVE_KINDS
    cues = patterns.cues(question) & (frozenset(patterns.cue_families) if sensitive else HARM_CUES)
    if cues:
        return f"cues: {', '.join(sorted(cues))}"
    if risk.net_risk >= (SENSITIVE_RISK if sensitive else OUT_OF_SCOPE_RISK):
        return f"the risk net's P(risk) {risk.net_risk:.2f}"
    return None


# A legal question about the breakup ("who legally gets the cat?", "how long does a divorce take here? I want to
# start no contact") declined whole left the reader with a stock paragraph (answers_blind14: "depends on where you
# live" to a reader who said Germany; the no contact half of "how do co-parents do no contact, and do I need a
# custody arrangement?" never answered). Kept, the articles' gap list names who to ask for that part (a mediator for
# a shared pet, a family lawyer, a tenants' adviser) and the rest is answered.
ANSWERED_AS_GAP = frozenset({"legal"})
# A message the scope patterns call unrelated that names a gap the coach listed (knowledge/gaps.yaml) is about the
# breakup too: told the gap and who can help, and the rest answered.
NAMED_GAP_KINDS = frozenset({"unrelated"})
# ...but not "is that legal?" about something to do to the ex (signing him up for spam texts): still declined.
_WHETHER_LEGAL = re.compile(r"^(is (it|that|this) )?(il)?legal$", re.I)


def answered_as_gap(question: str, scope: ScopeResult, check: ScopeCheck, gaps: Sequence[Gap] = ()) -> bool:
    """Whether an out-of-scope message is a breakup question whose out-of-scope part is told as a content gap: a
    legal part, or a thing the coach's gap list names (a partner visa after the split: answers_blind17's frightened
    reader was told "That's outside what I can help with", not who can help)."""
    text = normalise_chat(question)
    if scope.scope != "out" or not check.domain_words.search(text):
        return False
    if scope.kind in ANSWERED_AS_GAP:
        return not _WHETHER_LEGAL.match(scope.matched or "")
    return scope.kind in NAMED_GAP_KINDS and _gap_is_why_out(text, scope, gaps)


def _gap_is_why_out(text: str, scope: ScopeResult, gaps: Sequence[Gap]) -> bool:
    """A named gap's words are the very words that put the message out of scope ("a partner visa tied to him"), not
    a word beside them ("write me a script for our spotify playlists")."""
    start = text.find(scope.matched or "\0")
    if start < 0:
        return False
    end = start + len(scope.matched)
    for gap in gaps:
        found = gap.patterns.first(text) if gap.patterns is not None else None
        if found is not None and found.start() < end and start < found.end():
            return True
    return False
