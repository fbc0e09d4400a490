"""The pipeline: safety -> scope -> retrieve -> compose -> check -> fallback. One query embedding per request."""
from __future__ import annotations

import logging
import time
import uuid
from dataclasses import dataclass, field
from typing import Iterator


from . import checks, scope
from .compose import Citation, Composition, Context
from .compose.grounded import GroundedComposer, load_situations
from .corpus import load_articles
from .disagreements import Disagreement, load_disagreements, matching, with_examples
from .embeddings import Embedder, serving_embedder
from .prompts import render
from .resources import ResourceDirectory
from .retrieval import KnowledgeBase, Retriever, StoredPassage, query_text
from .risk_model import RiskModel
from .safety import SafetyAssessment, SafetyCheck, load_statements
from .settings import Settings

log = logging.getLogger("coach")


@dataclass
class Reply:
    """What the API returns for one question."""

    answer: str
    citations: list[Citation]
    scope: str
    safety: SafetyAssessment
    generator: str
    fallback_reason: str | None = None
    id: str = field(default_factory=lambda: uuid.uuid4().hex)
    scope_kind: str = "in"
    timings_ms: dict[str, float] = field(default_factory=dict)
    passages: list[StoredPassage] = field(default_factory=list)  # cited passages, in citation order
    framing: tuple[str, ...] = ()  # template lines (intro, support note): no claims to check
    def as_dict(self) -> dict:
        return {"id": self.id, "answer": self.answer, "citations": [c.as_dict() for c in self.citations],
                "scope": self.scope, "safety": self.safety.as_dict(), "generator": self.generator,
                "fallback_reason": self.fallback_reason, "scope_kind": self.scope_kind}


@dataclass
class _Prepared:
    safety: SafetyAssessment
    scope: scope.ScopeResult
    context: Context | None
    passages: list[StoredPassage]
    timings: dict[str, float]


class Coach:
    """Built once per process (the app's lifespan); answer() is safe to call from many threads."""

    def __init__(self, settings: Settings, embedder: Embedder, kb: KnowledgeBase, safety: SafetyCheck,
                 disagreements: list[Disagreement], llm=None):
        self.settings = settings
        self.embedder = embedder
        self.kb = kb
        self.retriever = Retriever(kb)
        self.safety = safety
        self.disagreements = with_examples(disagreements, embedder)  # embedded once, like the situations below
        situations = with_examples(load_situations(settings.knowledge_dir / "situations.yaml"), embedder)
        if situations:  # embedded once here, so a request still costs one embedding call
            for situation, vector in zip(situations, embedder.embed([s.focus for s in situations])):
                situation.vector = vector
        self.grounded = GroundedComposer(settings.prompts_dir, kb, self.retriever, situations)
        self.llm = llm

    @classmethod
    def build(cls, settings: Settings, embedder: Embedder | None = None, llm=None,
              kb: KnowledgeBase | None = None) -> "Coach":
        embedder = embedder or serving_embedder(settings)
        kb = kb or KnowledgeBase.load(settings, embedder.name)
        directory = ResourceDirectory.load(settings.knowledge_dir / "resources.yaml")
        statements = load_statements(settings.knowledge_dir / "risk_statements.yaml")
        risk_model = RiskModel.load(settings.knowledge_dir / "risk_classifier.json")
        if risk_model is not None and risk_model.embedding_model != embedder.name:
            log.warning("risk_classifier.json was trained on %s embeddings, not %s: not used",
                        risk_model.embedding_model, embedder.name)
            risk_model = None
        safety = SafetyCheck(directory, statements, embedder.embed([s for _, s in statements]), model=risk_model)
        texts = {a.id: a.path.read_text(encoding="utf-8") for a in load_articles(settings.articles_dir) if a.path}
        disagreements = load_disagreements(settings.knowledge_dir / "disagreements.yaml", texts)
        if llm is None and settings.generator_name == "llm":
            from .compose.llm import LLMGenerator

            llm = LLMGenerator(settings)
        return cls(settings, embedder, kb, safety, disagreements, llm)

    @property
    def generator_name(self) -> str:
        return "llm" if self.llm is not None else "grounded"

    def answer(self, question: str, history: list[dict] | None = None, locale: str | None = None,
               accept_language: str | None = None) -> Reply:
        prepared = self._prepare(question, history or [], locale, accept_language)
        early = self._early_reply(prepared)
        if early is not None:
            return early
        return self._compose(prepared, stream=False)

    def answer_stream(self, question: str, history: list[dict] | None = None, locale: str | None = None,
                      accept_language: str | None = None) -> Iterator[tuple[str, object]]:
        """("delta", text) events, then ("done", Reply). Nothing unchecked is ever sent."""
        prepared = self._prepare(question, history or [], locale, accept_language)
        reply = self._early_reply(prepared) or self._compose(prepared, stream=True)
        for piece in _pieces(reply.answer):
            yield "delta", piece
        yield "done", reply

    # -- stages ---------------------------------------------------------------------------------------------

    def _prepare(self, question: str, history: list[dict], locale: str | None,
                 accept_language: str | None) -> _Prepared:
        timings: dict[str, float] = {}
        t0 = time.perf_counter()
        history = history[-self.settings.max_history_turns:]
        # One query embedding per request: retrieval, the safety net and the composer all use it.
        query = query_text(question, history)
        query_vector = self.embedder.embed([query])[0]
        timings["embed"] = _ms(t0)
        country = self.safety.directory.country_for(locale, accept_language)
        t = time.perf_counter()
        safety = self.safety.assess(question, history, message_vector=query_vector, country=country)
        timings["safety"] = _ms(t)
        in_scope = scope.check(question)
        if safety.level == "urgent" or in_scope.scope == "out":
            return _Prepared(safety, in_scope, None, [], timings)
        t = time.perf_counter()
        hits = self.retriever.search(query_vector, k=self.settings.retrieval_k, query=query)
        timings["retrieve"] = _ms(t)
        best_dense = float(max((h.passage.windows @ query_vector).max() for h in hits)) if hits else 0.0
        # A reader in distress is answered (with the support note), never turned away as off-topic.
        far = scope.far_from_articles(question, best_dense) if safety.level == "none" else None
        if far is not None:
            return _Prepared(safety, far, None, [], timings)
        differences = matching(self.disagreements, question, history, query_vector, self.grounded.situations)
        context = Context(question, history, query_vector, hits, differences, safety.level)
        # The model sees what the grounded composer draws on: top passages, sentence-level finds, both sides.
        passages = [h.passage for h in hits] + [h.passage for h in self.grounded.extra_hits(context, n=6)]
        for d in differences:  # the passages holding each side of a disagreement are context too
            for pos in d.positions:
                p = self.grounded.passage_with(pos.article_id, pos.quote)
                if p is not None and p not in passages:
                    passages.append(p)
        return _Prepared(safety, in_scope, context, passages, timings)

    def _early_reply(self, prepared: _Prepared) -> Reply | None:
        """Urgent risk and out-of-scope requests are answered without retrieval or any model."""
        if prepared.safety.level == "urgent":
            text = render(self.settings.prompts_dir, "urgent.j2", categories=prepared.safety.categories,
                          resources=[r.as_dict() for r in prepared.safety.resources])
            return Reply(text, [], prepared.scope.scope, prepared.safety, "grounded", None,
                         scope_kind=prepared.scope.kind, timings_ms=prepared.timings)
        if prepared.scope.scope == "out":
            text = render(self.settings.prompts_dir, "decline.j2", kind=prepared.scope.kind)
            return Reply(self._with_support(text, prepared.safety), [], "out", prepared.safety, "grounded", None,
                         scope_kind=prepared.scope.kind, timings_ms=prepared.timings)
        return None

    def _compose(self, prepared: _Prepared, *, stream: bool) -> Reply:
        context = prepared.context
        t = time.perf_counter()
        fallback_reason = None
        composition: Composition | None = None
        if self.llm is not None:
            composition, fallback_reason = self._try_llm(context, prepared.passages, prepared.safety.level, stream)
        if composition is None:
            composition = self.grounded.compose(context)
        prepared.timings["compose"] = _ms(t)
        if fallback_reason:
            log.warning("llm answer replaced by the grounded one: %s", fallback_reason)
        return Reply(self._with_support(composition.text, prepared.safety), composition.citations, "in",
                     prepared.safety, composition.generator, fallback_reason, timings_ms=prepared.timings,
                     passages=composition.passages, framing=composition.framing + self._support_framing(prepared.safety))

    def _try_llm(self, context: Context, passages: list[StoredPassage], level: str,
                 stream: bool) -> tuple[Composition | None, str | None]:
        from .compose.llm import GenerationError, citations_for

        try:
            text = "".join(self.llm.stream(context, passages)) if stream else self.llm.complete(context, passages)
        except GenerationError as exc:
            return None, str(exc)
        result = checks.verify(text, passages, self.embedder, level=level, system_prompt=self.llm.system_prompt())
        if not result.ok:
            return None, "output check failed: " + "; ".join(result.reasons)
        citations = citations_for(text, passages, context.query_vector, result.cited)
        # Renumber so citations read 1..n in the reply, as the grounded ones do.
        cited = [passages[n - 1] for n in result.cited]
        return Composition(_renumber(text, result.cited), _renumbered(citations), "llm", cited), None

    def _support_framing(self, safety: SafetyAssessment) -> tuple[str, ...]:
        if safety.level != "support":
            return ()
        return (render(self.settings.prompts_dir, "support_note.j2", categories=safety.categories),)

    def _with_support(self, text: str, safety: SafetyAssessment) -> str:
        if safety.level != "support":
            return text
        return f"{text}\n\n{self._support_framing(safety)[0]}"


def _renumber(text: str, cited: list[int]) -> str:
    mapping = {old: new for new, old in enumerate(cited, 1)}
    return checks.CITATION.sub(lambda m: f"[{mapping.get(int(m.group(1)), m.group(1))}]", text)


def _renumbered(citations: list[Citation]) -> list[Citation]:
    for new, c in enumerate(citations, 1):
        c.n = new
    return citations


def _pieces(text: str, size: int = 48) -> Iterator[str]:
    """Stream-sized pieces that split on word boundaries."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space + 1 if space > start else end
        yield text[start:end]
        start = end


def _ms(t0: float) -> float:
    return round((time.perf_counter() - t0) * 1000, 2)

