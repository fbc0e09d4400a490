"""The learned risk net: a linear model over the message's embedding that can ask for a check-in.

Patterns decide `urgent`; on messages written after them they caught only about 60% of urgent ones (the
blind rounds in evals/datasets/README.md). This model, trained by `coach train-risk` on every labelled risk
set, catches many of the rest, but also raises ordinary messages with dark wording, so it may only raise a
reply to `support` (the answer, a check-in and the crisis lines), never to `urgent` and never lower it.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .risk_patterns import RiskPatterns


def features(message: str, vector: np.ndarray, patterns: RiskPatterns) -> np.ndarray:
    """The embedding plus one flag per cue family (figures of speech blanked out)."""
    cues = patterns.cues(message)
    flags = np.array([f in cues for f in patterns.cue_families], np.float32)
    return np.concatenate([vector.astype(np.float32), flags])


@dataclass
class RiskModel:
    """P(support or urgent) from a multinomial logistic regression; raises at `threshold`."""

    coef: np.ndarray  # (classes, features)
    intercept: np.ndarray  # (classes,)
    classes: tuple[str, ...]
    threshold: float
    embedding_model: str

    @classmethod
    def load(cls, path: Path) -> RiskModel | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        return cls(np.array(data["coef"], np.float32), np.array(data["intercept"], np.float32),
                   tuple(data["classes"]), float(data["threshold"]), data["embedding_model"])

    def risk(self, message: str, vector: np.ndarray, patterns: RiskPatterns) -> float:
        """Probability that the message needs more than an ordinary answer."""
        logits = self.coef @ features(message, vector, patterns) + self.intercept
        p = np.exp(logits - logits.max())
        p /= p.sum()
        return float(1.0 - p[self.classes.index("none")])

    def raises(self, message: str, vector: np.ndarray | None, patterns: RiskPatterns) -> float | None:
        """The risk when it reaches the threshold, else None."""
        if vector is None:
            return None
        risk = self.risk(message, vector, patterns)
        return risk if risk >= self.threshold else None
