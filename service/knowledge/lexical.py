"""BM25 over passages, precomputed as postings so a query is a few scatter-adds."""
from __future__ import annotations

import math
import re
from collections import Counter, defaultdict
from pathlib import Path

import numpy as np
import yaml

from ..text import words

STOPWORDS = frozenset("""
a about after all also am an and any are as at be because been but by can could did do does doing don't
for from had has have he her him his how i i'm if in into is it it's its just me my no not now of on or
our out she should so some than that the their them then there they this to too up us was we were what
when where which who why will with would you your you're yours
""".split())  # noqa: SIM905 - a word list reads best as text
K1, B = 1.2, 0.75
# A reader's question is at most 4,000 characters; an imported comment can be a megabyte, and its first pages say
# what it is about (the dense side reads 256 tokens).
MAX_QUERY_CHARS = 8000


def tokens(text: str) -> list[str]:
    return [t.replace("'", "") for t in words(text) if t not in STOPWORDS]


def load_synonyms(path: Path) -> dict[str, list[str]]:
    """knowledge/synonyms.yaml: reader word -> words the articles use (missing file: none)."""
    if not path.is_file():
        return {}
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return {str(k).lower(): [str(v).lower() for v in vs] for k, vs in data.items()}


class LexicalIndex:
    """Okapi BM25 with term weights computed once when the knowledge base loads."""

    def __init__(self, documents: list[str], synonyms: dict[str, list[str]] | None = None):
        synonyms = synonyms or {}
        self.synonyms = {k: v for k, v in synonyms.items() if " " not in k}
        self.phrases = [(re.compile(rf"\b{re.escape(k)}\b", re.I), " ".join(v))
                        for k, v in synonyms.items() if " " in k]
        self.size = len(documents)
        docs = [Counter(tokens(d)) for d in documents]
        lengths = np.array([sum(d.values()) for d in docs], dtype=np.float32)
        average = float(lengths.mean()) if self.size else 1.0
        df = Counter(t for d in docs for t in d)
        postings: dict[str, tuple[list[int], list[float]]] = defaultdict(lambda: ([], []))
        for i, doc in enumerate(docs):
            norm = K1 * (1 - B + B * lengths[i] / average)
            for term, tf in doc.items():
                idf = math.log(1 + (self.size - df[term] + 0.5) / (df[term] + 0.5))
                postings[term][0].append(i)
                postings[term][1].append(idf * tf * (K1 + 1) / (tf + norm))
        self._postings = {t: (np.array(ix, dtype=np.int32), np.array(w, dtype=np.float32))
                          for t, (ix, w) in postings.items()}

    def scores(self, query: str) -> np.ndarray:
        out = np.zeros(self.size, dtype=np.float32)
        query = query[:MAX_QUERY_CHARS]
        for pattern, replacement in self.phrases:
            query = pattern.sub(replacement, query)
        # Counted, not listed: linear in the query's length (a list membership test here made a 1 MB comment
        # take minutes). A repeated word still counts as often as it is written; a synonym once per word it expands.
        counts = Counter(tokens(query))
        expanded = Counter(counts)
        for term, n in counts.items():
            for extra in self.synonyms.get(term, ()):
                if extra not in counts:
                    expanded[extra] += n
        for term, n in expanded.items():
            if term in self._postings:
                ix, weights = self._postings[term]
                out[ix] += weights * n
        return out
