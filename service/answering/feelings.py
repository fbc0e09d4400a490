"""The feeling a reader's message shows (grief, fear, shame), from knowledge/feelings.yaml, for a kind first line."""
from __future__ import annotations

from pathlib import Path

import yaml

from ..patterns import PatternSet
from ..text import normalise_chat


class FeelingCheck:
    """The first feeling (in the file's order) whose patterns fire on a message."""

    def __init__(self, feelings: dict[str, PatternSet]):
        self.feelings = feelings

    @classmethod
    def load(cls, path: Path) -> FeelingCheck:
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
        return cls({name: PatternSet(patterns) for name, patterns in ((data or {}).get("feelings") or {}).items()})

    def of(self, message: str) -> str | None:
        text = normalise_chat(message)
        return next((name for name, patterns in self.feelings.items() if patterns.search_any(text)), None)
