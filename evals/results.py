"""What a suite returns: per-case results and a few metrics."""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass
class CaseResult:
    """One case as the report shows it: what was asked, expected, got, and why it failed."""

    suite: str
    id: str
    question: str
    expected: str
    got: str
    passed: bool
    score: float = 1.0  # 0..1, for ranking the weakest cases
    answer: str = ""
    citations: list[dict] = field(default_factory=list)
    failures: list[str] = field(default_factory=list)

    def as_dict(self) -> dict:
        return dict(self.__dict__)


@dataclass
class SuiteResult:
    name: str
    metrics: dict[str, float]
    cases: list[CaseResult]
    extra: dict = field(default_factory=dict)  # e.g. the confusion matrix, latency samples
