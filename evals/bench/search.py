"""Benchmark: in-process search latency (query embedding + Chroma query + rerank) and ingest rate.

Run: python -m evals.bench.search [--queries 200]
Ingest is timed on a fresh temporary index, so the real one is not touched.
"""
from __future__ import annotations

import argparse
import tempfile
import time
from pathlib import Path

from evals.catalog import load_cases
from evals.stats import percentiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--queries", type=int, default=200)
    args = parser.parse_args()

    import torch

    from service.embeddings import get_embedder
    from service.knowledge.ingest import ingest
    from service.retrieval.knowledge_base import KnowledgeBase
    from service.retrieval.search import Retriever
    from service.settings import get_settings

    embedder = get_embedder()  # ingest uses every core, as `coach ingest` does
    with tempfile.TemporaryDirectory() as tmp:
        settings = get_settings().with_overrides(chroma_path=Path(tmp) / "chroma", chroma_url=None)
        embedder.embed(["warm up"])
        report = ingest(settings, embedder, progress=False)
        print(f"ingest: {report.passages} passages ({report.embedded} texts embedded) in {report.seconds:.2f} s = "
              f"{report.passages / report.seconds:.1f} passages/s, {report.embedded / report.seconds:.1f} texts/s")
        torch.set_num_threads(1)  # as the service does per request
        retriever = Retriever(KnowledgeBase.load(settings, embedder.name))
        questions = [c["question"] for c in load_cases("retrieval")]
        exact = get_embedder(1, "onnx", Path(tmp) / "all-MiniLM-L6-v2.onnx")
        int8 = get_embedder(1, "onnx-int8", Path(tmp) / "all-MiniLM-L6-v2.int8.onnx")
        for name, model in (("sentence-transformers (torch)", embedder), ("onnx (exact)", exact),
                            ("onnx-int8 (the service's default)", int8)):
            for q in questions[:10]:  # warm: model, Chroma segment cache
                retriever.search(model.embed([q])[0], query=q)
            embed_ms, total_ms = [], []
            for i in range(args.queries):
                q = questions[i % len(questions)]
                t0 = time.perf_counter()
                vector = model.embed([q])[0]
                t1 = time.perf_counter()
                retriever.search(vector, k=5, query=q)
                t2 = time.perf_counter()
                embed_ms.append((t1 - t0) * 1000)
                total_ms.append((t2 - t0) * 1000)
            p50, p95 = percentiles(total_ms)
            e50, e95 = percentiles(embed_ms)
            print(f"search, {name}, 1 thread, {args.queries} queries: p50 {p50:.1f} ms  p95 {p95:.1f} ms  "
                  f"(embedding alone p50 {e50:.1f} ms, p95 {e95:.1f} ms)")


if __name__ == "__main__":
    main()
