"""The grounded composer: an answer built from the articles' own sentences, no model server needed."""
from __future__ import annotations

from pathlib import Path

from ....knowledge.store import StoredPassage
from ....prompts import render
from ....retrieval.knowledge_base import Hit, KnowledgeBase
from ....retrieval.search import Retriever
from ....text import squash
from ...reply import Citation
from ...situations import Situation, situation_of
from ..base import Composition, Context
from .selection import SentencePicker


class _Citations:
    """Numbers passages in the order they are first cited; a second quote from one passage joins its citation."""

    def __init__(self):
        self.citations: list[Citation] = []
        self.passages: list[StoredPassage] = []
        self._numbers: dict[str, int] = {}

    def cite(self, passage: StoredPassage, quote: str) -> int:
        if passage.id not in self._numbers:
            self._numbers[passage.id] = len(self.citations) + 1
            self.passages.append(passage)
            self.citations.append(Citation(self._numbers[passage.id], passage.article_id, passage.title,
                                           passage.author, passage.url, quote))
        else:
            c = self.citations[self._numbers[passage.id] - 1]
            if quote not in c.quote:
                c.quote = f"{c.quote} … {quote}"
        return self._numbers[passage.id]


class GroundedComposer:
    """Picks the retrieved sentences that best answer the question, attributes and cites each."""

    name = "grounded"

    def __init__(self, prompts_dir: Path, kb: KnowledgeBase, retriever: Retriever | None = None,
                 situations: list[Situation] | None = None):
        self.prompts_dir = prompts_dir
        self.kb = kb
        self.retriever = retriever or Retriever(kb)
        self.situations = situations or []
        self.picker = SentencePicker(kb, self.retriever, self.situations)
        self._quoted: dict[tuple[str, str], StoredPassage | None] = {}

    def compose(self, context: Context, *, stream: bool = False) -> Composition:
        cited = _Citations()
        quoted = {pos.quote for d in context.differences for pos in d.positions}
        situation = situation_of(context, self.situations)
        chosen = self.picker.select(context, quoted, situation)
        differences = self._differences(context, cited)
        # Citations are numbered in reading order: the differences come first when there are any.
        points = [{"text": text, "author": c.passage.author, "n": cited.cite(c.passage, quote)}
                  for c, text, quote in chosen]
        if not points and not differences:
            return Composition(render(self.prompts_dir, "no_answer.j2"), [], self.name)
        intro = situation.id if situation else next((d.id for d in context.differences), "general")
        if not points:
            text = render(self.prompts_dir, "grounded_answer.j2", situation=intro, lead=None, points=[],
                          differences=differences)
            framing = render(self.prompts_dir, "grounded_answer.j2", situation=intro, lead=None, points=[],
                             differences=[])
            return Composition(text, cited.citations, self.name, cited.passages, framing=(framing,))
        lead, rest = points[0], points[1:]
        text = render(self.prompts_dir, "grounded_answer.j2", situation=intro, lead=lead, points=rest,
                      differences=differences)
        return Composition(text, cited.citations, self.name, cited.passages, framing=(text.split("\n\n", 1)[0],))

    def _differences(self, context: Context, cited: _Citations) -> list[dict]:
        """Each disagreement the question is about, with every side found in the articles, cited."""
        differences = []
        for d in context.differences:
            positions = []
            for pos in d.positions:
                passage = self.passage_with(pos.article_id, pos.quote)
                if passage is not None:
                    positions.append({"author": passage.author, "view": pos.view, "quote": pos.quote,
                                      "n": cited.cite(passage, pos.quote)})
            if len({p["author"] for p in positions}) > 1 or len(positions) > 1:
                differences.append({"summary": d.summary, "positions": positions})
        return differences

    def extra_hits(self, context: Context, n: int = 12) -> list[Hit]:
        """Passages below the top k holding a sentence close to the (situation-focused) question."""
        return self.picker.extra_hits(context, None, n=n)

    def advice(self, context: Context, *, skip_passages: frozenset[str] | set[str] = frozenset(),
               prefer_article: str | None = None, limit: int = 4) -> list[tuple[StoredPassage, str]]:
        """(passage, sentence to show) for the best advice sentences, without the answer's framing.

        Used by the coach's reply drafts: `skip_passages` are never drawn on and sentences from
        `prefer_article` get a small bonus. compose() does not use it."""
        # Drafts answer one reader's whole comment, which often names several situations: the first one named
        # serves it better than the one closest to the whole comment (replies similarity 0.394 against 0.365),
        # and the situation's anchors would crowd out the rest of it.
        situation = situation_of(context, self.situations, meaning=False)
        chosen = self.picker.select(context, set(), situation, frozenset(skip_passages), prefer_article,
                                    anchors=False)
        return [(c.passage, text) for c, text, _ in chosen[:limit]]

    def passage_with(self, article_id: str, quote: str) -> StoredPassage | None:
        """The passage holding a quote (the disagreements' sides); found once, then remembered."""
        key = (article_id, quote)
        if key not in self._quoted:
            wanted = squash(quote)
            self._quoted[key] = next((p for p in self.kb.passages.values()
                                      if p.article_id == article_id and wanted in squash(p.text)), None)
        return self._quoted[key]
