"""The learned risk net: a linear model over a message's multilingual embedding (risk_encoder.py).

Patterns catch the wordings they were written for and miss about half of new ones (the blind rounds in
evals/datasets/README.md), and they only read English. This net, trained by `coach train-risk` on every labelled
risk set (ordinary coaching questions, figures of speech and dark jokes included as `none`), reads any language.
It may raise a message to `urgent` when P(urgent) passes a strict threshold (set on out-of-fold scores: in English,
where the patterns help, at most ~1.5% of the training negatives would be raised; in other languages ~2%), or to
`support` at a looser one. It never lowers what the
patterns say. A second head names the kind of risk, so the reply carries the right lines.
"""
from __future__ import annotations

import base64
import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .char_ngrams import CharNgrams

CLASSES = ("none", "support", "urgent")


def pack(matrix: np.ndarray) -> dict:
    """A weight matrix as base64 float32 (the sparse features make it 17k columns wide: lists would be ~2 MB)."""
    m = np.ascontiguousarray(matrix, dtype="<f4")
    return {"shape": list(m.shape), "float32": base64.b64encode(m.tobytes()).decode("ascii")}


def unpack(packed: dict) -> np.ndarray:
    return np.frombuffer(base64.b64decode(packed["float32"]), dtype="<f4").reshape(packed["shape"]).astype(np.float32)


def _softmax(logits: np.ndarray) -> np.ndarray:
    p = np.exp(logits - logits.max(axis=-1, keepdims=True))
    return p / p.sum(axis=-1, keepdims=True)


@dataclass
class RiskVerdict:
    level: str  # none | support | urgent
    category: str | None  # for urgent: suicide, self_harm, abuse, threat, stalking, harm_others, child
    p_urgent: float
    p_risk: float  # P(support or urgent)


@dataclass
class RiskModel:
    coef: np.ndarray  # (3, dim): none, support, urgent
    intercept: np.ndarray  # (3,)
    thresholds: dict[str, float]  # urgent_en, support_en (English: the patterns help), urgent_other, support_other
    category_coef: np.ndarray  # (categories, dim)
    category_intercept: np.ndarray
    categories: tuple[str, ...]
    encoder: str
    sparse: bool = False  # reads the encoder's latent terms after the embedding (RiskEncoder.features)
    ngrams: CharNgrams | None = None  # format 4: the message's character n-grams after the encoder's features
    ngram_weights: tuple[np.ndarray, np.ndarray] = field(init=False, repr=False, default=())
    encoder_width: int = field(init=False, repr=False, default=0)  # the columns before the n-grams

    @classmethod
    def load(cls, path: Path) -> RiskModel | None:
        if not path.is_file():
            return None
        data = json.loads(path.read_text(encoding="utf-8"))
        if data.get("format") == 2:  # the embedding alone, weights as lists
            return cls(np.array(data["coef"], np.float32), np.array(data["intercept"], np.float32),
                       {k: float(v) for k, v in data["thresholds"].items()},
                       np.array(data["category_coef"], np.float32),
                       np.array(data["category_intercept"], np.float32), tuple(data["categories"]), data["encoder"])
        if data.get("format") not in (3, 4):
            return None  # a model from before the multilingual net: retrain with `coach train-risk`
        return cls(unpack(data["coef"]), np.array(data["intercept"], np.float32),
                   {k: float(v) for k, v in data["thresholds"].items()}, unpack(data["category_coef"]),
                   np.array(data["category_intercept"], np.float32), tuple(data["categories"]), data["encoder"],
                   sparse=bool(data.get("sparse")),
                   ngrams=CharNgrams.from_json(data["ngrams"]) if data.get("ngrams") else None)

    def __post_init__(self) -> None:
        self.encoder_width = self.coef.shape[1] - (self.ngrams.dim if self.ngrams is not None else 0)
        # The n-gram columns' weights as contiguous (n-gram, class) rows, so a message's few hundred are gathered.
        if self.ngrams is not None:
            start = self.encoder_width
            self.ngram_weights = (np.ascontiguousarray(self.coef[:, start:].T),
                                  np.ascontiguousarray(self.category_coef[:, start:].T))

    def verdicts(self, vectors: np.ndarray, english: list[bool], texts: list[str] | None = None) -> list[RiskVerdict]:
        """One verdict per embedded message (`english`: whether each is in English, where the patterns help;
        `texts`: the messages themselves, which a model with character n-grams reads too)."""
        if not vectors.shape[0]:
            return []
        width = self.encoder_width
        logits = np.asarray(vectors @ self.coef[:, :width].T) + self.intercept
        kind_logits = np.asarray(vectors @ self.category_coef[:, :width].T) + self.category_intercept
        if self.ngrams is not None:
            if texts is None:
                raise ValueError("this risk model reads the messages' character n-grams: pass texts")
            # Sparse: a dense 60k-wide product would wake the BLAS threads, whose spinning slowed the encoder by a
            # third on two cores (evals.bench.risk).
            level_w, kind_w = self.ngram_weights
            for i, (cols, values) in enumerate(self.ngrams.rows(texts)):
                logits[i] += values @ level_w[cols]
                kind_logits[i] += values @ kind_w[cols]
        p = _softmax(logits)
        kinds = kind_logits.argmax(axis=1)
        out = []
        for row, kind, is_english in zip(p, kinds, english):
            group = "en" if is_english else "other"
            p_urgent, p_risk = float(row[2]), float(1.0 - row[0])
            level = "urgent" if p_urgent >= self.thresholds[f"urgent_{group}"] else \
                "support" if p_risk >= self.thresholds[f"support_{group}"] else "none"
            out.append(RiskVerdict(level, self.categories[kind] if level == "urgent" else None, p_urgent, p_risk))
        return out
