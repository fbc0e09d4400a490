"""The coach's content-gap report: the questions the articles didn't answer well, grouped by topic, so the coach
knows which article to write next. A question told a named gap (knowledge/gaps.yaml) or answered from a card or
situation is grouped by that; the rest are grouped by meaning."""
from __future__ import annotations

from collections import Counter
from dataclasses import dataclass, field
from datetime import datetime

import numpy as np

from ..embeddings import Embedder
from ..text import words

SAME_TOPIC = 0.55  # cosine between two questions with no named topic that makes them one topic
EXAMPLES = 3
_DULL = frozenset("""
a an the and or but so to of in on at for with from by about as is are was were be been am i i'm i've me my
mine you your he she him her his hers they them their it it's its we our us this that these those what when
where why how who which do does did doing done have has had can could should would will just really very not
no don't can't won't ex ex's no contact after before now still even like get got if than then there here out
up any some all one two more most much many how's that's
""".split())  # noqa: SIM905 (a word list reads better as words)


@dataclass
class GapTopic:
    topic: str  # a card, situation or gap id, or "asked:<words>" for a group found by meaning
    label: str  # what the coach reads
    count: int = 0
    last_seen: datetime | None = None
    examples: list[str] = field(default_factory=list)
    reasons: Counter = field(default_factory=Counter)  # not_covered | partial | thumbs_down | model_replaced

    def as_dict(self) -> dict:
        return {"topic": self.topic, "label": self.label, "count": self.count,
                "last_seen": self.last_seen.isoformat() if self.last_seen else None,
                "examples": self.examples, "reasons": dict(self.reasons)}


def content_gaps(store, embedder: Embedder, labels: dict[str, str], limit: int = 50) -> dict:
    """The report as the API and the workspace page show it: topics, biggest first, and how many questions."""
    rows = store.gap_questions()
    topics = gap_report(rows, embedder, labels)
    return {"questions": len(rows), "count": len(topics[:limit]), "topics": [t.as_dict() for t in topics[:limit]]}


def reasons_of(row: dict) -> list[str]:
    out = [row["coverage"]] if row.get("coverage") in ("partial", "not_covered") else []
    if row.get("rating") == "down":
        out.append("thumbs_down")
    if row.get("fallback_reason"):
        out.append("model_replaced")
    return out


def gap_report(rows: list[dict], embedder: Embedder, labels: dict[str, str]) -> list[GapTopic]:
    """Rows (FeedbackStore.gap_questions, newest first) grouped into topics, the biggest first. `labels`: a plain
    name for each known topic id (the gaps' labels, cards' and situations' ids)."""
    topics: dict[str, GapTopic] = {}
    unnamed = [r for r in rows if not r.get("topic")]
    for row in rows:
        if row.get("topic"):
            key = row["topic"]
            _add(topics.setdefault(key, GapTopic(key, labels.get(key, key.replace("-", " ")))), row)
    for group in _by_meaning(unnamed, embedder):
        shared = _key_words([r["question"] for r in group])
        key = "asked:" + "-".join(shared)
        label = "readers asking about " + ", ".join(shared) if shared else "other questions"
        topic = topics.setdefault(key, GapTopic(key, label))
        for row in group:
            _add(topic, row)
    return sorted(topics.values(), key=lambda t: (-t.count, -(t.last_seen.timestamp() if t.last_seen else 0)))


def _add(topic: GapTopic, row: dict) -> None:
    topic.count += 1
    created = row.get("created_at")
    if created is not None and (topic.last_seen is None or created > topic.last_seen):
        topic.last_seen = created
    if len(topic.examples) < EXAMPLES and row["question"] not in topic.examples:
        topic.examples.append(row["question"])
    topic.reasons.update(reasons_of(row))


def _by_meaning(rows: list[dict], embedder: Embedder) -> list[list[dict]]:
    """Greedy grouping: each question joins the first group whose first question is SAME_TOPIC close."""
    if not rows:
        return []
    vectors = np.asarray(embedder.embed([r["question"] for r in rows]), dtype=np.float32)
    groups: list[tuple[np.ndarray, list[dict]]] = []
    for row, vector in zip(rows, vectors):
        home = next((g for g in groups if float(g[0] @ vector) >= SAME_TOPIC), None)
        if home is None:
            groups.append((vector, [row]))
        else:
            home[1].append(row)
    return [g[1] for g in groups]


def _key_words(questions: list[str], n: int = 3) -> list[str]:
    """The words a group's questions share most (not the everyday ones): a name for a topic found by meaning."""
    counts = Counter(w for q in questions for w in set(words(q)) if w not in _DULL and len(w) > 2)
    return [w for w, _ in counts.most_common(n)]
