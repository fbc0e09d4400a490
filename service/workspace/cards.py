"""The coach edits answer cards (knowledge/guidance/*.yaml) from the workspace: each save is checked against the
articles the way `coach ingest` checks them, written atomically, and put to use at once."""
from __future__ import annotations

import os
import re
import tempfile
import threading
from dataclasses import replace

import yaml

from ..answering.assembly import article_texts
from ..answering.guidance import Card, Support, card_problems, load_cards
from ..answering.question_kind import KINDS
from ..errors import BadInput, NotFound, Unprocessable

CARD_ID = re.compile(r"^[a-z0-9][a-z0-9-]{0,59}$")
MAX_EXAMPLES, MAX_QUOTES, MAX_CHARS = 30, 5, 600


def card_dict(card: Card, problems: list[str] | None = None) -> dict:
    return {"id": card.id, "kind": card.kind, "examples": list(card.examples), "verdict": card.verdict,
            "support": [{"article": s.article_id, "quote": s.quote} for s in card.support],
            "problems": problems or []}


class CardEditor:
    """Reads and writes one card file at a time; a lock keeps two saves from interleaving."""

    def __init__(self, pipeline):
        self.pipeline = pipeline
        self.folder = pipeline.settings.knowledge_dir / "guidance"
        self._lock = threading.Lock()

    def cards(self) -> list[dict]:
        """Every card on disk with what is wrong with it, if anything (a card with problems is not in use)."""
        return self._checked(load_cards(self.folder))

    def card(self, card_id: str) -> dict:
        """One card and what is wrong with it: only that card is checked against the articles."""
        found = [c for c in load_cards(self.folder) if c.id == card_id]
        if not found:
            raise NotFound(f"no answer card {card_id!r}")
        return self._checked(found)[0]

    def _checked(self, cards: list[Card]) -> list[dict]:
        problems = card_problems(cards, self._texts(), self.pipeline.embedder)
        return [card_dict(c, problems.get(c.id)) for c in cards]

    def _texts(self) -> dict[str, str]:
        return article_texts(self.pipeline.settings.articles_dir)

    def save(self, card_id: str, kind: str, examples: list[str], verdict: str, support: list[dict]) -> dict:
        """Check and write a card (new or edited); 422 naming every problem when it drifts from the articles."""
        card = self._valid(card_id, kind, examples, verdict, support)
        kept = next((c for c in load_cards(self.folder) if c.id == card.id), None)
        if kept is not None:  # the workspace doesn't edit a card's `match` words: an edit keeps them
            card = replace(card, patterns=kept.patterns)
        texts = self._texts()
        problems = card_problems([card], texts, self.pipeline.embedder)
        if problems:
            raise Unprocessable("this card drifts from the articles, so it was not saved: "
                                + "; ".join(p.split(": ", 1)[1] for p in problems[card.id]))
        with self._lock:
            self._write(card)
            self.pipeline.planner.reload_cards(self.pipeline.embedder, texts)
        return card_dict(card)

    def _valid(self, card_id: str, kind: str, examples: list[str], verdict: str, support: list[dict]) -> Card:
        if not CARD_ID.match(card_id or ""):
            raise BadInput("a card id is 1-60 lower-case letters, digits and dashes")
        if kind not in KINDS:
            raise BadInput(f"kind must be one of {', '.join(KINDS)}")
        examples = [" ".join(e.split()) for e in examples if e and e.strip()]
        if not 1 <= len(examples) <= MAX_EXAMPLES or any(len(e) > MAX_CHARS for e in examples):
            raise BadInput(f"give 1-{MAX_EXAMPLES} example questions of at most {MAX_CHARS} characters")
        verdict = " ".join((verdict or "").split())
        if not verdict or len(verdict) > MAX_CHARS:
            raise BadInput(f"the verdict must be 1-{MAX_CHARS} characters")
        try:
            quotes = tuple(Support(str(s["article"]).strip(), " ".join(str(s["quote"]).split())) for s in support)
        except (KeyError, TypeError) as exc:
            raise BadInput("each support quote needs an article id and a quote") from exc
        if not 1 <= len(quotes) <= MAX_QUOTES or any(not q.article_id or not q.quote for q in quotes):
            raise BadInput(f"give 1-{MAX_QUOTES} support quotes, each with its article id")
        return Card(card_id, kind, tuple(examples), verdict, quotes, self.folder / f"{card_id}.yaml")

    def _write(self, card: Card) -> None:
        """Atomically: a reader of the folder sees the old card or the new one, never half of one."""
        self.folder.mkdir(parents=True, exist_ok=True)
        data = card_dict(card)
        data.pop("problems")
        if card.patterns:
            data["match"] = [p.pattern for p in card.patterns]
        body = yaml.safe_dump(data, allow_unicode=True, sort_keys=False, width=110)
        text = f"# Edited in the coach's workspace.\n{body}"
        fd, tmp = tempfile.mkstemp(dir=self.folder, prefix=f".{card.id}.", suffix=".tmp")
        with os.fdopen(fd, "w", encoding="utf-8") as out:
            out.write(text)
        os.replace(tmp, card.path)
