"""The one-pass pattern search gives exactly the answers of searching each pattern in turn."""
from __future__ import annotations

import re

from evals.common import load_cases
from service import safety, scope
from service.patterns import PatternSet

SETS = ["risk", "risk_holdout", "safety_blind", "safety_blind2", "safety_blind3", "safety_blind4", "safety_blind5",
        "safety_blind6", "safety_blind7", "scope", "scope_holdout", "retrieval", "answers"]


def _texts() -> list[str]:
    return [c.get("text") or c["question"] for name in SETS for c in load_cases(name)]


def _first_one_by_one(patterns: list[re.Pattern], text: str) -> str | None:
    for p in patterns:
        m = p.search(text)
        if m:
            return m.group(0)
    return None


def test_hyperscan_is_in_use():
    assert all(s._db is not None for s in safety._URGENT.values()), "hyperscan missing: patterns searched one by one"


def test_risk_and_scope_patterns_match_exactly_as_one_by_one():
    groups = [(safety._URGENT[c], safety.URGENT_PATTERNS[c]) for c in safety._URGENT]
    groups += [(safety._SUPPORT, safety.SUPPORT_PATTERNS), (scope._IN, scope.IN_SCOPE_OVERRIDES)]
    groups += [(scope._OUT[k], scope.OUT_OF_SCOPE[k]) for k in scope._OUT]
    texts = _texts()
    assert len(texts) > 1000
    for pattern_set, sources in groups:
        plain = [re.compile(p, re.I) for p in sources]
        for text in texts:
            for variant in (text, safety._clean(text)):
                m = pattern_set.first(variant)
                assert (m.group(0) if m else None) == _first_one_by_one(plain, variant), variant


def test_figures_of_speech_are_blanked_as_before():
    plain = [re.compile(p, re.I) for p in safety.FIGURATIVE]
    for text in _texts():
        lowered = text.lower()
        expected = lowered
        for p in plain:
            expected = p.sub(" ", expected)
        assert safety._FIGURATIVE.blank(lowered) == expected, text


def test_without_hyperscan_the_loop_gives_the_same_answer(monkeypatch):
    import service.patterns as patterns

    monkeypatch.setattr(patterns, "_hyperscan_database", lambda *a, **k: None)
    slow = PatternSet([r"\bkill(ing)? my ?self\b", r"\bend it all\b"])
    assert slow.first("i want to end it all").group(0) == "end it all"
    assert slow.first("how do i kill the urge") is None
