"""The answer's shape as a reader meets it (issue 13): a verdict first for yes/no questions, gaps told plainly,
every quoted sentence standing on its own, no point repeated, no stock point in most answers; with the usual key
points, groundedness and citation validity. No LLM judge: the blind reviewer's grades are recorded apart."""
from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable

import msgspec
import numpy as np

from evals import scoring
from evals.catalog import history_of
from evals.results import CaseResult, SuiteResult
from service.answering.question_kind import kind_of
from service.knowledge.standalone import ALONE, standing

VERDICT = re.compile(r"^(yes|no|not at all|not necessarily|better not|the coaches differ)\b", re.I)
GAP_TOLD = re.compile(r"\bthe articles don['’]t (talk about|cover)|\bcouldn['’]t find anything in the coaches['’] "
                      r"articles|\bthat is a (legal|medical) question|\bthat['’]s outside what i can help with", re.I)
HEADING = re.compile(r":$")
SIDE = re.compile(r'^- [A-Z][\w.]*(?: [A-Z][\w.]*)? \([^)]*\): "')
MARKS = re.compile(r"\s*\((?:Zan|Dave Barker|Carmen Sakurai)\)\s*|\s*\[\d+\]|\"$")
REPLY = re.compile(r'^[A-Z][\w.]*(?: [A-Z][\w.]*)? told a reader in the comments: "')
REPEAT = 0.85  # cosine between two quoted sentences of one answer that makes them the same point said twice
# The later blind sets write a key point as one sentence ("Zan: ... [article-id]"), not as phrasings to find: it is met
# when an answer sentence is this close in meaning (cosine). Set by eye on answers_blind15's key points and replies:
# from about 0.6 the closest sentence makes the same point; below, a neighbouring one. Scoring such a string as a list
# of phrasings read its letters one by one (any one-letter word, "a" or "I", met it), so those sets' key points
# counted as met almost always.
KEY_POINT_MEANING = 0.6
CITED = re.compile(r"\s*\[[^\]]*\]")
WHO = re.compile(r"^(nearest( principle)?,?\s*)?(dave barker|carmen sakurai|barker|sakurai|zan)( \([^)]*\))?\s*:\s*",
                 re.I)
# The later sets say "partly" and "not" for "partial" and "not_covered".
COVERAGE = {"partly": "partial", "not": "not_covered"}


def sentences_of(answer: str) -> list[str]:
    return [s for line in answer.splitlines() for s in re.split(r"(?<=[.!?])\s+", line.strip()) if s]


def verdict_first(answer: str, n: int = 2) -> bool:
    return any(VERDICT.match(s) for s in sentences_of(answer)[:n])


def quoted_lines(answer: str) -> list[str]:
    """The answer's lines that quote the articles, without our own headings, marks and attributions."""
    out = []
    for line in answer.splitlines():
        line = line.strip()
        if not line or HEADING.search(line):
            continue
        line = SIDE.sub("", re.sub(r"^- ", "", line) if not SIDE.match(line) else line)
        line = REPLY.sub("", line)
        out.append(MARKS.sub("", line).strip())
    return out


def dependent(answer: str, framing: tuple[str, ...]) -> list[str]:
    """Quoted lines that don't stand on their own (our own framing lines excepted)."""
    own = {f.strip() for f in framing}
    return [line for line in quoted_lines(answer) if line and line not in own and standing(line) != ALONE]


def key_points_met(embedder, answer: str, key_points: list) -> list[bool]:
    """One flag per key point: phrasings to find (a list, scoring.key_points_covered) or a sentence to match by
    meaning (a string: KEY_POINT_MEANING)."""
    phrased = [p for p in key_points if not isinstance(p, str)]
    written = [WHO.sub("", CITED.sub("", p)).strip() for p in key_points if isinstance(p, str)]
    flags = iter(scoring.key_points_covered(answer, phrased))
    met: list[bool] = []
    if written:
        sentences = [MARKS.sub("", s).strip() for s in sentences_of(answer)] or [""]
        vectors = embedder.embed(sentences + written)
        closest = (vectors[len(sentences):] @ vectors[:len(sentences)].T).max(axis=1)
        met = [bool(c >= KEY_POINT_MEANING) for c in closest]
    by_meaning = iter(met)
    return [next(by_meaning) if isinstance(p, str) else next(flags) for p in key_points]


def answer_shape(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None], name: str = "shape") -> SuiteResult:
    results, counts = [], Counter()
    quotes_per_answer: list[set[str]] = []
    key_points, grounded, validity = [], [], []
    for dataset, case in cases:
        result = pipeline.answer(case["question"], history_of(case))
        reply = result.reply
        answer, failures = reply.answer, []
        kind = case.get("kind") or kind_of(case["question"])
        coverage = COVERAGE.get(case.get("coverage"), case.get("coverage"))
        if kind in ("yes_no", "should_i") and coverage == "covered" and case.get("verdict"):
            counts["verdict_cases"] += 1
            if verdict_first(answer):
                counts["verdict_first"] += 1
            else:
                failures.append("yes/no question without a verdict in the first two sentences")
        told = bool(GAP_TOLD.search(" ".join(sentences_of(answer)[:4])))
        if coverage in ("partial", "not_covered"):
            counts["gap_cases"] += 1
            counts["gaps_told"] += told
            if not told:
                failures.append(f"{coverage} question not told the articles don't cover it")
        elif coverage == "covered":
            counts["covered_cases"] += 1
            counts["false_gaps"] += told
            if told:
                failures.append("covered question told it isn't covered")
        loose = dependent(answer, result.framing)
        counts["answers"] += 1
        counts["standalone"] += not loose
        failures += [f"sentence out of context: {line[:70]!r}" for line in loose]
        quotes = [q for c in reply.citations for q in c.quote.split(" … ")]
        quotes_per_answer.append(set(quotes))
        if len(quotes) > 1:
            vectors = pipeline.embedder.embed(quotes)
            sims = vectors @ vectors.T - np.eye(len(quotes)) * 2
            if float(sims.max()) >= REPEAT:
                counts["repeats"] += 1
                failures.append("the same point twice")
        if case.get("key_points") and reply.scope == "in":
            key_points.append(float(np.mean(key_points_met(pipeline.embedder, answer, case["key_points"]))))
        if reply.citations:
            share, _ = scoring.groundedness(answer, result.passages, pipeline.embedder, result.framing)
            grounded.append(share)
            validity.append(scoring.citation_validity(answer, result.passages, pipeline.embedder)[0])
        results.append(CaseResult(name, f"{dataset}/{case['id']}", case["question"], coverage or kind,
                                  f"{reply.coverage}, {kind}", not failures, 1.0 - min(1.0, len(failures) / 3),
                                  answer, msgspec.to_builtins(reply.citations), failures))
        tick()
    stock = Counter(q for quotes in quotes_per_answer for q in quotes)
    most = stock.most_common(1)[0][1] if stock else 0
    n = counts["answers"] or 1
    return SuiteResult(name, {
        f"{name}.verdict_first": counts["verdict_first"] / (counts["verdict_cases"] or 1),
        f"{name}.gaps_told": counts["gaps_told"] / (counts["gap_cases"] or 1),
        f"{name}.false_gap_rate": counts["false_gaps"] / (counts["covered_cases"] or 1),
        f"{name}.standalone": counts["standalone"] / n,
        f"{name}.repeats": counts["repeats"] / n,
        f"{name}.stock_point_share": most / n,
        f"{name}.key_point_coverage": float(np.mean(key_points)) if key_points else 0.0,
        f"{name}.groundedness": float(np.mean(grounded)) if grounded else 1.0,
        f"{name}.citation_validity": float(np.mean(validity)) if validity else 1.0,
    }, results)


def answer_shape_held_out(pipeline, cases: list[tuple[str, dict]], tick: Callable[[], None]) -> SuiteResult:
    """The same on the blind set written before the composer changed and never tuned on (answers_blind3)."""
    return answer_shape(pipeline, cases, tick, name="shape_held_out")
