"""What the model's second opinion on risk adds to a reply: the grounded answer alone, then with a model endpoint
that rates each message after a delay (it runs beside retrieval), then with one that stalls past the budget.

Run: python -m evals.bench.second_opinion [--messages 40] [--budget 2.5]
The endpoint is the wire-protocol test server (tests/support/model_server.py); the answers are the grounded ones,
so the only difference between the runs is the rating call."""
from __future__ import annotations

import argparse
import time

from evals.catalog import load_cases
from evals.stats import percentiles


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--messages", type=int, default=40)
    parser.add_argument("--budget", type=float, default=2.5)
    args = parser.parse_args()

    from service.answering.pipeline import AnswerPipeline
    from service.embeddings import serving_embedder
    from service.settings import get_settings
    from tests.support.model_server import RATED_NONE, Behaviour, FakeOpenAI

    settings = get_settings().with_overrides(generator="grounded", llm_risk_budget=args.budget)
    embedder = serving_embedder(settings)
    texts = [c["question"] for c in load_cases("answers")][:args.messages]
    with FakeOpenAI() as fake:
        endpoint = settings.with_overrides(llm_base_url=fake.url, llm_model="bench", llm_timeout=args.budget + 5)
        plain = AnswerPipeline.build(settings, embedder)
        screened = AnswerPipeline.build(endpoint, embedder)
        for text in texts[:3]:  # warm caches and the thread pool
            plain.answer(text)
            screened.answer(text)
        runs = [("no endpoint (local check only)", plain, None)]
        runs += [(f"rating takes {delay * 1000:.0f} ms", screened, delay) for delay in (0.05, 0.3, 1.0)]
        runs += [(f"rating stalls (budget {args.budget:g} s)", screened, args.budget + 3)]
        runs += [("no endpoint again (drift check)", plain, None)]
        for name, pipeline, delay in runs:
            samples = []
            for text in texts:
                if delay is not None:
                    fake.enqueue_rating(Behaviour(RATED_NONE, delay=delay))
                t0 = time.perf_counter()
                pipeline.answer(text)
                samples.append((time.perf_counter() - t0) * 1000)
            p50, p95 = percentiles(samples)
            print(f"{name:34s} p50 {p50:7.1f} ms  p95 {p95:7.1f} ms  ({len(samples)} questions, one at a time)")


if __name__ == "__main__":
    main()
