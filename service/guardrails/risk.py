"""Risk check, run on every message before retrieval or any model: urgent, support or none.

Three layers, highest level wins: the patterns (knowledge/risk_patterns.yaml), the message's embedding against
crisis statements (knowledge/risk_statements.yaml; may raise to urgent), and the learned risk net
(risk_net.py; may raise none to support only).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .resources import Resource, ResourceDirectory
from .risk_net import RiskModel
from .risk_patterns import RiskPatterns

# The semantic net: the message's embedding (the one the request computes anyway) against
# knowledge/risk_statements.yaml. Calibrated on the tuning sets: no ordinary message reached it (max 0.68).
STATEMENT_THRESHOLD = 0.72
LEVEL_RANK = {"none": 0, "support": 1, "urgent": 2}


@dataclass
class RiskAssessment:
    level: str  # none | support | urgent
    categories: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)  # what triggered it, for logs and evals


def load_statements(path: Path) -> list[tuple[str, str]]:
    """(category, statement) pairs from knowledge/risk_statements.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(category, str(s)) for category, items in data.items() for s in items]


class SafetyCheck:
    """Patterns first; the message's embedding against known crisis statements as a safety net."""

    def __init__(self, directory: ResourceDirectory, patterns: RiskPatterns,
                 statements: list[tuple[str, str]] | None = None, statement_vectors: np.ndarray | None = None,
                 threshold: float = STATEMENT_THRESHOLD, model: RiskModel | None = None):
        self.directory = directory
        self.patterns = patterns
        self.model = model  # may raise none -> support, nothing else
        self.statements = statements or []
        self.vectors = statement_vectors
        self.threshold = threshold

    def semantic_match(self, message_vector: np.ndarray | None) -> tuple[str, str, float] | None:
        """(category, statement, similarity) of the closest crisis statement above the threshold."""
        if self.vectors is None or message_vector is None or not len(self.vectors):
            return None
        sims = message_vector[None, :] @ self.vectors.T
        row, col = np.unravel_index(int(np.argmax(sims)), sims.shape)
        best = float(sims[row, col])
        if best < self.threshold:
            return None
        category, statement = self.statements[col]
        return category, statement, best

    def assess(self, message: str, earlier_turns: list[str] | tuple[str, ...] = (), *,
               message_vector: np.ndarray | None = None, country: str | None = None) -> RiskAssessment:
        """The message and the reader's earlier turns given: the highest risk among them wins."""
        level, categories, matched = "none", [], []
        for text in [message, *earlier_turns]:
            lvl, cats, hits = self.patterns.classify(text)
            if LEVEL_RANK[lvl] > LEVEL_RANK[level]:
                level = lvl
            categories += [c for c in cats if c not in categories]
            matched += hits
        if level != "urgent":
            match = self.semantic_match(message_vector)
            if match:
                level, categories = "urgent", [match[0]]
                matched.append(f"close to {match[1]!r} ({match[2]:.2f})")
        if level == "none" and self.model is not None:
            risk = self.model.raises(message, message_vector, self.patterns)
            if risk is not None:
                level, categories = "support", ["possible risk"]
                matched.append(f"learned risk net {risk:.2f}")
        if level == "urgent":
            categories = [c for c in categories if c != "distress"]
        elif level == "none":
            categories = []
        resources = self.directory.for_risk(level, categories, country)
        return RiskAssessment(level, categories, resources, matched)
