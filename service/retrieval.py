"""Question (+ recent turns) -> ranked passages: Chroma ANN first, then a sentence-level rerank."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from . import index as idx
from .corpus import CHUNKER_VERSION
from .ingest import passage_of
from .lexical import LexicalIndex, load_synonyms
from .settings import Settings

CANDIDATES = 24  # embedding windows fetched from Chroma (and lexical top passages) before reranking
# score = 0.5 * passage similarity + 0.5 * mean of its two best sentences + 0.2 * BM25 / best BM25.
# Chosen on evals/datasets/retrieval.yaml and checked on each half separately (see evals/README.md).
PASSAGE_WEIGHT = 0.5
LEXICAL_WEIGHT = 0.2
PER_SECTION = 2  # at most this many of the top k from one section of one article: keeps results diverse


@dataclass
class StoredPassage:
    """A passage as the index holds it, with its sentence vectors kept in memory."""

    id: str
    article_id: str
    title: str
    author: str
    publication: str
    url: str | None
    kind: str
    heading: str
    ordinal: int
    text: str
    sentences: list[str]
    roles: list[str]
    vectors: np.ndarray  # one row per sentence
    windows: np.ndarray  # one row per embedded window


@dataclass
class Hit:
    passage: StoredPassage
    score: float


class KnowledgeBase:
    """An in-memory mirror of the index's passages and sentence vectors, loaded once per process."""

    def __init__(self, handle: idx.IndexHandle, passages: dict[str, StoredPassage],
                 synonyms: dict[str, list[str]] | None = None):
        self.handle = handle
        self.passages = passages
        self.order = list(passages)  # row i of the lexical index is passage order[i]
        self.row = {pid: i for i, pid in enumerate(self.order)}
        self.lexical = LexicalIndex([_lexical_text(passages[p]) for p in self.order], synonyms)
        # Every coach sentence in one matrix: the composer may use a good sentence from a lower-ranked passage.
        rows = [(pid, i) for pid in self.order for i, role in enumerate(passages[pid].roles) if role != "comment"]
        self.sentence_rows = rows
        self.sentence_matrix = (np.vstack([passages[pid].vectors[i] for pid, i in rows]).astype(np.float32)
                                if rows else np.zeros((0, 384), dtype=np.float32))
        self.sentence_lexical = LexicalIndex([passages[pid].sentences[i] for pid, i in rows], synonyms)
        self.sentence_row = {row: n for n, row in enumerate(rows)}
        self.dense = DenseScorer([passages[p] for p in self.order])

    @classmethod
    def load(cls, settings: Settings, model_name: str) -> "KnowledgeBase":
        handle = idx.open_index(settings, create=False, model_name=model_name, chunker=CHUNKER_VERSION)
        windows = idx.get_all(handle.passages, ["metadatas", "embeddings"])
        sentences = idx.get_all(handle.sentences, ["metadatas", "documents", "embeddings"])
        by_passage: dict[str, list[tuple[int, str, str, np.ndarray]]] = {}
        for meta, doc, vec in zip(sentences["metadatas"], sentences["documents"], sentences["embeddings"]):
            by_passage.setdefault(meta["passage_id"], []).append((meta["position"], meta["role"], doc, vec))
        window_vectors: dict[str, list] = {}
        for meta, vec in zip(windows["metadatas"], windows["embeddings"]):
            window_vectors.setdefault(meta["passage_id"], []).append(vec)
        passages: dict[str, StoredPassage] = {}
        for meta in windows["metadatas"]:
            pid = meta["passage_id"]
            if pid in passages:
                continue
            rows = sorted(by_passage.get(pid, []), key=lambda r: r[0])
            passages[pid] = StoredPassage(
                id=pid, article_id=meta["article_id"], title=meta["title"], author=meta["author"],
                publication=meta.get("publication", ""), url=meta.get("url") or None, kind=meta["kind"],
                heading=meta["heading"], ordinal=int(meta["ordinal"]), text=meta["text"],
                sentences=[r[2] for r in rows], roles=[r[1] for r in rows],
                vectors=np.asarray([r[3] for r in rows], dtype=np.float32).reshape(len(rows), -1),
                windows=np.asarray(window_vectors[pid], dtype=np.float32),
            )
        if not passages:
            raise idx.IndexMissing("the knowledge index is empty: run `coach ingest`.")
        return cls(handle, passages, load_synonyms(settings.knowledge_dir / "synonyms.yaml"))

    @classmethod
    def load_or_build(cls, settings: Settings, embedder, before_build=None, after_build=None) -> "KnowledgeBase":
        """Load the index; build it first when it does not exist yet (before_build() and after_build(report)
        let the caller tell the user, who would otherwise wait seconds in silence)."""
        from .ingest import ingest

        try:
            return cls.load(settings, embedder.name)
        except idx.IndexMissing:
            if before_build:
                before_build()
            report = ingest(settings, embedder, progress=False)
            if after_build:
                after_build(report)
            return cls.load(settings, embedder.name)

    @property
    def article_ids(self) -> set[str]:
        return {p.article_id for p in self.passages.values()}


class Retriever:
    """Top-k passages for one query: one Chroma query, BM25 postings and small matrix products."""

    def __init__(self, kb: KnowledgeBase, passage_weight: float = PASSAGE_WEIGHT,
                 lexical_weight: float = LEXICAL_WEIGHT):
        self.kb = kb
        self.passage_weight = passage_weight
        self.lexical_weight = lexical_weight
        self._memo: tuple[bytes, np.ndarray] | None = None

    def search(self, query_vector: np.ndarray, k: int = 5, query: str = "") -> list[Hit]:
        n = min(CANDIDATES, max(k * 4, 8))
        result = self.kb.handle.passages.query(query_embeddings=[query_vector.tolist()], n_results=n,
                                               include=[])
        candidates = {passage_of(i) for i in result["ids"][0]}
        lexical = self.kb.lexical.scores(query) if query and self.lexical_weight else None
        best_lexical = float(lexical.max()) if lexical is not None and len(lexical) else 0.0
        if best_lexical > 0:
            top = np.argsort(-lexical)[:n]
            candidates.update(self.kb.order[i] for i in top if lexical[i] > 0)
        hits = []
        for pid in candidates:
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

    def sentence_scores(self, query_vector: np.ndarray, query: str = "") -> np.ndarray:
        """Every coach sentence: similarity plus the same lexical share as passage ranking."""
        sims = self.kb.sentence_matrix @ query_vector
        if query and self.lexical_weight:
            lexical = self.kb.sentence_lexical.scores(query)
            if lexical.max() > 0:
                sims = sims + self.lexical_weight * lexical / lexical.max()
        return sims

    def closest_sentences(self, query_vector: np.ndarray, n: int = 12, query: str = "") -> list[tuple[StoredPassage, int, float]]:
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


def _lexical_text(p: StoredPassage) -> str:
    coach_words = " ".join(s for s, role in zip(p.sentences, p.roles) if role != "comment")
    return f"{p.title} {p.heading} {coach_words}"


def query_text(question: str, history: list[dict] | None = None, turns: int = 2) -> str:
    """The text embedded for retrieval: a follow-up carries the reader's previous questions."""
    previous = [h["content"] for h in (history or []) if h.get("role") == "user"][-turns:]
    return " ".join(previous[-turns:] + [question]).strip() if previous else question
