"""Question (+ recent turns) -> ranked passages: Chroma ANN first, then a sentence-level rerank."""
from __future__ import annotations

import logging
import threading

import numpy as np

from ..breaker import EndpointBreaker
from ..deadline import call_within
from ..errors import IndexUnavailable
from ..knowledge.store import RETRY_AFTER, StoredPassage, passage_of
from .knowledge_base import Hit, KnowledgeBase

CANDIDATES = 24  # embedding windows fetched from Chroma (and lexical top passages) before reranking
# score = 0.5 * passage similarity + 0.5 * mean of its two best sentences + 0.2 * BM25 / best BM25.
# Chosen on evals/datasets/retrieval.yaml and checked on each half separately (see evals/README.md).
PASSAGE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.2
log = logging.getLogger("coach")
QUERY_THREADS = 8  # Chroma server queries in flight at once per process (each a daemon thread)
CHROMA_PAUSE = 3.0  # seconds the index is left alone after a failed query (then one query tries it again)
PER_SECTION = 2  # at most this many of the top k from one section of one article: keeps results diverse


class Retriever:
    """Top-k passages for one query: one Chroma query, BM25 postings and small matrix products."""

    def __init__(self, kb: KnowledgeBase, passage_weight: float = PASSAGE_WEIGHT,
                 lexical_weight: float = LEXICAL_WEIGHT, deadline: float | None = None):
        self.kb = kb
        # A Chroma server's query as a whole, not only each read: a server answering a byte at a time never lets a
        # read time out. The query runs on a daemon thread of its own (never joined at exit) and the reader stops
        # waiting at the deadline; at most QUERY_THREADS run at once, and past that a reader is refused at once
        # rather than queued behind queries a slow server still holds.
        self.deadline = deadline
        self._slots = threading.BoundedSemaphore(QUERY_THREADS) if deadline else None
        self.passage_weight = passage_weight
        self.lexical_weight = lexical_weight
        self._memo: tuple[bytes, np.ndarray] | None = None
        # One failed query (a dead server, or a frozen one after its deadline) and the next ones are refused at once
        # for a few seconds: readers get their 503 at once instead of each holding a compute slot for the deadline.
        self.breaker = EndpointBreaker(1, CHROMA_PAUSE, what="the article index", failure=IndexUnavailable,
                                       refused=_unavailable)

    def search(self, query_vector: np.ndarray, k: int = 5, query: str = "") -> list[Hit]:
        n = min(CANDIDATES, max(k * 4, 8))
        result = self.breaker.call(lambda: self._query(query_vector, n))
        candidates = {passage_of(i) for i in result["ids"][0]}
        lexical = self.kb.lexical.scores(query) if query and self.lexical_weight else None
        best_lexical = float(lexical.max()) if lexical is not None and len(lexical) else 0.0
        if best_lexical > 0:
            top = np.argsort(-lexical)[:n]
            candidates.update(self.kb.order[i] for i in top if lexical[i] > 0)
        hits = []
        for pid in sorted(candidates):  # a fixed order: ties must not depend on the hash seed
            passage = self.kb.passages.get(pid)
            if passage is None:  # ingested after this process loaded the index
                continue
            score = self._dense(passage, query_vector)
            if best_lexical > 0:
                score += self.lexical_weight * float(lexical[self.kb.row[pid]]) / best_lexical
            hits.append(Hit(passage, score))
        hits.sort(key=lambda h: h.score, reverse=True)
        chosen, per_section = [], {}
        for hit in hits:
            section = (hit.passage.article_id, hit.passage.heading)
            if per_section.get(section, 0) < PER_SECTION or hit.passage.kind == "reader_qa":
                per_section[section] = per_section.get(section, 0) + 1
                chosen.append(hit)
            if len(chosen) == k:
                break
        return chosen

    def _query(self, query_vector: np.ndarray, n: int) -> dict:
        def search_windows() -> dict:
            return self.kb.handle.passages.query(query_embeddings=[query_vector.tolist()], n_results=n, include=[])

        try:
            if self._slots is None:  # the embedded store: no network to wait on
                return search_windows()
            return call_within(search_windows, self.deadline, self._slots, name="chroma-query")
        except Exception as exc:  # a dead, frozen or dripping Chroma server (past the deadline), a broken store
            log.warning("chroma query failed: %s: %s", type(exc).__name__, exc or f"over {self.deadline:g} s")
            raise _unavailable("the coach's articles can't be searched right now; please try again shortly") \
                from exc

    def sentence_scores(self, query_vector: np.ndarray, query: str = "") -> np.ndarray:
        """Every coach sentence: similarity plus the same lexical share as passage ranking."""
        sims = self.kb.sentence_matrix @ query_vector
        if query and self.lexical_weight:
            lexical = self.kb.sentence_lexical.scores(query)
            if lexical.max() > 0:
                sims = sims + self.lexical_weight * lexical / lexical.max()
        return sims

    def closest_sentences(self, query_vector: np.ndarray, n: int = 12,
                          query: str = "") -> list[tuple[StoredPassage, int, float]]:
        """(passage, sentence index, score) of the n coach sentences that best match the query."""
        if not len(self.kb.sentence_matrix):
            return []
        sims = self.sentence_scores(query_vector, query)
        top = np.argpartition(-sims, min(n, len(sims) - 1))[:n]
        return [(self.kb.passages[self.kb.sentence_rows[i][0]], self.kb.sentence_rows[i][1], float(sims[i]))
                for i in sorted(top, key=lambda i: -sims[i])]

    def passage_score(self, passage: StoredPassage, query_vector: np.ndarray) -> float:
        """The dense part of a passage's score, for passages found by sentence."""
        return self._dense(passage, query_vector)

    def _dense(self, passage: StoredPassage, query_vector: np.ndarray) -> float:
        row = self.kb.row.get(passage.id)
        if row is None:
            return self.kb.dense.score_one(passage, query_vector, self.passage_weight)
        return float(self._dense_all(query_vector)[row])

    def _dense_all(self, query_vector: np.ndarray) -> np.ndarray:
        # Every passage at once, remembered for the last query: ranking and composing ask for the same vector.
        key = query_vector.tobytes()
        memo = self._memo
        if memo is not None and memo[0] == key:
            return memo[1]
        scores = self.kb.dense.score_all(query_vector, self.passage_weight)
        self._memo = (key, scores)
        return scores


def _unavailable(reason: str) -> IndexUnavailable:
    return IndexUnavailable(reason if reason.startswith("the coach") else
                            f"the coach's articles can't be searched right now ({reason}); please try again shortly",
                            headers={"Retry-After": RETRY_AFTER})
