"""The grounded composer: an answer built from the articles' own sentences, no model server needed."""
from __future__ import annotations

import re
from dataclasses import replace
from pathlib import Path

from ....knowledge.store import StoredPassage
from ....prompts import render
from ....retrieval.knowledge_base import Hit, KnowledgeBase
from ....retrieval.search import Retriever
from ....text import squash
from ...coverage import Coverage
from ...reply import Citation
from ...situations import Situation, situation_of
from ..base import Composition, Context
from .selection import SentencePicker
from .sentences import under_heading

# The coach's verdict (a card) is the whole answer: no "More from the articles" under it. A blind reviewer called
# those bullets filler, a repeat of the verdict's quote or off the point in most card answers of answers_blind9
# (the main reason for "publishable after cutting"); without them the eval's key points moved 0.542 -> 0.533
# (answers), 0.561 -> 0.561 (answers_held_out).
GAP_POINTS = 1  # what the articles say nearby a question they don't answer: one principle, not a list (the second
# was filler or a repeat in answers_blind9's gap answers and carried no key point in any eval set)
GAP_RELEVANCE = 0.35  # ...at least this close (cosine) to the question itself
# Without a card, the coaches' sides or a gap: the lead sentence and at most two more. None of 32 answers of that
# shape was publishable unchanged (answers_blind5-7), most for off-point bullets; the third point was rarely the one
# a reviewer missed. A relevance floor as well (0.3-0.4) cut bullets that carried key points (answers_holdout -0.03
# to -0.08), as did trimming the points under the coaches' sides, so neither is done (the sides only lose a third).
STITCHED_POINTS = 2
# A reader who already asks about no contact ("should I go to the funeral even though we're doing no contact?", or
# "day 40 of no contact" a turn earlier) is not invited to "tell me more" about its no contact side: a blind
# reviewer read that as not listening.
NAMES_NO_CONTACT = re.compile(r"\bno[- ]?contact\b|\bnc\b", re.I)
# Under the coaches' sides: two more sentences at most, not three. A blind reviewer called the third filler or a
# repeat in most such answers of answers_blind15; keeping only one (or only those with cosine >= 0.4-0.5 to the
# question) cost key points the tail carried (answers -0.02 to -0.045, answers_held_out -0.017 to -0.056).
DIFFERENCE_TAIL = 2


def names_no_contact(conversation) -> bool:
    """True when the reader named no contact in the question or an earlier message of theirs."""
    return any(NAMES_NO_CONTACT.search(text) for text in (conversation.question, *conversation.user_turns))


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
            if c.quote in quote:  # the same words and the next sentence: one quote, not the first said twice
                c.quote = quote
            elif quote not in c.quote:
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
        """The answer in reading order: a kind word, the gap told plainly, the verdict (the coach's card) or the
        coaches' differing views, then the articles' best sentences for the question."""
        plan = context.plan
        cited = _Citations()
        card = plan.card if plan is not None else None
        quoted = {pos.quote for d in context.differences for pos in d.positions}
        quoted |= {s.quote for s in card.support} if card else set()
        situation = plan.situation if plan is not None else situation_of(context, self.situations)
        verdict = self._verdict(plan, cited) if card else None
        # A card that gives the coaches' sides itself never comes with a disagreement's sides (plan.py drops it).
        differences = self._differences(context, cited)
        coverage = plan.coverage if plan is not None else None
        told = coverage is not None and coverage.told
        most = GAP_POINTS + 1 if told else None  # one spare, for a first pick below the relevance floor
        # A gap the coach named (a death, a child's questions) gets only the principle the coach chose for it, unless
        # a card or the coaches' sides answer the rest: a sentence picked by closeness ("NO, you should NOT tell
        # your ex" for a funeral) answers some other reader.
        named_only = told and coverage.gap is not None and not verdict and not differences
        chosen = [] if named_only or verdict else self.picker.select(context, quoted, situation, most=most)
        if told:  # the nearest principle: nothing merely sharing a word or two with the question
            chosen = [p for p in chosen if float(p[0].vector @ context.query_vector) >= GAP_RELEVANCE][:GAP_POINTS]
        elif not differences:
            chosen = chosen[:1 + STITCHED_POINTS]  # the lead and two more
        else:
            chosen = chosen[:DIFFERENCE_TAIL]
        # A point that holds a quote the verdict or a coach's side already gave says it twice (a side's sentence
        # and the one after it, as a bullet under the sides; the gap's closest principle when the card rests on it).
        said = [squash(q) for q in quoted]
        points = self._nearest(coverage.gap, cited, said) if told and coverage.gap is not None else []
        points += [{"text": text, "author": c.passage.author, "n": cited.cite(c.passage, quote),
                    "reply": c.passage.roles[c.index] == "reply"} for c, text, quote in chosen
                   if not any(quote in p["text"] or p["text"] in quote for p in points)
                   and not any(q in squash(quote) for q in said)]
        framing = self._framing(plan, told)
        if not points and not differences and not verdict and plan is not None and plan.nearest is not None:
            # Nothing picked, but a card the question is near: its answer, rather than "I couldn't find anything".
            nearer = replace(plan, card=plan.nearest, nearest=None, coverage=Coverage("covered", topic=plan.nearest.id))
            return self.compose(replace(context, plan=nearer), stream=stream)
        if not points and not differences and not verdict:
            kind = framing[:1] if plan is not None and plan.feeling else []  # the kind word, not the gap line
            text = "\n\n".join([*kind, render(self.prompts_dir, "no_answer.j2", gap=coverage.gap if told else None,
                                                asks_about_no_contact=names_no_contact(context.conversation))])
            return Composition(text, [], self.name, framing=tuple(kind), coverage="not_covered",
                               topic=coverage.topic if coverage else None)
        lead = None if (verdict or differences or told) else (points.pop(0) if points else None)
        text = render(self.prompts_dir, "grounded_answer.j2", framing=framing, verdict=verdict, lead=lead,
                      points=points, differences=differences, gap_told=told)
        return Composition(text, cited.citations, self.name, cited.passages, framing=tuple(framing),
                           coverage=coverage.level if coverage else "covered",
                           topic=(card.id if card else coverage.topic if coverage else None))

    def _framing(self, plan, told: bool) -> list[str]:
        """Our own lines, making no claim: a kind word for the reader's feeling, the gap told plainly."""
        lines = []
        if plan is not None and plan.feeling:
            lines.append(render(self.prompts_dir, "feeling.j2", feeling=plan.feeling))
        if told:
            lines.append(render(self.prompts_dir, "gap.j2", gap=plan.coverage.gap, level=plan.coverage.level,
                                verdict=plan.card is not None))
        return [line for line in lines if line]

    def _nearest(self, gap, cited: _Citations, said: list[str]) -> list[dict]:
        """The coach's chosen closest principle for a known gap (knowledge/gaps.yaml `nearest`), quoted and cited,
        unless the answer already quotes it (`said`)."""
        points = []
        for article_id, quote in gap.nearest:
            if any(q in squash(quote) or squash(quote) in q for q in said):
                continue
            passage = self.passage_with(article_id, quote)
            if passage is not None:
                text = under_heading(passage.heading, quote) or quote  # "In these situations…" needs its heading
                points.append({"text": text, "author": passage.author, "n": cited.cite(passage, quote),
                               "reply": False})
        return points

    def _verdict(self, plan, cited: _Citations) -> dict | None:
        """The card's verdict, cited to the passages holding its quotes, and those quotes as evidence."""
        card = plan.card
        passages = {i: self.passage_with(s.article_id, s.quote) for i, s in enumerate(card.support)}
        lines = []
        # After a told gap the yes/no the reader asked may be the part the articles don't cover ("is a coach the
        # same as a therapist?"): the verdict without its "Yes:"/"No:".
        for sentence, backing in card.verdict_sentences("other" if plan.coverage.told else plan.kind):
            # Cited in reading order, only the quotes a sentence rests on: every mark in the text has its source.
            numbers = dict.fromkeys(cited.cite(passages[i], card.support[i].quote) for i in backing
                                    if passages.get(i) is not None)  # two quotes of one passage: one mark
            marks = "".join(f" [{n}]" for n in numbers)
            # The marks go before the full stop ("... the end of the world [1]. Resume ..."), so each sentence
            # keeps its own marks when the answer is split into sentences (the output check, the evals).
            end = len(sentence.rstrip(".!?…")) if marks else len(sentence)
            lines.append(sentence[:end] + marks + sentence[end:])
        if not cited.citations:
            return None  # its quotes are no longer in the index (an article changed): the picker answers instead
        return {"text": " ".join(lines)}

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
               prefer_article: str | None = None, limit: int = 4, own: frozenset[str] = frozenset(),
               shown: frozenset[str] = frozenset()) -> list[tuple[StoredPassage, str]]:
        """(passage, sentence to show) for the best advice sentences, without the answer's framing.

        Used by the coach's reply drafts: `skip_passages` are never drawn on and sentences from
        `prefer_article` get a small bonus; `own` are the threads answering this very reader. compose() does not
        use it. `shown`: quotes the draft already rests on (its opening verdict's), never repeated."""
        # Drafts answer one reader's whole comment, which often names several situations: the first one named
        # serves it better than the one closest to the whole comment (replies similarity 0.394 against 0.365),
        # and the situation's anchors would crowd out the rest of it.
        situation = situation_of(context, self.situations, meaning=False)
        chosen = self.picker.select(context, set(shown), situation, frozenset(skip_passages), prefer_article,
                                    anchors=False, own=frozenset(own))
        return [(c.passage, text) for c, text, _ in chosen[:limit]]

    def passage_with(self, article_id: str, quote: str) -> StoredPassage | None:
        """The passage holding a quote (the disagreements' sides); found once, then remembered."""
        key = (article_id, quote)
        if key not in self._quoted:
            wanted = squash(quote)
            self._quoted[key] = next((p for p in self.kb.passages.values()
                                      if p.article_id == article_id and wanted in squash(p.text)), None)
        return self._quoted[key]
