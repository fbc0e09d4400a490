"""What the risk check costs per message: patterns alone, with the crisis statements, with the learned net.

Run: python -m evals.bench.risk [--messages 200]
Every message is new to the net's cache (a real conversation's earlier turns are embedded once and remembered)."""
from __future__ import annotations

import argparse
import time

from evals.catalog import load_cases
from evals.stats import percentiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=200)
    args = parser.parse_args()

    from service.answering.pipeline import build_safety_check
    from service.embeddings import serving_embedder
    from service.guardrails.risk_encoder import RiskEncoder
    from service.settings import get_settings

    settings = get_settings()
    embedder = serving_embedder(settings)
    check = build_safety_check(settings, embedder)
    texts = [c["text"] for name in ("safety_blind8", "risk_train_a", "risk_train_b") for c in load_cases(name)]
    texts = texts[:args.messages]
    vectors = embedder.embed(texts)
    fresh = RiskEncoder()  # a cold cache: every message is embedded
    # The patterns as the check calls them, the language known (every cue read; no detection timed here).
    runs = {"patterns": lambda t, v: check.patterns.classify(t, "en"),
            "patterns + statements": lambda t, v: (check.patterns.classify(t, "en"), check.semantic_match(v)),
            "e5 embedding alone": lambda t, v: fresh.embed([t + " "]),
            "e5 latent terms alone": lambda t, v: fresh.features([t + "  "])[:, 384:],
            "whole check (patterns, statements, net)": lambda t, v: check.assess(t + "  ", message_vector=v)}
    for name, run in runs.items():
        samples = []
        for text, vector in zip(texts, vectors):
            t0 = time.perf_counter()
            run(text, vector)
            samples.append((time.perf_counter() - t0) * 1000)
        p50, p95 = percentiles(samples)
        print(f"{name:42s} p50 {p50:6.2f} ms  p95 {p95:6.2f} ms  ({len(samples)} messages, 1 thread)")


if __name__ == "__main__":
    main()
