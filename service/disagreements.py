"""Points where the articles disagree (knowledge/disagreements.yaml), matched to a question."""
from __future__ import annotations

import re
from dataclasses import dataclass
from pathlib import Path

import yaml

from .text import normalise_chat, squash


@dataclass(frozen=True)
class Position:
    article_id: str
    view: str
    quote: str


@dataclass(frozen=True)
class Disagreement:
    id: str
    summary: str
    patterns: tuple[re.Pattern, ...]
    positions: tuple[Position, ...]

    def matches(self, text: str) -> bool:
        return any(p.search(text) for p in self.patterns)


def load_disagreements(path: Path, article_texts: dict[str, str] | None = None) -> list[Disagreement]:
    """Parse the file; with article_texts, every quote must appear word for word in its article."""
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    topics = []
    for t in data.get("topics", []):
        positions = tuple(Position(p["article_id"], p["view"], p["quote"]) for p in t["positions"])
        if article_texts is not None:
            for pos in positions:
                text = article_texts.get(pos.article_id)
                if text is None:
                    raise ValueError(f"disagreement {t['id']!r}: unknown article {pos.article_id!r}")
                if squash(pos.quote) not in squash(text):
                    raise ValueError(f"disagreement {t['id']!r}: quote not found in {pos.article_id}: {pos.quote[:60]!r}")
        topics.append(Disagreement(t["id"], t["summary"], tuple(re.compile(m, re.I) for m in t["match"]), positions))
    return topics


def matching(topics: list[Disagreement], question: str, history: list[dict] | None = None) -> list[Disagreement]:
    """Topics the question is about (the reader's last turn counts for short follow-ups)."""
    text = normalise_chat(question)
    found = [t for t in topics if t.matches(text)]
    if not found and history and len(question.split()) < 12:
        previous = [h["content"] for h in history if h.get("role") == "user"][-1:]
        found = [t for t in topics if previous and t.matches(normalise_chat(previous[0]))]
    return found[:2]
