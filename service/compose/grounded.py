"""The grounded composer: an answer built from the articles' own sentences, no model server needed."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

import numpy as np
import yaml

from ..disagreements import by_meaning, direction
from ..prompts import render
from ..patterns import PatternSet
from ..retrieval import Hit, KnowledgeBase, Retriever, StoredPassage, query_text
from ..text import normalise_chat, normalise_quotes, squash
from . import Citation, Composition, Context

MAX_POINTS = 5  # the lead plus up to four points
DIFFERENCE_POINTS = 3  # when the coaches' differing views are shown, they are the answer: fewer points besides
MIN_POINTS = 3
PER_PASSAGE = 2
DUPLICATE_SIMILARITY = 0.78
LEAD_MARGIN = 0.1

_ADVICE = re.compile(
    r"^(do|don[’']t|do not|never|always|make sure|try|remember|avoid|block|stop|keep|focus|let|tell|ask|give|take|start|"
    r"resume|stay|continue|commit|send|remove|immediately|spend|replace|create|discover|join|volunteer|read|learn|cut|"
    r"forgive|journal|be|if you|when you|once you|whether you|i suggest|my advice|you (should|must|need|can|have to|[’']ll need|don[’']t have to))\b",
    re.I)
_ANAPHORA = re.compile(r"^(this|that|it|these|those|such|they|either|both|so|but|and|or|also|then|which|he or she|at first|now|again)\b", re.I)
_FIRST_PERSON = re.compile(r"(^|\s)(i|i[’']m|i[’']ve|my|me)\b", re.I)
_FIRST_PERSON_ADVICE = re.compile(r"\b(i suggest|i recommend|my advice|i strongly advise)\b", re.I)
_SIGN_OFF = re.compile(r"^(hi|hello|hey|kind regards|thank you|thanks|i[’']m here for you|feel free)\b", re.I)
_SPECIFIC_PERSON = re.compile(r"\b(she|he|her|him)\b", re.I)
_ABOUT_THEM = re.compile(r"^(she|he|they)\b", re.I)
_ABOUT_THE_SITE = re.compile(r"\b(articles?|(this|the) post|comments below|our blog|coaching (page|program|options))\b", re.I)
_QUOTE_CHARS = re.compile(r"^[“\"]|[”\"]$")
_HEADING_CONDITION = re.compile(r"^(?:#\d+\s*[–-]\s*)?((?:when|if)\b.*)$", re.I)

ANCHOR_BONUS = 0.12  # a sentence with the situation's (or disagreement's) advice words outranks generic lines
FOCUS_WEIGHT = 0.5  # share of the situation's focus (or the disagreement's direction) in the picking vector
# A sentence close to every question ("If you go no contact with your ex, you have to commit to it.") answers none
# in particular: its similarity to a typical reader question (the centre of the situations' examples) counts against it.
GENERIC_WEIGHT = 0.5
MIN_RELEVANCE = 0.15  # a point's cosine with the question itself; below it, it answers something else
PREFER_BONUS = 0.05  # advice(): sentences from the preferred article (the one a comment is on) score this much more


@dataclass
class Situation:
    id: str
    patterns: PatternSet
    focus: str
    vector: np.ndarray | None = None
    anchors: tuple[str, ...] = ()  # the articles' words for the advice that fits this situation best
    examples: tuple[str, ...] = ()  # readers' questions in this situation (matched by meaning, see disagreements)
    vectors: np.ndarray | None = None
    centre: np.ndarray | None = None
    centred: np.ndarray | None = None


def load_situations(path: Path) -> list[Situation]:
    if not path.is_file():
        return []
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [Situation(s["id"], PatternSet(s["match"]), s["focus"],
                      anchors=tuple(a.lower() for a in s.get("anchors") or ()),
                      examples=tuple(s.get("examples") or ())) for s in data.get("situations", [])]


@dataclass
class _Candidate:
    passage: StoredPassage
    hit_rank: int
    index: int  # sentence position within the passage
    text: str
    score: float
    vector: np.ndarray


def situation_of(context: Context, situations: list[Situation], meaning: bool = True) -> Situation | None:
    """The situation a question is about; None for a general question or one about a disagreement.

    By meaning (disagreements.by_meaning) unless meaning=False: then the first whose pattern fires."""
    if {"duration", "announce", "apology"} & {d.id for d in context.differences}:
        return None
    key = ("situation", meaning, id(situations))
    if key not in context.memo:  # asked for by the extra passages and by the composer: worked out once
        text = normalise_chat(context.question)
        fired = [s for s in situations if s.patterns.search_any(text)]
        found = by_meaning(situations, fired, context.query_vector if meaning else None)
        context.memo[key] = found[0] if found else None
    return context.memo[key]


class GroundedComposer:
    """Picks the retrieved sentences that best answer the question, attributes and cites each."""

    name = "grounded"

    def __init__(self, prompts_dir: Path, kb: KnowledgeBase, retriever: Retriever | None = None,
                 situations: list[Situation] | None = None):
        self.prompts_dir = prompts_dir
        self.kb = kb
        self.retriever = retriever or Retriever(kb)
        self.situations = situations or []
        self._quoted: dict[tuple[str, str], StoredPassage | None] = {}
        self._anchored: dict[tuple[str, ...], list[StoredPassage]] = {}
        self._generic_scores: np.ndarray | None = None

    def compose(self, context: Context) -> Composition:
        citations: list[Citation] = []
        cited: list[StoredPassage] = []
        numbers: dict[str, int] = {}

        def cite(passage: StoredPassage, quote: str) -> int:
            if passage.id not in numbers:
                numbers[passage.id] = len(citations) + 1
                cited.append(passage)
                citations.append(Citation(numbers[passage.id], passage.article_id, passage.title, passage.author,
                                          passage.url, quote))
            else:
                c = citations[numbers[passage.id] - 1]
                if quote not in c.quote:
                    c.quote = f"{c.quote} … {quote}"
            return numbers[passage.id]

        quoted = {pos.quote for d in context.differences for pos in d.positions}
        situation = situation_of(context, self.situations)
        chosen = self._select(context, quoted, situation)
        differences = []
        for d in context.differences:
            positions = []
            for pos in d.positions:
                passage = self.passage_with(pos.article_id, pos.quote)
                if passage is not None:
                    positions.append({"author": passage.author, "view": pos.view, "quote": pos.quote,
                                      "n": cite(passage, pos.quote)})
            if len({p["author"] for p in positions}) > 1 or len(positions) > 1:
                differences.append({"summary": d.summary, "positions": positions})
        # Citations are numbered in reading order: the differences come first when there are any.
        points = [{"text": text, "author": c.passage.author, "n": cite(c.passage, quote)} for c, text, quote in chosen]
        if not points and not differences:
            return Composition(render(self.prompts_dir, "no_answer.j2"), [], self.name)
        intro = situation.id if situation else next((d.id for d in context.differences), "general")
        if not points:
            return Composition(render(self.prompts_dir, "grounded_answer.j2", situation=intro, lead=None,
                                      points=[], differences=differences), citations, self.name, cited,
                               framing=(render(self.prompts_dir, "grounded_answer.j2", situation=intro, lead=None,
                                               points=[], differences=[]),))
        lead, rest = points[0], points[1:]
        text = render(self.prompts_dir, "grounded_answer.j2", situation=intro, lead=lead, points=rest,
                      differences=differences)
        return Composition(text, citations, self.name, cited, framing=(text.split("\n\n", 1)[0],))

    def _focus(self, context: Context, situation: Situation | None) -> tuple[np.ndarray, str]:
        """The vector and text that pick sentences: the question, leaning towards its situation or, without one,
        towards the disagreement it is about (what its example questions share beyond "no contact")."""
        query = query_text(context.question, context.history)
        vector = context.query_vector
        lean = situation.vector if situation is not None else None
        if lean is None and context.differences:
            lean = direction(context.differences[0])
        if lean is not None:
            vector = (1 - FOCUS_WEIGHT) * vector + FOCUS_WEIGHT * lean
            vector = vector / np.linalg.norm(vector)
        if situation is not None:
            query = f"{query} {situation.focus}"
        return vector, query

    def extra_hits(self, context: Context, situation: Situation | None = None, n: int = 12) -> list[Hit]:
        """Passages below the top k that hold one of the sentences closest to the (focused) question."""
        if situation is None:
            situation = situation_of(context, self.situations)
        vector, query = self._focus(context, situation)
        seen = {h.passage.id for h in context.hits}
        extra = []
        for passage, _, _ in self.retriever.closest_sentences(vector, n=n, query=query):
            if passage.id not in seen:
                seen.add(passage.id)
                extra.append(Hit(passage, self.retriever.passage_score(passage, context.query_vector)))
        return extra

    def advice(self, context: Context, *, skip_passages: frozenset[str] | set[str] = frozenset(),
               prefer_article: str | None = None, limit: int = 4) -> list[tuple[StoredPassage, str]]:
        """(passage, sentence to show) for the best advice sentences, without the answer's framing.

        Used by the coach's reply drafts: `skip_passages` are never drawn on and sentences from
        `prefer_article` get a small bonus. compose() does not use it."""
        # Drafts answer one reader's whole comment, which often names several situations: the first one named
        # serves it better than the one closest to the whole comment (replies similarity 0.394 against 0.365),
        # and the situation's anchors would crowd out the rest of it.
        situation = situation_of(context, self.situations, meaning=False)
        chosen = self._select(context, set(), situation, frozenset(skip_passages), prefer_article, anchors=False)
        return [(c.passage, text) for c, text, _ in chosen[:limit]]

    def _select(self, context: Context, exclude: set[str], situation: Situation | None,
                skip_passages: frozenset[str] = frozenset(),
                prefer_article: str | None = None, anchors: bool = True) -> list[tuple[_Candidate, str, str]]:
        """(candidate, text to show, the article's verbatim words to quote) for each chosen point."""
        vector, query = self._focus(context, situation)
        sentence_scores = self.retriever.sentence_scores(vector, query) - GENERIC_WEIGHT * self._generic()
        topic = situation or next(iter(context.differences), None)  # whose anchors lead
        anchor_words = topic.anchors if topic is not None and anchors else ()
        best_hit: dict[str, Hit] = {}  # each passage once, with its best score (retrieved, focused, anchored)
        for h in list(context.hits) + self.extra_hits(context, situation) + self._anchor_hits(anchor_words, vector):
            kept = best_hit.get(h.passage.id)
            if h.passage.id not in skip_passages and (kept is None or h.score > kept.score):
                best_hit[h.passage.id] = h
        hits = list(best_hit.values())
        candidates = self._candidates(hits, sentence_scores, exclude, prefer_article, anchor_words)
        if not candidates:
            return []
        candidates.sort(key=lambda c: c.score, reverse=True)
        best = candidates[0].score
        # The lead comes from the passage that best matches the (situation-focused) question when its best
        # sentence is nearly as good: a passage's score (windows, headings) is steadier than one sentence's
        # similarity ("two kids" ~ "an article or two").
        hit_scores = {h.passage.id: h.score for h in hits}  # hybrid: dense and lexical evidence
        focused = {c.passage.id: 0.5 * hit_scores.get(c.passage.id, 0.0)
                   + 0.5 * self.retriever.passage_score(c.passage, vector) for c in candidates}
        top_passage = max(focused, key=focused.get)
        from_top = [c for c in candidates if c.passage.id == top_passage]
        anchored = [c for c in candidates if anchor_words and _has_anchor(c.text, anchor_words)]
        if anchored:  # the situation's own advice leads ("limited no contact" for a coworker)
            candidates.remove(anchored[0])
            candidates.insert(0, anchored[0])
        elif from_top and from_top[0].score >= best - LEAD_MARGIN:
            candidates.remove(from_top[0])
            candidates.insert(0, from_top[0])
        most = DIFFERENCE_POINTS if context.differences else MAX_POINTS
        chosen: list[_Candidate] = []
        per_passage: dict[str, int] = {}
        for c in candidates:
            if chosen and float(c.vector @ context.query_vector) < MIN_RELEVANCE \
                    and not _has_anchor(c.text, anchor_words):
                continue  # a sentence that answers something else, however good its passage
            points = len(per_passage)  # sentences of one passage become one point
            if points >= most and c.passage.id not in per_passage:
                continue
            if points >= MIN_POINTS and c.score < best - 0.18:
                break
            if per_passage.get(c.passage.id, 0) >= PER_PASSAGE:
                continue
            if any(float(c.vector @ o.vector) > DUPLICATE_SIMILARITY for o in chosen):
                continue
            chosen.append(c)
            per_passage[c.passage.id] = per_passage.get(c.passage.id, 0) + 1
            if len(chosen) >= most + 2:
                break
        return self._merge([(c, *self._with_context(c, chosen)) for c in chosen])

    def _generic(self) -> np.ndarray:
        """How close each sentence is to a typical reader question (the centre of the situations' examples)."""
        if self._generic_scores is None:
            centre = next((s.centre for s in self.situations if s.centre is not None), None)
            self._generic_scores = (np.zeros(len(self.kb.sentence_rows), dtype=np.float32) if centre is None
                                    else self.kb.sentence_matrix @ (centre / np.linalg.norm(centre)))
        return self._generic_scores

    @staticmethod
    def _merge(points: list[tuple[_Candidate, str, str]]) -> list[tuple[_Candidate, str, str]]:
        """Two points from one passage read as one, in the article's order (one heading, one citation)."""
        merged: list[tuple[_Candidate, str, str]] = []
        for c, text, quote in points:
            same = next((i for i, (o, _, _) in enumerate(merged) if o.passage.id == c.passage.id), None)
            if same is None:
                merged.append((c, text, quote))
                continue
            o, o_text, o_quote = merged[same]
            first, second = ((o, o_text, o_quote), (c, text, quote)) if o.index < c.index else ((c, text, quote), (o, o_text, o_quote))
            second_text = _clean(second[0].text) if ": " in first[1] and ": " in second[1] else second[1]
            merged[same] = (first[0], f"{first[1]} {second_text}", f"{first[2]} … {second[2]}")
        return merged

    def _anchor_hits(self, anchors: tuple[str, ...], vector: np.ndarray) -> list[Hit]:
        """Passages (articles and the coaches' replies) holding any of the anchor words, retrieved or not
        (found once per set of anchors)."""
        if not anchors:
            return []
        if anchors not in self._anchored:
            self._anchored[anchors] = [p for p in self.kb.passages.values()
                                       if any(_has_anchor(s, anchors) for s in p.sentences)]
        return [Hit(p, self.retriever.passage_score(p, vector)) for p in self._anchored[anchors]]

    def _candidates(self, hits: list[Hit], sentence_scores: np.ndarray, exclude: set[str],
                    prefer_article: str | None = None, anchors: tuple[str, ...] = ()) -> list[_Candidate]:
        out = []
        for rank, hit in enumerate(hits):
            p = hit.passage
            commenter = p.heading.split(":", 1)[1].strip() if p.kind == "reader_qa" and ":" in p.heading else None
            for i, (sentence, role) in enumerate(zip(p.sentences, p.roles)):
                if role == "comment" or sentence in exclude:
                    continue
                adjust = _adjustment(sentence, commenter, role)
                if adjust is None:
                    continue
                sim = float(sentence_scores[self.kb.sentence_row[(p.id, i)]])
                # A sentence often leans on its passage ("in these situations"): the passage's score counts too.
                score = 0.55 * sim + 0.45 * hit.score + adjust
                if prefer_article is not None and p.article_id == prefer_article:
                    score += PREFER_BONUS
                if anchors and _has_anchor(sentence, anchors):
                    score += ANCHOR_BONUS
                out.append(_Candidate(p, rank, i, sentence, score, p.vectors[i]))
        return out

    @staticmethod
    def _with_context(c: _Candidate, chosen: list[_Candidate]) -> tuple[str, str]:
        """A sentence that leans on the one before it ("This means…") gets that sentence too; one under a
        conditional heading ("When you work at the same office…") gets the heading as its condition.
        Returns (text to show, verbatim quote)."""
        text = _clean(c.text)
        condition = _HEADING_CONDITION.match(c.passage.heading)
        if condition and c.passage.kind == "article":
            return f"{condition.group(1).rstrip('.')}: {text[0].lower() + text[1:]}", c.text
        if _ANAPHORA.match(text) and c.index > 0:
            prev = c.passage.sentences[c.index - 1]
            taken = any(o.passage.id == c.passage.id and o.index == c.index - 1 for o in chosen)
            if not taken and c.passage.roles[c.index - 1] != "comment" and not prev.rstrip().endswith("?") \
                    and len((prev + " " + text).split()) <= 70:
                return f"{_clean(prev)} {text}", f"{prev} {c.text}"
        return text, c.text

    def passage_with(self, article_id: str, quote: str) -> StoredPassage | None:
        """The passage holding a quote (the disagreements' sides); found once, then remembered."""
        key = (article_id, quote)
        if key not in self._quoted:
            wanted = squash(quote)
            self._quoted[key] = next((p for p in self.kb.passages.values()
                                      if p.article_id == article_id and wanted in squash(p.text)), None)
        return self._quoted[key]


def _has_anchor(sentence: str, anchors: tuple[str, ...]) -> bool:
    text = normalise_quotes(sentence).lower()
    return any(a in text for a in anchors)


@lru_cache(maxsize=4096)  # the corpus's sentences are few and fixed: judged once, not on every request
def _adjustment(sentence: str, commenter: str | None, role: str) -> float | None:
    """Score adjustment for how well a sentence reads as advice on its own; None drops it."""
    words = sentence.split()
    if len(words) < 4 or _SIGN_OFF.match(sentence) or sentence.rstrip().endswith(":"):
        return None
    if " / " in sentence:
        return None  # a table row: both columns read as one sentence ("You show strength / You look obsessed")
    if commenter and re.search(rf"\b{re.escape(commenter.rstrip('.'))}\b", sentence, re.I):
        return None  # addressed to another reader by name: never repeat readers' details (a word: "P." is no "p")
    adjust = 0.0
    if _ADVICE.match(sentence):
        adjust += 0.06
    if sentence.rstrip(" ”\"").endswith("?"):
        adjust -= 0.3
    if len(words) < 7:
        adjust -= 0.1
    if len(words) > 45:
        adjust -= 0.08
    if _ANAPHORA.match(sentence):
        adjust -= 0.04
    if _FIRST_PERSON.search(sentence) and not _FIRST_PERSON_ADVICE.search(sentence):
        adjust -= 0.08
    if role == "reply" and _SPECIFIC_PERSON.search(sentence):
        adjust -= 0.06  # a reply about one reader's ex reads oddly to someone else
    if role == "reply" and _ABOUT_THEM.match(sentence):
        adjust -= 0.1  # ...above all one about what that ex thinks or does ("She thinks you owe her...")
    if _ABOUT_THE_SITE.search(sentence):
        adjust -= 0.1  # points the reader to other reading, not advice for their situation
    return adjust


def _clean(sentence: str) -> str:
    s = _QUOTE_CHARS.sub("", sentence.strip()).strip()
    if s and s[-1] not in ".!?…":
        s += "."
    return s[0].upper() + s[1:] if s else s
