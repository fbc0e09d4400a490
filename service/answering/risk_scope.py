"""Risk beats scope: which out-of-scope messages are kept (answered with care and the lines) instead of declined."""
from __future__ import annotations

from ..guardrails.risk import RiskAssessment
from ..guardrails.risk_patterns import RiskPatterns
from ..guardrails.scope import ScopeResult

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
