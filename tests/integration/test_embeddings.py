"""The serving backend (the model exported to ONNX) gives the same vectors and token counts as
sentence-transformers, so an index built by either is searched correctly by the other."""
from __future__ import annotations

import numpy as np

from service.embeddings import OnnxEmbedder, export_onnx, export_onnx_int8

TEXTS = ["My ex is my coworker. How do I do no contact?", "i dont want to be alive anymore",
         "Family and friends can be a great support system, but they don't always have time and patience. " * 12]


def test_onnx_export_matches_sentence_transformers(tmp_path, embedder):
    onnx = OnnxEmbedder(export_onnx(tmp_path / "model.onnx"), threads=1)
    a, b = onnx.embed(TEXTS), embedder.embed(TEXTS)
    assert a.shape == b.shape == (3, 384)
    assert np.allclose((a * b).sum(axis=1), 1.0, atol=1e-4)  # same vectors, long text truncated the same way
    assert [onnx.count_tokens(t) for t in TEXTS] == [embedder.count_tokens(t) for t in TEXTS]
    assert onnx.max_tokens == embedder.max_tokens


def test_int8_export_keeps_queries_close_and_rankings_equal(tmp_path, embedder):
    """The default serving backend: int8 query vectors stay near the exact ones and rank passages the same."""
    int8 = OnnxEmbedder(export_onnx_int8(tmp_path / "model.int8.onnx", tmp_path / "model.onnx"), threads=1)
    queries = TEXTS[:2] + ["I broke no contact last night", "how long should no contact last",
                           "we have kids together, how do I handle handovers"]
    a, b = int8.embed(queries), embedder.embed(queries)
    assert ((a * b).sum(axis=1) >= 0.98).all()
    passages = embedder.embed([
        "Do limited no contact where you talk to your ex only about work-related subjects.",
        "If you reach out in a moment of weakness, resume no contact like you never reached out.",
        "No contact should last about 30 days.",
        "With children, keep communication to the kids and the schedule.",
        "Family and friends can be a great support system."])
    assert ((a @ passages.T).argmax(axis=1) == (b @ passages.T).argmax(axis=1)).all()


def test_replicas_starting_together_on_a_fresh_folder_all_get_the_model(tmp_path):
    """Three processes export the ONNX model at once into one empty data folder: each writes its own temporary
    file and renames it into place, so none fails and every one loads a complete model."""
    import os
    import subprocess
    import sys

    code = ("from service.settings import get_settings; from service.embeddings import serving_embedder; "
            "e = serving_embedder(get_settings()); print(e.embed(['my ex']).shape)")
    env = {**os.environ, "COACH_DATA_DIR": str(tmp_path)}
    procs = [subprocess.Popen([sys.executable, "-c", code], env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True) for _ in range(3)]
    outs = [p.communicate(timeout=600) for p in procs]
    assert [p.returncode for p in procs] == [0, 0, 0], [err[-500:] for _, err in outs]
    assert all(out.strip() == "(1, 384)" for out, _ in outs)
    assert not list((tmp_path / "models").glob("*.partial"))  # no temporary file left behind
