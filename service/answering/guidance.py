"""The coach's answer cards (knowledge/guidance/*.yaml): for a common question, the verdict in plain words and
the articles' own words behind it. Matched by meaning like the situations; checked against the articles when the
knowledge loads (`coach ingest` fails on a card that drifts from them)."""
from __future__ import annotations

import logging
import re
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from ..embeddings import Embedder
from ..errors import CorpusError
from ..guardrails.output import MIN_CLAIM_WORDS, SUPPORT_THRESHOLD, strip_attribution
from ..text import normalise_chat, normalise_quotes, split_sentences, squash
from .meaning import by_meaning, closeness, similarity, with_examples
from .question_kind import KINDS

log = logging.getLogger("coach")
# A question this close to a card's examples (meaning.closeness: the mean of its two best cosines, net of what all
# cards' examples share) is the card's question, if no other card is nearly as close. Set on the tuning sets
# (answers, answers_blind2): their right cards sit at 0.45-0.76, wrong best cards of uncovered questions at <= 0.47
# with a lead under 0.05. A card that only nearly matches is left to the sentence picker.
CARD_THRESHOLD = 0.42
CARD_LEAD = 0.05
# A card the question is near by plain meaning (its two closest examples) though not distinctly enough for card_for:
# the answer when nothing else in the articles is picked for it (otherwise "I couldn't find anything"). Set on the
# retired answer sets (the question alone): the four questions ending so that a card answers are at 0.449-0.52 and
# 0.06-0.08 ahead of the runner-up; the not-covered ones at most 0.42, and at most 0.04 ahead.
NEAREST_CARD = 0.44
NEAREST_LEAD = 0.05
NEARLY_AS_GOOD = 0.03
# Article id prefix -> the surname a verdict uses for its author ("zan-..." is Zan's).
COACHES = {"zan": "Zan", "barker": "Barker", "sakurai": "Sakurai"}
VERDICT_WORD = re.compile(r"^(yes|no|not at all|not necessarily|better not)\s*[:,.]\s*", re.I)


@dataclass(frozen=True)
class Support:
    article_id: str
    quote: str


@dataclass
class Card:
    id: str
    kind: str
    examples: tuple[str, ...]
    verdict: str
    support: tuple[Support, ...]
    path: Path | None = None
    patterns: tuple[re.Pattern, ...] = ()  # `match`: words that put a question on the card, confirmed by meaning
    vectors: np.ndarray | None = field(default=None, repr=False)  # the examples embedded (meaning.with_examples)
    centre: np.ndarray | None = field(default=None, repr=False)
    centred: np.ndarray | None = field(default=None, repr=False)
    cites: tuple[tuple[int, ...], ...] = ()  # per verdict sentence (split_sentences), the support quotes behind it

    @property
    def gives_sides(self) -> bool:
        """True for a card on a point the coaches disagree on (its verdict opens "The coaches differ")."""
        return self.verdict.lstrip().lower().startswith("the coaches differ")

    def verdict_sentences(self, question_kind: str) -> list[tuple[str, tuple[int, ...]]]:
        """(sentence, indices of its support quotes) of the verdict as the opening lines."""
        sentences = split_sentences(self.verdict_for(question_kind))
        return [(s, self.cites[i] if i < len(self.cites) else ()) for i, s in enumerate(sentences)]

    def verdict_for(self, question_kind: str) -> str:
        """The verdict as the opening line: "Yes:"/"No:" only for a question that asks yes or no."""
        if question_kind in ("yes_no", "should_i") or not VERDICT_WORD.match(self.verdict):
            return self.verdict
        rest = VERDICT_WORD.sub("", self.verdict, count=1)
        return rest[0].upper() + rest[1:]


def load_cards(folder: Path) -> list[Card]:
    """Every card in the folder, in file-name order; a malformed card raises CorpusError naming its file."""
    if not folder.is_dir():
        return []
    cards = []
    for path in sorted(folder.glob("*.yaml")):
        try:
            data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
            support = tuple(Support(s["article"], s["quote"]) for s in data["support"])
            card = Card(str(data["id"]), str(data.get("kind", "other")), tuple(data["examples"]),
                        " ".join(str(data["verdict"]).split()), support, path,
                        tuple(re.compile(m, re.I) for m in data.get("match") or ()))
        except re.error as exc:
            raise CorpusError(f"{path}: a `match` pattern is not a regular expression ({exc})") from exc
        except (yaml.YAMLError, KeyError, TypeError) as exc:
            raise CorpusError(f"{path}: not a guidance card ({type(exc).__name__}: {exc}); it needs id, kind, "
                              "examples, verdict and support (article, quote)") from exc
        if card.kind not in KINDS or not card.examples or not card.support or not card.verdict:
            raise CorpusError(f"{path}: kind must be one of {', '.join(KINDS)}, with examples, a verdict and "
                              "at least one support quote")
        cards.append(card)
    ids = [c.id for c in cards]
    if len(set(ids)) != len(ids):
        raise CorpusError(f"{folder}: two cards share an id ({sorted({i for i in ids if ids.count(i) > 1})})")
    return cards


def card_problems(cards: list[Card], article_texts: dict[str, str], embedder: Embedder) -> dict[str, list[str]]:
    """What is wrong with each card (by id): a quote not word for word in its article, or a verdict sentence the
    quotes don't support (the output check's claim-support measure and threshold)."""
    found: dict[str, list[str]] = {}
    articles = {a: squash(normalise_quotes(t)) for a, t in article_texts.items()}
    for card in cards:
        problems = found.setdefault(card.id, [])
        for s in card.support:
            if s.article_id not in articles:
                problems.append(f"{card.path.name}: cites {s.article_id!r}, which is not an article")
            elif squash(normalise_quotes(s.quote)) not in articles[s.article_id]:
                problems.append(f"{card.path.name}: quote not found word for word in {s.article_id}: "
                                f"{s.quote[:70]!r}")
        card.cites = _support_of_sentences(card, embedder, problems)
    return {card_id: problems for card_id, problems in found.items() if problems}


def coaches_named(text: str) -> set[str]:
    """The coaches a text names, as article id prefixes ("Zan says ..." -> {"zan"})."""
    return {a for a, name in COACHES.items() if re.search(rf"\b{re.escape(name)}\b", text)}


def coach_of(article_id: str) -> str:
    """The coach an article is by, as its id prefix ("zan-what-is..." -> "zan"; a key of COACHES when known)."""
    return article_id.split("-", 1)[0]


def _support_of_sentences(card: Card, embedder: Embedder, problems: list[str]) -> tuple[tuple[int, ...], ...]:
    """For each verdict sentence, the support quotes that back it (by the output check's measure and threshold);
    a claim no quote backs is a problem. Each sentence is cited to its own quotes, so every mark supports its line."""
    sentences = split_sentences(card.verdict)
    quoted = [(i, q) for i, s in enumerate(card.support) for q in split_sentences(s.quote)]
    claimed = [j for j, s in enumerate(sentences) if len(VERDICT_WORD.sub("", s).split()) >= MIN_CLAIM_WORDS]
    cites: list[tuple[int, ...]] = [() for _ in sentences]
    if not claimed or not quoted:
        return tuple(cites)
    texts = [strip_attribution(sentences[j]) for j in claimed] + [q for _, q in quoted]
    vectors = embedder.embed(texts)
    sims = vectors[:len(claimed)] @ vectors[len(claimed):].T
    for row, j in enumerate(claimed):
        # The quote that backs it best (and any nearly as good): a mark must point at the words the sentence rests on.
        named = coaches_named(sentences[j])
        allowed = [k for k, (i, _) in enumerate(quoted) if not named or coach_of(card.support[i].article_id) in named]
        row_sims = np.where(np.isin(np.arange(len(quoted)), allowed), sims[row], -1.0)
        # A sentence naming a coach ("Zan says ...") rests on that coach's quotes only.
        floor = max(SUPPORT_THRESHOLD, float(row_sims.max()) - NEARLY_AS_GOOD)
        backing = sorted({quoted[k][0] for k in np.flatnonzero(row_sims >= floor)})
        cites[j] = tuple(backing)
        if not backing:
            problems.append(f"{card.path.name}: verdict sentence not supported by its quotes (best similarity "
                            f"{float(row_sims.max()):.2f} < {SUPPORT_THRESHOLD}, from the coach it names if it "
                            f"names one): {sentences[j][:80]!r}")
    return tuple(cites)


def checked_cards(folder: Path, article_texts: dict[str, str], embedder: Embedder, *,
                  strict: bool = True) -> list[Card]:
    """The cards, each checked against the articles, their examples embedded (once, at startup). A card that
    drifts raises CorpusError (`coach ingest`); with strict=False (the serving app) it is left out and logged, so
    one bad edit never takes the answers down."""
    cards = load_cards(folder)
    problems = card_problems(cards, article_texts, embedder)
    if problems and strict:
        raise CorpusError("guidance cards that drift from the articles (fix or remove them):\n  "
                          + "\n  ".join(p for ps in problems.values() for p in ps))
    for card_id, ps in problems.items():
        log.warning("guidance card %s left out: %s", card_id, "; ".join(ps))
    return with_examples([c for c in cards if c.id not in problems], embedder)


def card_for(cards: list[Card], query_vector: np.ndarray,
             threshold: float = CARD_THRESHOLD) -> tuple[Card | None, float]:
    """The card whose examples are closest to the question, if it is close enough and clearly the closest."""
    units: dict = {}
    scored = sorted(((closeness(c, query_vector, units), c) for c in cards if c.vectors is not None),
                    key=lambda sc: sc[0], reverse=True)
    if not scored:
        return None, 0.0
    best, card = scored[0]
    runner_up = scored[1][0] if len(scored) > 1 else -1.0
    if best >= threshold and best - runner_up >= CARD_LEAD:
        return card, best
    return None, best


def card_by_words(cards: list[Card], question: str, views: list[np.ndarray]) -> Card | None:
    """A card whose `match` words the question uses, when its meaning agrees in one of the question's views (the
    disagreements' rule, meaning.by_meaning), the closest such; for a question whose story drowns its meaning ("his
    mam and I got very close... can I keep meeting her?")."""
    text = normalise_chat(question)
    fired = [c for c in cards if c.patterns and any(p.search(text) for p in c.patterns)]
    agreed: list[tuple[float, Card]] = []
    for vector in views if fired else []:
        found = next((c for c in by_meaning(cards, fired, vector) if any(c is f for f in fired)), None)
        if found is not None:
            agreed.append((closeness(found, vector) or 0.0, found))
    return max(agreed, key=lambda cf: cf[0])[1] if agreed else None


def nearest_card(cards: list[Card], query_vector: np.ndarray) -> Card | None:
    """The card nearest the question by plain meaning, when it is near enough and clearly the nearest."""
    scored = sorted(((similarity(c, query_vector) or 0.0, c.id, c) for c in cards), key=lambda t: t[0], reverse=True)
    if not scored or scored[0][0] < NEAREST_CARD:
        return None
    runner_up = scored[1][0] if len(scored) > 1 else 0.0
    return scored[0][2] if scored[0][0] - runner_up >= NEAREST_LEAD else None
