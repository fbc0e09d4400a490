"""Retrieval quality on evals/datasets/retrieval.yaml: hit@1, hit@5 and MRR by article id.

Run: python -m evals.retrieval [--k 5] [--misses]
"""
from __future__ import annotations

import argparse
import json

from evals.catalog import load_cases


def evaluate(retriever, embedder, cases: list[dict], k: int = 5) -> dict:
    """Rank metrics over article ids: a hit is a passage from any article labelled as answering."""
    vectors = embedder.embed([c["question"] for c in cases])
    hits1 = hitsk = rr = 0.0
    misses = []
    for case, vector in zip(cases, vectors):
        ranked = [h.passage.article_id for h in retriever.search(vector, k=k, query=case["question"])]
        wanted = set(case["articles"])
        rank = next((i for i, a in enumerate(ranked, 1) if a in wanted), None)
        hits1 += rank == 1
        hitsk += rank is not None
        rr += 1.0 / rank if rank else 0.0
        if rank != 1:
            misses.append({"id": case["id"], "question": case["question"], "expected": sorted(wanted),
                           "got": ranked, "rank": rank})
    n = len(cases)
    return {"cases": n, "hit@1": hits1 / n, f"hit@{k}": hitsk / n, "mrr": rr / n, "misses": misses}


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--k", type=int, default=5)
    parser.add_argument("--misses", action="store_true", help="list the questions whose top hit is wrong")
    args = parser.parse_args()

    from service.embeddings import get_embedder
    from service.retrieval.knowledge_base import KnowledgeBase
    from service.retrieval.search import Retriever
    from service.settings import get_settings

    embedder = get_embedder(1)
    retriever = Retriever(KnowledgeBase.load(get_settings(), embedder.name))
    result = evaluate(retriever, embedder, load_cases("retrieval"), k=args.k)
    print(f"cases {result['cases']}  hit@1 {result['hit@1']:.3f}  hit@{args.k} {result[f'hit@{args.k}']:.3f}  "
          f"MRR {result['mrr']:.3f}")
    if args.misses:
        for miss in result["misses"]:
            print(json.dumps(miss, ensure_ascii=False))


if __name__ == "__main__":
    main()
