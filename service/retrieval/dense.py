"""The dense part of passage scores: window similarity and the passage's best sentences, in matrix products."""
from __future__ import annotations

import numpy as np

from ..knowledge.store import StoredPassage


class DenseScorer:
    """The dense part of every passage's score in two matrix products (a request scores ~70 passages)."""

    def __init__(self, passages: list[StoredPassage]):
        self.windows = (np.vstack([p.windows for p in passages]).astype(np.float32) if passages
                        else np.zeros((0, 384), dtype=np.float32))
        self.window_starts = np.cumsum([0] + [len(p.windows) for p in passages[:-1]]).astype(np.intp)
        vectors = [p.vectors for p in passages if len(p.vectors)]
        self.sentences = np.vstack(vectors).astype(np.float32) if vectors else np.zeros((0, 384), dtype=np.float32)
        # Row i of `usable` lists passage i's scoring sentences (padded with -1): readers' own words in a Q&A
        # are context, not the coach's answer, so only the reply's sentences count when there are any.
        groups, offset = [], 0
        for p in passages:
            own = [offset + i for i, role in enumerate(p.roles) if role != "comment"] or \
                  list(range(offset, offset + len(p.vectors)))
            groups.append(own)
            offset += len(p.vectors)
        width = max((len(g) for g in groups), default=0) or 1
        self.usable = np.full((len(passages), width), -1, dtype=np.intp)
        for i, g in enumerate(groups):
            self.usable[i, :len(g)] = g
        self.counts = np.array([len(g) for g in groups], dtype=np.intp)

    def score_all(self, query_vector: np.ndarray, passage_weight: float) -> np.ndarray:
        if not len(self.windows):
            return np.zeros(0, dtype=np.float32)
        passage_sim = np.maximum.reduceat(self.windows @ query_vector, self.window_starts)
        if not len(self.sentences):
            return passage_sim
        sims = np.append(self.sentences @ query_vector, -np.inf)  # index -1 is the padding
        top = -np.sort(-sims[self.usable], axis=1)[:, :2]
        best_two = np.where(self.counts >= 2, top.mean(axis=1) if top.shape[1] == 2 else top[:, 0], top[:, 0])
        return np.where(self.counts > 0, passage_weight * passage_sim + (1 - passage_weight) * best_two, passage_sim)

    @staticmethod
    def score_one(passage: StoredPassage, query_vector: np.ndarray, passage_weight: float) -> float:
        passage_sim = float((passage.windows @ query_vector).max())
        if not len(passage.vectors):
            return passage_sim
        sims = passage.vectors @ query_vector
        usable = np.sort(np.array([s for s, role in zip(sims, passage.roles) if role != "comment"] or sims))[::-1]
        return passage_weight * passage_sim + (1 - passage_weight) * float(usable[:2].mean())
