"""The eval suites: each turns its dataset into per-case results and a few metrics."""
from __future__ import annotations

import time
from collections import Counter
from collections.abc import Callable

import msgspec
import numpy as np

from evals import scoring
from evals.catalog import DATASETS, history_of, load_cases, sets_for
from evals.results import CaseResult, SuiteResult
from evals.shape import answer_shape, answer_shape_held_out
from evals.stats import percentiles

LEVELS = ("urgent", "support", "none")


def cases_of(suite: str, need: str) -> list[tuple[str, dict]]:
    """(dataset, case) for every case of the suite's sets (those that exist) carrying the `need` field."""
    out = []
    for name in sets_for(suite):
        if (DATASETS / f"{name}.yaml").exists():
            out += [(name, c) for c in load_cases(name) if need in c]
    return out


def retrieval(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None]) -> SuiteResult:
    """hit@1, hit@5 and MRR by article id, over the passages the service actually retrieves (its k)."""
    k = pipeline.settings.retrieval_k
    results, ranks = [], []
    for _dataset, case in cases:
        vector = pipeline.embedder.embed([case["question"]])[0]
        ranked = [h.passage.article_id for h in pipeline.retriever.search(vector, k=k, query=case["question"])]
        rank = next((i for i, a in enumerate(ranked, 1) if a in set(case["articles"])), None)
        ranks.append(rank)
        results.append(CaseResult("retrieval", case["id"], case["question"], ", ".join(case["articles"]),
                                  ", ".join(ranked), rank == 1, 1.0 / rank if rank else 0.0,
                                  failures=[] if rank == 1 else [f"first right article at rank {rank or 'none'}"]))
        tick()
    n = len(ranks) or 1
    return SuiteResult("retrieval", {
        "retrieval.hit@1": sum(r == 1 for r in ranks) / n,
        "retrieval.hit@5": sum(r is not None and r <= 5 for r in ranks) / n,
        "retrieval.mrr": sum(1.0 / r for r in ranks if r) / n,
    }, results)


def risk(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None], name: str = "risk") -> SuiteResult:
    """Risk level through the real pipeline: precision and recall per level, confusion, false-urgent rate,
    and the share of urgent messages that at least get the crisis lines (a support reply carries them)."""
    confusion: Counter = Counter()
    results = []
    for dataset, case in cases:
        text = case.get("text") or case["question"]
        result = pipeline.answer(text, history_of(case), case.get("locale"))
        reply = result.reply
        got = reply.safety.level
        confusion[(case["level"], got)] += 1
        ok = got == case["level"]
        failures = [] if ok else [f"{case['level']} read as {got}"]
        if case["level"] == "urgent" and not reply.safety.resources:
            failures.append("no resources on an urgent case")
        results.append(CaseResult(name, f"{dataset}/{case['id']}", text, case["level"], got, ok and not failures[1:],
                                  float(ok), reply.answer if not ok else "", failures=failures))
        tick()
    levels, false_urgent = level_metrics(confusion)
    metrics = {f"{name}.{level}.{m}": v[m] for level, v in levels.items() for m in ("precision", "recall")}
    metrics[f"{name}.false_urgent_rate"] = false_urgent
    urgent = sum(confusion[("urgent", g)] for g in LEVELS)
    metrics[f"{name}.urgent.resourced"] = (urgent - confusion[("urgent", "none")]) / urgent if urgent else 1.0
    matrix = [[confusion[(t, g)] for g in LEVELS] for t in LEVELS]
    return SuiteResult(name, metrics, results, {"confusion": {"levels": list(LEVELS), "matrix": matrix}})


def risk_rounds(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None]) -> SuiteResult:
    """The risk metrics on the blind rounds the patterns were not widened for (the learned net trains on them)."""
    return risk(pipeline, cases, tick, name="risk_rounds")


def risk_held_out(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None]) -> SuiteResult:
    """The risk metrics on the newest blind round (never tuned on): reported, not gated."""
    return risk(pipeline, cases, tick, name="risk_held_out")


def level_metrics(confusion: Counter) -> tuple[dict[str, dict], float]:
    """Precision, recall and n per risk level from (labelled, got) counts, and the share of the negatives
    (support and none) raised to urgent."""
    levels = {}
    for level in LEVELS:
        tp = confusion[(level, level)]
        predicted = sum(confusion[(t, level)] for t in LEVELS)
        actual = sum(confusion[(level, g)] for g in LEVELS)
        levels[level] = {"precision": tp / predicted if predicted else 1.0, "recall": tp / actual if actual else 1.0,
                         "n": actual}
    negatives = sum(confusion[(t, g)] for t in ("support", "none") for g in LEVELS)
    return levels, sum(confusion[(t, "urgent")] for t in ("support", "none")) / negatives if negatives else 0.0


def scope(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None]) -> SuiteResult:
    """In or out of scope (urgent replies skip the decline, so they count as handled)."""
    results, right, out_total, out_caught = [], 0, 0, 0
    for dataset, case in cases:
        text = case.get("question") or case["text"]
        result = pipeline.answer(text)
        reply = result.reply
        # A message kept in scope because of risk still names the right help for its kind (risk beats scope).
        ok = reply.scope == case["scope"] or reply.safety.level == "urgent" or reply.scope_kind == case["kind"]
        right += ok
        if case["scope"] == "out":
            out_total += 1
            out_caught += ok
        got = reply.scope_kind if reply.scope == "out" else "in"
        results.append(CaseResult("scope", f"{dataset}/{case['id']}", text, case["kind"], got, ok, float(ok),
                                  reply.answer if not ok else "",
                                  failures=[] if ok else [f"expected {case['scope']} ({case['kind']}), got {got}"]))
        tick()
    n = len(results) or 1
    return SuiteResult("scope", {"scope.accuracy": right / n, "scope.out_recall": out_caught / (out_total or 1)},
                       results)


def answers(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None], name: str = "answers") -> SuiteResult:
    """Whole answers: key-point coverage, groundedness, citation validity, latency (in process)."""
    results, latencies, coverage, grounded_flags, citation_scores = [], [], [], [], []
    fallbacks = asked = 0
    for dataset, case in cases:
        t0 = time.perf_counter()
        result = pipeline.answer(case["question"])
        reply = result.reply
        latencies.append((time.perf_counter() - t0) * 1000)
        failures = []
        covered = scoring.key_points_covered(reply.answer, case["key_points"])
        coverage.append(sum(covered) / len(covered))
        failures += [f"missing key point: {' / '.join(kp[:3])}"
                     for kp, ok in zip(case["key_points"], covered) if not ok]
        if reply.scope != "in" or not reply.citations:
            # Crisis and decline replies are templates with no claims: nothing to ground, but the case fails.
            share, validity = 0.0, 1.0
            failures.append(f"not answered (scope {reply.scope}, risk {reply.safety.level})")
        else:
            share, support = scoring.groundedness(reply.answer, result.passages, pipeline.embedder, result.framing)
            grounded_flags += [b >= scoring.SUPPORT_THRESHOLD for _, b in support]
            failures += [f"unsupported sentence ({b:.2f}): {s[:80]}"
                         for s, b in support if b < scoring.SUPPORT_THRESHOLD]
            validity, problems = scoring.citation_validity(reply.answer, result.passages, pipeline.embedder)
            citation_scores.append(validity)
            failures += problems
        fallbacks += reply.fallback_reason is not None
        asked += reply.generator == "llm" or reply.fallback_reason is not None  # a crisis reply asks no model
        results.append(CaseResult(name, f"{dataset}/{case['id']}", case["question"],
                                  " | ".join(kp[0] for kp in case["key_points"]),
                                  f"{sum(covered)}/{len(covered)} key points, grounded {share:.2f}",
                                  not failures, (coverage[-1] + share + validity) / 3, reply.answer,
                                  msgspec.to_builtins(reply.citations), failures))
        tick()
    p50, p95 = percentiles(latencies) if latencies else (0.0, 0.0)
    metrics = {
        f"{name}.key_point_coverage": float(np.mean(coverage)) if coverage else 0.0,
        f"{name}.groundedness": float(np.mean(grounded_flags)) if grounded_flags else 1.0,
        f"{name}.citation_validity": float(np.mean(citation_scores)) if citation_scores else 1.0,
        f"{name}.fallback_rate": fallbacks / (asked or 1),  # of the answers the model was asked for
    }
    if name != "answers":  # the in-process latency figures come from the main answer sets only
        return SuiteResult(name, metrics, results)
    return SuiteResult(name, {**metrics, "latency.p50_ms": p50, "latency.p95_ms": p95}, results,
                       {"latencies_ms": latencies})


def answers_held_out(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None]) -> SuiteResult:
    """The answer metrics on questions written without seeing the composer (answers_holdout.yaml)."""
    return answers(pipeline, cases, tick, name="answers_held_out")


def disagreements(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None]) -> SuiteResult:
    """Questions where the articles disagree: is every side there, with its author named?"""
    results, complete = [], 0
    for _dataset, case in cases:
        result = pipeline.answer(case["question"])
        reply = result.reply
        flags = scoring.sides_presented(reply.answer, case["sides"])
        complete += all(flags)
        failures = [f"side missing or unattributed: {s['author']} ({' / '.join(s['phrasings'][:2])})"
                    for s, ok in zip(case["sides"], flags) if not ok]
        results.append(CaseResult("disagreements", case["id"], case["question"],
                                  " vs ".join(s["author"] for s in case["sides"]),
                                  f"{sum(flags)}/{len(flags)} sides", not failures, sum(flags) / len(flags),
                                  reply.answer, msgspec.to_builtins(reply.citations), failures))
        tick()
    return SuiteResult("disagreements", {"disagreements.coverage": complete / (len(results) or 1)}, results)


def replies(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None]) -> SuiteResult:
    """Drafts for the real reader comments, never drawing on the coach's own reply to that comment."""
    from service.workspace.drafting import Drafter

    drafter = Drafter(pipeline, leave_one_out=True)
    results, sims, coverage = [], [], []
    for _dataset, case in cases:
        draft = drafter.draft(case["commenter"], case["comment"], case.get("article_id"))
        vectors = pipeline.embedder.embed([draft.text or "", case["reference_reply"]])
        sims.append(float(vectors[0] @ vectors[1]))
        covered = scoring.key_points_covered(draft.text or "", case["key_points"])
        coverage.append(sum(covered) / len(covered))
        failures = [f"missing key point: {' / '.join(kp[:3])}" for kp, ok in zip(case["key_points"], covered) if not ok]
        results.append(CaseResult("replies", case["id"], case["comment"], case["reference_reply"],
                                  f"similarity {sims[-1]:.2f}, {sum(covered)}/{len(covered)} key points",
                                  not failures, (sims[-1] + coverage[-1]) / 2, draft.text or "", [], failures))
        tick()
    return SuiteResult("replies", {
        "replies.similarity": float(np.mean(sims)) if sims else 0.0,
        "replies.key_point_coverage": float(np.mean(coverage)) if coverage else 0.0,
    }, results)


NEEDS = {"retrieval": "articles", "risk": "level", "risk_rounds": "level", "risk_held_out": "level", "scope": "scope",
         "answers": "key_points", "answers_held_out": "key_points", "disagreements": "sides",
         "replies": "reference_reply", "shape": "question", "shape_held_out": "question"}
# ^ the field a case must carry to count in the suite
SUITES: dict[str, Callable] = {"retrieval": retrieval, "risk": risk, "risk_rounds": risk_rounds,
                               "risk_held_out": risk_held_out, "scope": scope,
                               "answers": answers, "answers_held_out": answers_held_out,
                               "disagreements": disagreements, "replies": replies,
                               "shape": answer_shape, "shape_held_out": answer_shape_held_out}


def suite_cases(name: str) -> list[tuple[str, dict]]:
    return cases_of(name, NEEDS[name])
