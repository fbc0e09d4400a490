"""Questions in other languages against the same questions in English (evals/datasets/retrieval_multilingual.yaml):
how much of the articles' answer a reader who doesn't write in English gets.

Run: python -m evals.bench.languages
Per question, as written and as translated: a labelled article among the passages shown (hit@5), the share of its
key points the answer covers, and for questions the articles don't cover, whether the reply says so (declined, or
answered as not or partly covered)."""
from __future__ import annotations

from collections import defaultdict

from evals import scoring
from evals.catalog import load_cases


def main() -> None:
    from service.answering.pipeline import AnswerPipeline
    from service.embeddings import serving_embedder
    from service.settings import get_settings

    settings = get_settings()
    pipeline = AnswerPipeline.build(settings, serving_embedder(settings))
    cases = load_cases("retrieval_multilingual")
    found: dict[str, list[float]] = defaultdict(list)
    for case in cases:
        for field in ("question", "english"):
            prepared = pipeline.prepare(pipeline.screen(case[field]))
            shown = {h.passage.article_id for h in prepared.context.hits} if prepared.context else set()
            reply = pipeline.answer(case[field]).reply
            answer = reply.answer
            if case["articles"]:
                found[f"{field}.hit5"].append(bool(shown & set(case["articles"])))
                covered = scoring.key_points_covered(answer, case["key_points"])
                found[f"{field}.key_points"].append(sum(covered) / len(covered))
            else:  # told: declined as out of scope, or the answer says what the articles don't cover
                told = reply.scope == "out" or reply.coverage in ("partial", "not_covered")
                found[f"{field}.gap_told"].append(told)
    covered = sum(bool(c["articles"]) for c in cases)
    print(f"{len(cases)} questions in {len({c['lang'] for c in cases})} languages ({covered} covered by the articles)")
    print(f"{'':28s}{'as written':>12s}{'in English':>12s}")
    for metric, label in (("hit5", "article among the passages"), ("key_points", "key points covered"),
                          ("gap_told", "gap told (not covered)")):
        row = [sum(found[f"{f}.{metric}"]) / max(1, len(found[f"{f}.{metric}"])) for f in ("question", "english")]
        print(f"{label:28s}{row[0]:12.3f}{row[1]:12.3f}")


if __name__ == "__main__":
    main()
