"""The serving backend (the model exported to ONNX) gives the same vectors and token counts as
sentence-transformers, so an index built by either is searched correctly by the other."""
from __future__ import annotations

import numpy as np

from service.embeddings import OnnxEmbedder, export_onnx

TEXTS = ["My ex is my coworker. How do I do no contact?", "i dont want to be alive anymore",
         "Family and friends can be a great support system, but they don't always have time and patience. " * 12]


def test_onnx_export_matches_sentence_transformers(tmp_path, embedder):
    onnx = OnnxEmbedder(export_onnx(tmp_path / "model.onnx"), threads=1)
    a, b = onnx.embed(TEXTS), embedder.embed(TEXTS)
    assert a.shape == b.shape == (3, 384)
    assert np.allclose((a * b).sum(axis=1), 1.0, atol=1e-4)  # same vectors, long text truncated the same way
    assert [onnx.count_tokens(t) for t in TEXTS] == [embedder.count_tokens(t) for t in TEXTS]
    assert onnx.max_tokens == embedder.max_tokens
