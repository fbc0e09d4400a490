"""Scope check: keep to breakups and no contact; decline legal, medical, surveillance, harm, injection.

The patterns are coach-reviewable data in knowledge/scope_patterns.yaml."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..patterns import PatternSet
from ..text import normalise_chat
from .patterns_file import load_pattern_file

FILE = "scope_patterns.yaml"
# Injection first (it must never change the role), then harm, surveillance, legal, medical, unrelated.
ORDER = ("injection", "harm", "surveillance", "legal", "medical", "unrelated")
OVERRIDABLE = frozenset({"surveillance", "harm", "legal", "medical"})


@dataclass
class ScopeResult:
    scope: str  # in | out
    kind: str  # in | unrelated | legal | medical | surveillance | harm | injection
    matched: str | None = None


class ScopeCheck:
    """Compiled once from the scope patterns file."""

    def __init__(self, data: dict):
        self.out = {kind: PatternSet(ps) for kind, ps in data["out_of_scope"].items()}
        self.keep_in = PatternSet(data["in_scope_overrides"])
        self.legal_contact_question = re.compile(data["legal_contact_question"], re.I)
        self.legal_ask = re.compile(data["legal_ask"], re.I)
        self.domain_words = re.compile(data["domain_words"], re.I)

    def check(self, question: str) -> ScopeResult:
        text = normalise_chat(question)
        for kind in ORDER:
            m = self.out[kind].first(text)
            if not m:
                continue
            if kind in OVERRIDABLE and self.keep_in.search_any(text):
                continue
            # "we share custody, do I have to talk to her at handovers?" is a no-contact question.
            if kind == "legal" and self.legal_contact_question.search(text) and not self.legal_ask.search(text):
                continue
            return ScopeResult("out", kind, m.group(0))
        return ScopeResult("in", "in")

    def far_from_articles(self, question: str, top_similarity: float,
                          min_similarity: float = 0.25) -> ScopeResult | None:
        """After retrieval: a question far from every article, with no breakup words in it, is unrelated even
        when no pattern names its topic."""
        if top_similarity < min_similarity and not self.domain_words.search(normalise_chat(question)):
            return ScopeResult("out", "unrelated", f"far from every article ({top_similarity:.2f})")
        return None


@lru_cache(maxsize=4)
def load_scope_check(knowledge_dir: Path) -> ScopeCheck:
    return ScopeCheck(load_pattern_file(knowledge_dir / FILE))
