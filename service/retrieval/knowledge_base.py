"""The knowledge base in memory: every passage, its sentence vectors and the lexical indexes, loaded once."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ..errors import IndexMissing
from ..knowledge import store
from ..knowledge.chunking import CHUNKER_VERSION
from ..knowledge.lexical import LexicalIndex, load_synonyms
from ..knowledge.store import IndexHandle, StoredPassage
from ..settings import Settings
from .dense import DenseScorer


@dataclass
class Hit:
    passage: StoredPassage
    score: float


class KnowledgeBase:
    """An in-memory mirror of the index's passages and sentence vectors, loaded once per process."""

    def __init__(self, handle: IndexHandle, passages: dict[str, StoredPassage],
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
    def load(cls, settings: Settings, model_name: str) -> KnowledgeBase:
        handle = store.open_index(settings, create=False, model_name=model_name, chunker=CHUNKER_VERSION)
        passages = store.load_passages(handle)
        if not passages:
            raise IndexMissing("the knowledge index is empty: run `coach ingest`.")
        return cls(handle, passages, load_synonyms(settings.knowledge_dir / "synonyms.yaml"))

    @property
    def article_ids(self) -> set[str]:
        return {p.article_id for p in self.passages.values()}


def _lexical_text(p: StoredPassage) -> str:
    coach_words = " ".join(s for s, role in zip(p.sentences, p.roles) if role != "comment")
    return f"{p.title} {p.heading} {coach_words}"
