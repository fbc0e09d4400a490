"""Matching a question to items by meaning: the mean of its two best cosines with an item's example questions.

Shared by the disagreements and the grounded composer's situations; the examples are coach-editable and
embedded once at startup (with_examples)."""
from __future__ import annotations

import dataclasses
import heapq
from collections.abc import Sequence
from typing import TypeVar

import numpy as np

# Closeness is the mean of a question's two best cosines with a topic's example questions, after removing
# what all the examples share ("a question about no contact"), so it measures the topic alone.
# Thresholds set on evals/datasets (disagreement_cases, retrieval, answers) and on questions written apart from them.
SURE = 0.42  # this close, a topic matches by meaning alone...
LEAD = 0.15  # ...if it leads every other topic by this much
FLOOR = 0.15  # a pattern that fires on a topic less close than this is a false trigger ("I can't ghost her, we
MARGIN = 0.08  # share a shop"), as is one when another topic is closer by more than MARGIN


T = TypeVar("T")


def with_examples(items: Sequence[T], embedder) -> list[T]:
    """Each item's `examples` embedded once (at startup, one call for all), as they are (`vectors`) and less the
    centre of all of them (`centred`, unit rows)."""
    texts = [e for item in items for e in item.examples]
    if not texts:
        return list(items)
    vectors = np.asarray(embedder.embed(texts), dtype=np.float32)
    centre = vectors.mean(axis=0)
    centred = _unit(vectors - centre)
    out, start = [], 0
    for item in items:
        n, rows = len(item.examples), slice(start, start + len(item.examples))
        out.append(dataclasses.replace(item, vectors=vectors[rows] if n else None, centre=centre,
                                       centred=centred[rows] if n else None))
        start += n
    return out


def closeness(item, query_vector: np.ndarray | None, _units: dict | None = None) -> float | None:
    """How close a question is to an item's examples, net of what all examples share; None without them."""
    if query_vector is None or getattr(item, "vectors", None) is None:
        return None
    units = {} if _units is None else _units  # the question less a centre, once per centre (items share one)
    if id(item.centre) not in units:
        units[id(item.centre)] = _unit(query_vector - item.centre)
    return _two_best(item.centred @ units[id(item.centre)])


def similarity(item, query_vector: np.ndarray | None) -> float | None:
    """Plain cosine of a question with an item's examples (comparable across sets with different centres)."""
    if query_vector is None or getattr(item, "vectors", None) is None:
        return None
    return _two_best(item.vectors @ query_vector)


def direction(item) -> np.ndarray | None:
    """What an item's examples share beyond the common centre (a unit vector), or None without examples."""
    if getattr(item, "vectors", None) is None:
        return None
    return _unit(item.centred.mean(axis=0))


def by_meaning(items: Sequence[T], fired: Sequence[T], query_vector: np.ndarray | None) -> list[T]:
    """The items a question is about, closest first: a fired pattern its meaning confirms, or a very close meaning.

    Items without examples (or calls without a query vector) fall back to the patterns alone."""
    units: dict = {}
    close = [closeness(i, query_vector, units) for i in items]
    known = sorted((c for c in close if c is not None), reverse=True)
    if not known:
        return list(fired)
    best, runner_up = known[0], known[1] if len(known) > 1 else -1.0
    fired_ids = {id(i) for i in fired}
    kept = []  # (closeness, item)
    for item, c in zip(items, close):
        if id(item) in fired_ids:
            ok = c is None or (c >= FLOOR and c >= best - MARGIN)
        else:
            ok = c == best and best >= SURE and best - runner_up >= LEAD
        if ok:
            kept.append((best if c is None else c, item))
    kept.sort(key=lambda k: -k[0])
    return [item for _, item in kept]


def _two_best(sims: np.ndarray) -> float:
    top = heapq.nlargest(2, sims.tolist())  # a handful of examples: cheaper than numpy's sort and mean
    return float(sum(top) / len(top))


def _unit(x: np.ndarray) -> np.ndarray:
    return x / np.maximum(np.linalg.norm(x, axis=-1, keepdims=True), 1e-9)
