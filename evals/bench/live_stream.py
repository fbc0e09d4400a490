"""How soon a reader sees a model's answer: checked sentences streamed as they pass vs the whole answer first.

Run: python -m evals.bench.live_stream [--rate 30] [--rounds 3]
The endpoint is the wire-protocol test server (tests/support/model_server.py) writing the faithful answers of
tests/data/good_llm_answers.yaml at `--rate` tokens a second (pieces of about four characters). For each answer:
the model's own time to the end of its first sentence (when the server sent that piece), the reader's time to the
first checked sentence on POST /api/ask/stream, the reader's time to the whole reply, and, for comparison, the time
to the reply on POST /api/ask (everything written and checked before anything is shown: what the stream used to
be). One request at a time, over HTTP to the served app."""
from __future__ import annotations

import argparse
import re
import tempfile
import time
from pathlib import Path

import httpx

from evals.bench.sse import stream_events
from evals.stats import percentiles

_SENTENCE_END = re.compile(r"[.!?](\s*\[\d+\])*\s*$")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=30.0, help="the model's tokens a second")
    parser.add_argument("--rounds", type=int, default=3, help="times through the faithful answers")
    args = parser.parse_args()

    from service.answering.pipeline import AnswerPipeline
    from service.embeddings import serving_embedder
    from service.settings import get_settings
    from tests.support.answers import GOOD, cited_as_shown, shown_passages
    from tests.support.model_server import Behaviour, FakeOpenAI, tokens
    from tests.support.server import serve

    settings = get_settings()
    embedder = serving_embedder(settings)
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as data_dir:
        endpoint = settings.with_overrides(llm_base_url=fake.url, llm_model="bench", llm_timeout=60.0,
                                           generator="llm", llm_risk_budget=0)
        pipeline = AnswerPipeline.build(endpoint, embedder)
        answers = [(g["question"], cited_as_shown(g, shown_passages(pipeline, g["question"]))) for g in GOOD]
        rows: dict[str, list[float]] = {k: [] for k in ("model_first", "first", "gap", "whole", "plain")}
        replaced = 0
        with serve(pipeline, Path(data_dir)) as (url, _), httpx.Client(timeout=120) as client:
            for question, answer in answers[:2]:  # warm up: caches, threads, the first connection
                fake.enqueue(Behaviour(answer, rate=1000))
                client.post(f"{url}/api/ask", json={"question": question})
            for _ in range(args.rounds):
                for question, answer in answers:
                    fake.enqueue(Behaviour(answer, rate=args.rate))
                    start = time.monotonic()
                    first, whole, generator = _stream(client, url, question, start)
                    sent = fake.sent_log
                    model_first = next((t for (t, _), nxt in zip(sent, [*sent[1:], (0, "")])
                                        if _SENTENCE_END.search(_) and not nxt[1].strip().startswith("[")),
                                       sent[-1][0]) - start
                    replaced += generator != "llm"
                    rows["model_first"].append(model_first * 1000)
                    rows["first"].append(first * 1000)
                    rows["gap"].append((first - model_first) * 1000)
                    rows["whole"].append(whole * 1000)
                    # The same answer written at the same pace, sent whole when it is done.
                    fake.enqueue(Behaviour(answer, delay=len(tokens(answer)) / args.rate))
                    start = time.monotonic()
                    reply = client.post(f"{url}/api/ask", json={"question": question}).json()
                    rows["plain"].append((time.monotonic() - start) * 1000)
                    replaced += reply["generator"] != "llm"
    n = len(rows["first"])
    print(f"{n} answers at {args.rate:g} tokens/s, one request at a time; {replaced} fell back to the grounded answer")
    labels = {"model_first": "model: end of its first sentence", "first": "stream: first checked sentence shown",
              "gap": "  shown after the model wrote it", "whole": "stream: whole reply (done event)",
              "plain": "POST /api/ask: whole reply (first text)"}
    for key, label in labels.items():
        p50, p95 = percentiles(rows[key])
        print(f"{label:40s} p50 {p50:8.1f} ms  p95 {p95:8.1f} ms")
    ratio = percentiles(rows["plain"])[0] / percentiles(rows["first"])[0]
    print(f"time to first text, whole-answer-first / streamed (p50): {ratio:.1f}x")


def _stream(client: httpx.Client, url: str, question: str, start: float) -> tuple[float, float, str]:
    """(seconds to the first delta with the model's words, seconds to done, the reply's generator)."""
    offset, first = time.monotonic() - start, None
    for at, name, payload in stream_events(client, url, question):
        if name == "delta" and first is None:
            first = offset + at
        if name == "done":
            return first or offset + at, offset + at, payload["generator"]
    raise RuntimeError("the stream ended without a done event")


if __name__ == "__main__":
    main()
