"""Which of the articles' sentences answer a question: candidates from the retrieved (and focused, and anchored)
passages, scored, the lead chosen, then points picked without repeats or strays."""
from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from ....knowledge.standalone import ALONE, NEVER, PREVIOUS, standing
from ....knowledge.store import StoredPassage
from ....retrieval.knowledge_base import Hit, KnowledgeBase
from ....retrieval.search import Retriever
from ...meaning import direction
from ...situations import Situation, situation_of
from ..base import Context
from .sentences import HEADING_CONDITION, SLIP_CONDITION, SLIP_SAID, adjustment, clean, has_anchor, under_heading

MAX_POINTS = 4  # picked: the lead plus up to three points (composer.py shows at most two after a stitched lead)
DIFFERENCE_POINTS = 3  # when the coaches' differing views are shown, they are the answer: fewer points besides
MIN_POINTS = 3
PER_PASSAGE = 2
DUPLICATE_SIMILARITY = 0.78
LEAD_MARGIN = 0.1
STRAY_MARGIN = 0.18  # past MIN_POINTS, a point this far below the best one is not worth showing
ANCHOR_BONUS = 0.12  # a sentence with the situation's (or disagreement's) advice words outranks generic lines
FOCUS_WEIGHT = 0.5  # share of the situation's focus (or the disagreement's direction) in the picking vector
# A sentence close to every question ("If you go no contact with your ex, you have to commit to it.") answers none
# in particular: its similarity to a typical reader question (the centre of the situations' examples) counts against it.
GENERIC_WEIGHT = 0.5
MIN_RELEVANCE = 0.15  # a point's cosine with the question itself; below it, it answers something else
PREFER_BONUS = 0.05  # sentences from the preferred article (the one a comment is on) score this much more
HEADING_FIT = 0.35  # cosine of the question with a conditional heading ("When you live with your ex") below which...
HEADING_MISFIT = 0.12  # ...its sentences lose this much: they answer another reader's situation


def _quoted(sentence: str, exclude: set[str]) -> bool:
    """True when the sentence is, holds or is held by a quote already shown (a verdict's or a coach's side)."""
    return sentence in exclude or any(q in sentence or sentence in q for q in exclude if len(q) > 20)


def _leans_on_usable(p: StoredPassage, i: int) -> bool:
    """A leaning sentence can be shown only with its predecessor: one of the coach's own sentences, not a question,
    standing alone, and the two short enough to read as one point."""
    if i == 0 or p.roles[i - 1] != p.roles[i] or (p.stands and p.stands[i - 1] != ALONE):
        return False
    prev = p.sentences[i - 1]
    if adjustment(prev, None, p.roles[i - 1]) is None:
        return False  # the sentence before it can't be shown either (the coach's own story, a sign-off)
    return not prev.rstrip(" ”\"").endswith("?") and len((prev + " " + p.sentences[i]).split()) <= 70


@dataclass
class Candidate:
    passage: StoredPassage
    index: int  # sentence position within the passage
    text: str
    score: float
    vector: np.ndarray


Point = tuple[Candidate, str, str]  # (candidate, text to show, the article's verbatim words to quote)


class SentencePicker:
    """Scores every usable sentence of the passages a question reaches and picks the answer's points."""

    def __init__(self, kb: KnowledgeBase, retriever: Retriever, situations: list[Situation]):
        self.kb = kb
        self.retriever = retriever
        self.situations = situations
        self._anchored: dict[tuple[str, ...], list[StoredPassage]] = {}
        self._generic_scores: np.ndarray | None = None

    def focus(self, context: Context, situation: Situation | None) -> tuple[np.ndarray, str]:
        """The vector and text that pick sentences: the question, leaning towards its situation or, without one,
        towards the disagreement it is about (what its example questions share beyond "no contact")."""
        query = context.conversation.query
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
        """Passages below the top k that hold one of the sentences closest to the (focused) question; without a
        situation, the one the question is about by meaning."""
        if situation is None:
            situation = situation_of(context, self.situations)
        vector, query = self.focus(context, situation)
        seen = {h.passage.id for h in context.hits}
        extra = []
        for passage, _, _ in self.retriever.closest_sentences(vector, n=n, query=query):
            if passage.id not in seen:
                seen.add(passage.id)
                extra.append(Hit(passage, self.retriever.passage_score(passage, context.query_vector)))
        return extra

    def select(self, context: Context, exclude: set[str], situation: Situation | None,
               skip_passages: frozenset[str] = frozenset(), prefer_article: str | None = None,
               anchors: bool = True, most: int | None = None, own: frozenset[str] = frozenset()) -> list[Point]:
        """The chosen points, lead first, each with the text to show and the verbatim words it quotes."""
        vector, query = self.focus(context, situation)
        topic = situation or next(iter(context.differences), None)  # whose anchors lead
        anchor_words = topic.anchors if topic is not None and anchors else ()
        hits = self._pool(context, situation, vector, anchor_words, skip_passages)
        scores = self.retriever.sentence_scores(vector, query) - GENERIC_WEIGHT * self._generic()
        candidates = self._candidates(hits, scores, exclude, prefer_article, anchor_words, own, context.query_vector)
        if not SLIP_SAID.search(" ".join([*context.conversation.user_turns, context.question])):
            candidates = [c for c in candidates if not SLIP_CONDITION.search(c.text)]  # advice for after a slip
        if not candidates:
            return []
        candidates.sort(key=lambda c: c.score, reverse=True)
        best = candidates[0].score
        self._lead_first(candidates, hits, vector, anchor_words, best)
        most = most or (DIFFERENCE_POINTS if context.differences else MAX_POINTS)
        chosen = self._pick(candidates, context.query_vector, anchor_words, most, best)
        return self._merge([(c, *self._with_context(c, chosen)) for c in chosen])

    def _pool(self, context: Context, situation: Situation | None, vector: np.ndarray,
              anchor_words: tuple[str, ...], skip: frozenset[str]) -> list[Hit]:
        """Each passage once, with its best score (retrieved, focused, anchored), none of `skip`."""
        best_hit: dict[str, Hit] = {}
        for h in list(context.hits) + self.extra_hits(context, situation) + self._anchor_hits(anchor_words, vector):
            kept = best_hit.get(h.passage.id)
            if h.passage.id not in skip and (kept is None or h.score > kept.score):
                best_hit[h.passage.id] = h
        return list(best_hit.values())

    def _lead_first(self, candidates: list[Candidate], hits: list[Hit], vector: np.ndarray,
                    anchor_words: tuple[str, ...], best: float) -> None:
        """Move the lead to the front: the situation's own advice ("limited no contact" for a coworker), else the
        best sentence of the passage that best matches the (focused) question when it is nearly as good: a
        passage's score (windows, headings) is steadier than one sentence's ("two kids" ~ "an article or two")."""
        anchored = [c for c in candidates if anchor_words and has_anchor(c.text, anchor_words)]
        if anchored:
            candidates.remove(anchored[0])
            candidates.insert(0, anchored[0])
            return
        hit_scores = {h.passage.id: h.score for h in hits}  # hybrid: dense and lexical evidence
        focused = {c.passage.id: 0.5 * hit_scores.get(c.passage.id, 0.0)
                   + 0.5 * self.retriever.passage_score(c.passage, vector) for c in candidates}
        top_passage = max(focused, key=focused.get)
        from_top = [c for c in candidates if c.passage.id == top_passage]
        if from_top and from_top[0].score >= best - LEAD_MARGIN:
            candidates.remove(from_top[0])
            candidates.insert(0, from_top[0])

    @staticmethod
    def _pick(candidates: list[Candidate], query_vector: np.ndarray, anchor_words: tuple[str, ...], most: int,
              best: float) -> list[Candidate]:
        """Points in order: at most `most` passages and PER_PASSAGE sentences each, no near-duplicates, none that
        answers something else (unless it carries the anchor words), none far below the best past MIN_POINTS."""
        chosen: list[Candidate] = []
        per_passage: dict[str, int] = {}
        for c in candidates:
            if chosen and float(c.vector @ query_vector) < MIN_RELEVANCE and not has_anchor(c.text, anchor_words):
                continue
            points = len(per_passage)  # sentences of one passage become one point
            if points >= most and c.passage.id not in per_passage:
                continue
            if points >= MIN_POINTS and c.score < best - STRAY_MARGIN:
                break
            if per_passage.get(c.passage.id, 0) >= PER_PASSAGE:
                continue
            if any(float(c.vector @ o.vector) > DUPLICATE_SIMILARITY for o in chosen):
                continue
            chosen.append(c)
            per_passage[c.passage.id] = per_passage.get(c.passage.id, 0) + 1
            if len(chosen) >= most + 2:
                break
        return chosen

    def _generic(self) -> np.ndarray:
        """How close each sentence is to a typical reader question (the centre of the situations' examples)."""
        if self._generic_scores is None:
            centre = next((s.centre for s in self.situations if s.centre is not None), None)
            self._generic_scores = (np.zeros(len(self.kb.sentence_rows), dtype=np.float32) if centre is None
                                    else self.kb.sentence_matrix @ (centre / np.linalg.norm(centre)))
        return self._generic_scores

    @staticmethod
    def _merge(points: list[Point]) -> list[Point]:
        """Two points from one passage read as one, in the article's order (one heading, one citation)."""
        merged: list[Point] = []
        for c, text, quote in points:
            same = next((i for i, (o, _, _) in enumerate(merged) if o.passage.id == c.passage.id), None)
            if same is None:
                merged.append((c, text, quote))
                continue
            o, o_text, o_quote = merged[same]
            first, second = ((o, o_text, o_quote), (c, text, quote)) if o.index < c.index \
                else ((c, text, quote), (o, o_text, o_quote))
            second_text = clean(second[0].text) if ": " in first[1] and ": " in second[1] else second[1]
            merged[same] = (first[0], f"{first[1]} {second_text}", f"{first[2]} … {second[2]}")
        return merged

    def _anchor_hits(self, anchors: tuple[str, ...], vector: np.ndarray) -> list[Hit]:
        """Passages (articles and the coaches' replies) holding any of the anchor words, retrieved or not
        (found once per set of anchors)."""
        if not anchors:
            return []
        if anchors not in self._anchored:
            self._anchored[anchors] = [p for p in self.kb.passages.values()
                                       if any(has_anchor(s, anchors) for s in p.sentences)]
        return [Hit(p, self.retriever.passage_score(p, vector)) for p in self._anchored[anchors]]

    def _candidates(self, hits: list[Hit], sentence_scores: np.ndarray, exclude: set[str],
                    prefer_article: str | None = None, anchors: tuple[str, ...] = (),
                    own: frozenset[str] = frozenset(), query_vector: np.ndarray | None = None) -> list[Candidate]:
        """`own`: reader Q&A passages answering this very reader (a draft to them): the coach's reply there may speak
        of their ex ("They were both at fault"), which a reply to someone else may not."""
        out = []
        for hit in hits:
            p = hit.passage
            commenter = p.heading.split(":", 1)[1].strip() if p.kind == "reader_qa" and ":" in p.heading else None
            stands = p.stands or [ALONE] * len(p.sentences)
            # A passage under a conditional heading ("When you ...:") answers only readers in that condition: how
            # close the question is to the heading alone (its own embedded view, the passage's last window).
            conditional = None
            if query_vector is not None and p.kind == "article" and HEADING_CONDITION.match(p.heading) \
                    and len(p.windows) > 1:
                conditional = float(p.windows[-1] @ query_vector)
            for i, (sentence, role) in enumerate(zip(p.sentences, p.roles)):
                if p.id in own and role == "reply":  # to this very reader, "They were both at fault" is clear
                    if standing(sentence) == NEVER:
                        continue
                elif role == "comment" or stands[i] == NEVER or _quoted(sentence, exclude):
                    continue
                elif stands[i] == PREVIOUS and not _leans_on_usable(p, i):
                    continue  # "If it is, …" after a question or another reader's words: it can't be shown
                adjust = adjustment(sentence, commenter, "own_reply" if p.id in own else role)
                if adjust is None:
                    continue
                sim = float(sentence_scores[self.kb.sentence_row[(p.id, i)]])
                # A sentence often leans on its passage ("in these situations"): the passage's score counts too.
                score = 0.55 * sim + 0.45 * hit.score + adjust
                if prefer_article is not None and p.article_id == prefer_article:
                    score += PREFER_BONUS
                if anchors and has_anchor(sentence, anchors):
                    score += ANCHOR_BONUS
                if conditional is not None and conditional < HEADING_FIT:
                    score -= HEADING_MISFIT  # "When you broke up MORE than six months ago:" for someone 5 weeks out
                out.append(Candidate(p, i, sentence, score, p.vectors[i]))
        return out

    @staticmethod
    def _with_context(c: Candidate, chosen: list[Candidate]) -> tuple[str, str]:
        """A sentence that leans on the one before it ("This means…") gets that sentence too; one under a
        conditional heading ("When you work at the same office…") gets the heading as its condition.
        Returns (text to show, verbatim quote)."""
        text = clean(c.text)
        stands = c.passage.stands or [ALONE] * len(c.passage.sentences)
        if stands[c.index] == PREVIOUS and _leans_on_usable(c.passage, c.index):  # shown with the one it leans on
            prev = c.passage.sentences[c.index - 1]
            taken = any(o.passage.id == c.passage.id and o.index == c.index - 1 for o in chosen)
            return (text, c.text) if taken else (f"{clean(prev)} {text}", f"{prev} {c.text}")
        conditioned = under_heading(c.passage.heading, text) if c.passage.kind == "article" else None
        return (conditioned or text), c.text
