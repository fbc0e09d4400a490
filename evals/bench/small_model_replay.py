"""The real small model's answers (tests/data/small-model-answers.yaml) replayed through the served app: every one
must end in the grounded answer, streamed or not, and a streamed one must never show a sentence that failed.

Run: python -m evals.bench.small_model_replay [--rate 30]
The endpoint is the wire-protocol test server replaying each recorded answer (streamed at `--rate` tokens a
second); the app is served over HTTP as in production, with the model as its generator."""
from __future__ import annotations

import argparse
import tempfile
from pathlib import Path

import httpx
import yaml

from evals.bench.sse import stream_events

FIXTURES = Path(__file__).resolve().parents[2] / "tests" / "data" / "small-model-answers.yaml"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--rate", type=float, default=30.0)
    args = parser.parse_args()

    from service.answering.pipeline import AnswerPipeline
    from service.embeddings import serving_embedder
    from service.settings import get_settings
    from tests.support.model_server import Behaviour, FakeOpenAI
    from tests.support.server import serve

    answers = yaml.safe_load(FIXTURES.read_text(encoding="utf-8"))["answers"]
    settings = get_settings()
    with FakeOpenAI() as fake, tempfile.TemporaryDirectory() as data_dir:
        endpoint = settings.with_overrides(llm_base_url=fake.url, llm_model="replay", llm_timeout=60.0,
                                           generator="llm", llm_risk_budget=0)
        pipeline = AnswerPipeline.build(endpoint, serving_embedder(settings))
        rows = []
        with serve(pipeline, Path(data_dir), rate_limit="off") as (url, _), httpx.Client(timeout=120) as client:
            for item in answers:
                bad = item["answer"].strip()
                fake.enqueue(Behaviour(bad))
                whole = client.post(f"{url}/api/ask", json={"question": item["question"]}).json()
                fake.enqueue(Behaviour(bad, rate=args.rate))
                events = [(name, payload) for _, name, payload in stream_events(client, url, item["question"])]
                done = events[-1][1]
                shown = "".join(p["text"] for name, p in events if name == "delta")
                replaced = any(name == "replace" for name, _ in events)
                model_text_shown = bool(shown) and not done["answer"].startswith(shown) or (replaced and bool(shown))
                rows.append((item["question"], whole, done, replaced, model_text_shown, item.get("why_reject", "")))
    n = len(rows)
    print(f"{n} recorded answers of a small model (SmolLM2-135M), replayed whole and streamed at {args.rate:g} tok/s")
    print(f"  /api/ask: fell back to the grounded answer {sum(r[1]['generator'] == 'grounded' for r in rows)}/{n}")
    print(f"  /api/ask/stream: fell back                  {sum(r[2]['generator'] == 'grounded' for r in rows)}/{n}")
    print(f"  /api/ask/stream: some checked model text shown first, then replaced  {sum(r[4] for r in rows)}/{n}")
    reasons: dict[str, int] = {}
    for r in rows:
        for reply in (r[1], r[2]):
            level = (reply.get("safety") or {}).get("level")
            key = (reply.get("fallback_reason") or ("no model call: the crisis reply" if level == "urgent" else
                                                    "none")).split(":")[0]
            reasons[key] = reasons.get(key, 0) + 1
    print("  fallback reasons:", ", ".join(f"{k} {v}" for k, v in sorted(reasons.items())))
    for question, whole, done, _, _, why in rows:
        if whole["generator"] != "grounded" or done["generator"] != "grounded":
            print(f"  NOT REPLACED: {question[:60]!r} ({why})")


if __name__ == "__main__":
    main()
