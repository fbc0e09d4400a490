"""The pipeline: risk -> scope -> retrieve -> compose -> check -> fallback. One query embedding per request."""
from __future__ import annotations

import logging
import uuid
from collections.abc import Iterator
from dataclasses import replace

from ..embeddings import Embedder, serving_embedder
from ..errors import GenerationError, IndexUnavailable
from ..guardrails.language import detect as detect_language
from ..guardrails.risk import RiskAssessment, SafetyCheck
from ..guardrails.scope import ScopeCheck, ScopeResult, load_scope_check
from ..guardrails.second_opinion import RiskScreen, SecondOpinion
from ..knowledge.store import StoredPassage
from ..prompts import render
from ..retrieval.knowledge_base import KnowledgeBase
from ..retrieval.search import Retriever
from ..settings import Settings
from ..text import stream_pieces as pieces
from . import framing
from .assembly import article_texts, build_safety_check
from .conversation import Conversation
from .disagreements import Disagreement, load_disagreements
from .generators.base import Composition, Context, Generator
from .generators.grounded.composer import GroundedComposer
from .generators.llm import ModelClient
from .generators.model import ModelGenerator
from .meaning import with_examples
from .plan import Planner
from .reply import Reply, Safety
from .risk_scope import answered_as_gap, why_kept
from .situations import embedded_situations
from .stages import AnswerResult, Prepared, Screened, Written
from .topics import Topics

log = logging.getLogger("coach")
EXTRA_PASSAGES = 6  # sentence-level finds below the top k that a model is shown too
GAP_DECLINES = {"legal": "legal questions (declined: a lawyer's job)",
                "medical": "medical questions (declined: a doctor's job)"}


class AnswerPipeline:
    """Built once per process (the app's lifespan); answer() is safe to call from many threads."""

    def __init__(self, settings: Settings, embedder: Embedder, kb: KnowledgeBase, safety: SafetyCheck,
                 scope: ScopeCheck, disagreements: list[Disagreement], model: ModelClient | None = None,
                 texts: dict[str, str] | None = None, screen: RiskScreen | None = None):
        self.settings = settings
        self.embedder = embedder
        self.kb = kb
        self.retriever = Retriever(kb, deadline=settings.chroma_timeout if settings.chroma_url else None)
        self.safety = safety
        self.scope = scope
        self.disagreements = with_examples(disagreements, embedder)  # embedded once, like the situations
        situations = embedded_situations(settings.knowledge_dir / "situations.yaml", embedder)
        self.grounded = GroundedComposer(settings.prompts_dir, kb, self.retriever, situations)
        texts = texts if texts is not None else article_texts(settings.articles_dir)
        self.planner = Planner.load(settings.knowledge_dir, kb, situations, embedder, texts)
        self.topics = Topics(self.planner, self.disagreements, situations, embedder)
        self.model = model
        screen = screen or model  # the configured endpoint rates risk even when the grounded composer answers
        self.second_opinion = SecondOpinion(screen, safety.directory, settings.llm_risk_budget) \
            if screen is not None and settings.llm_risk_budget > 0 else None
        self.generator: Generator = ModelGenerator(model, embedder) if model is not None else self.grounded

    @classmethod
    def build(cls, settings: Settings, embedder: Embedder | None = None, model: ModelClient | None = None,
              kb: KnowledgeBase | None = None) -> AnswerPipeline:
        embedder = embedder or serving_embedder(settings)
        kb = kb or KnowledgeBase.load(settings, embedder.name)
        texts = article_texts(settings.articles_dir)  # read once: the disagreements and the cards check against it
        disagreements = load_disagreements(settings.knowledge_dir / "disagreements.yaml", texts)
        endpoint = model or (ModelClient(settings) if settings.llm_base_url and settings.llm_model else None)
        model = endpoint if settings.generator_name == "llm" else None
        return cls(settings, embedder, kb, build_safety_check(settings, embedder),
                   load_scope_check(settings.knowledge_dir), disagreements, model, texts, screen=endpoint)

    def topic_labels(self) -> dict[str, str]:
        """A plain name for each topic id a reply can carry: the coach's gaps, answer cards and situations."""
        labels = {s.id: s.id.replace("_", " ") for s in self.grounded.situations}
        labels |= {c.id: c.id.replace("-", " ") for c in self.planner.cards}
        labels |= {f"declined-{kind}": label for kind, label in GAP_DECLINES.items()}
        return labels | {g.id: g.label for g in self.planner.gaps}

    def answer(self, question: str, history: list[dict] | None = None, locale: str | None = None,
               accept_language: str | None = None, *, stream: bool = False) -> AnswerResult:
        """Every stage in this thread (the CLI, the evals); the API runs them apart (api/ask.py)."""
        screened = self.screen(question, history, locale, accept_language)
        early = self.screened_reply(screened)
        if early is not None:
            return early
        prepared = self.prepare(screened)
        return self.prepared_reply(prepared) or self.finish(prepared, self.write(prepared, stream=stream))

    def answer_stream(self, question: str, history: list[dict] | None = None, locale: str | None = None,
                      accept_language: str | None = None) -> Iterator[tuple[str, object]]:
        """("delta", text) events, then ("done", AnswerResult). Nothing unchecked is ever sent."""
        yield from self.events(self.answer(question, history, locale, accept_language, stream=True))

    @staticmethod
    def events(result: AnswerResult) -> Iterator[tuple[str, object]]:
        for piece in pieces(result.reply.answer):
            yield "delta", piece
        yield "done", result

    # -- stages: screen (safety; nothing waited on) -> prepare (retrieval) -> write (the model) -> finish -------

    def screen(self, question: str, history: list[dict] | None = None, locale: str | None = None,
               accept_language: str | None = None) -> Screened:
        """Risk and scope, before any slot or dependency; the model's second opinion is only started here."""
        conversation = Conversation.of(question, history or [], self.settings.max_history_turns)
        # One query embedding per request: retrieval, the safety net and the composer all use it.
        query_vector = self.embedder.embed([conversation.query])[0]
        language = detect_language(conversation.question)
        country = self.safety.directory.country_for(locale, accept_language, language)
        risk = self.safety.assess(conversation.question, conversation.risk_turns, message_vector=query_vector,
                                  country=country, language=language)
        scope = self.scope.check(conversation.question)
        screened = Screened(conversation, query_vector, language, country, risk, scope)
        if self.second_opinion is not None and self.second_opinion.wanted(risk):
            # The model's rating runs while the articles are searched; it can only raise the level.
            screened.pending = self.second_opinion.start(conversation.question, conversation.risk_turns)
        else:
            screened.scope, screened.risk = self._scope(question, risk, country, scope)
        return screened

    def screened_reply(self, screened: Screened) -> AnswerResult | None:
        """An emergency (or a settled decline) answered straight from the safety stage."""
        if screened.risk.emergency or (screened.pending is None and screened.scope.scope == "out"):
            return self.prepared_reply(Prepared(screened.risk, screened.scope, None, screened.language))
        return None

    def prepare(self, screened: Screened) -> Prepared:
        """Retrieval and the plan (a compute slot). Chroma failing raises IndexUnavailable (a 503 with
        Retry-After), except for a reader at risk, who gets care and the lines with a note instead."""
        try:
            return self._prepare(screened)
        except IndexUnavailable:
            self.settle(screened)  # the model's opinion and the harm cues still decide who is at risk
            if screened.risk.emergency:
                return Prepared(screened.risk, screened.scope, None, screened.language)
            if screened.risk.level == "none":
                raise
            return Prepared(screened.risk, screened.scope, None, screened.language, index_down=True)

    def settle(self, screened: Screened) -> None:
        """The model's second opinion applied (once), then scope decided with it: a wait on the network, which the
        API does before taking a compute slot."""
        if screened.pending is None:
            return
        risk = self.second_opinion.apply(screened.risk, screened.pending, screened.country,
                                         english=screened.language == "en")
        screened.pending = None
        screened.scope, screened.risk = self._scope(screened.conversation.question, risk, screened.country,
                                                    screened.scope)

    def write(self, prepared: Prepared, *, stream: bool = False) -> Written:
        """The model's text (network only, no compute slot); nothing to do for the grounded composer."""
        if not isinstance(self.generator, ModelGenerator) or prepared.context is None:
            return Written()
        try:
            written = self.generator.write(prepared.context, stream=stream)
            return Written(written.text, usage=written.usage)
        except GenerationError as exc:
            return Written(failure=str(exc))

    def finish(self, prepared: Prepared, written: Written) -> AnswerResult:
        """The checked answer (a compute slot): the model's text if it passes, else the grounded one."""
        return replace(self._compose(prepared, written), usage=written.usage)

    def _prepare(self, screened: Screened) -> Prepared:
        conversation, query_vector, language = screened.conversation, screened.query_vector, screened.language
        hits = None
        if screened.pending is not None:
            if screened.scope.scope == "in":  # searched while the model's rating is under way
                hits = self._search(conversation, query_vector)
            self.settle(screened)
        risk, scope = screened.risk, screened.scope
        if risk.emergency or scope.scope == "out":
            return Prepared(risk, scope, None, language)
        if hits is None:
            hits = self._search(conversation, query_vector)
        best_dense = float(max((h.passage.windows @ query_vector).max() for h in hits)) if hits else 0.0
        follow_up = self.topics.follow_up(conversation)
        card = self.planner.card_of(conversation, query_vector, follow_up)
        # A reader at any risk, or writing in another language, is answered, never turned away as off-topic; nor is
        # a question one of the coach's answer cards fits, or a turn in a conversation about a breakup ("what do I
        # do with my evenings then?").
        if risk.level == "none" and language == "en" and card is None:
            far = self.scope.far_from_articles(" ".join([*conversation.user_turns, conversation.question]),
                                               best_dense)
            if far is not None:
                return Prepared(risk, far, None, language)
        differences = self.topics.differences(conversation, query_vector, card, follow_up)
        context = Context(conversation, query_vector, hits, differences, risk.level)
        context.plan = self.planner.plan(context, language, card)
        context.passages = self._model_passages(context)
        return Prepared(risk, scope, context, language)

    def differences_for(self, conversation: Conversation, query_vector) -> list:
        """The disagreement a question is about (the coach's drafts use it too)."""
        return self.topics.differences(conversation, query_vector)

    def _search(self, conversation: Conversation, query_vector) -> list:
        return self.retriever.search(query_vector, k=self.settings.retrieval_k, query=conversation.query)

    def _scope(self, question: str, risk: RiskAssessment, country: str | None,
               scope: ScopeResult) -> tuple[ScopeResult, RiskAssessment]:
        """Risk beats scope (risk_scope.py): a message at risk, or with a harm cue or the net's doubt, is never declined
        (nor a breakup question whose legal or listed-gap part is told as a gap); overriding the instructions is."""
        why = why_kept(question, risk, scope, self.safety.patterns)
        if why is None:
            gap = answered_as_gap(question, scope, self.scope, self.planner.gaps)
            return (ScopeResult("in", scope.kind, "kept in scope: told as a gap") if gap else scope), risk
        if risk.level == "none":  # a cue or the net's doubt alone: support, with the lines beside the answer
            risk = replace(risk, level="support", categories=["possible risk"],
                           resources=self.safety.directory.for_risk("support", ["possible risk"], country),
                           matched=[*risk.matched, f"kept in scope by {why}"])
        return ScopeResult("in", scope.kind, f"kept in scope: risk {risk.level}"), risk

    def _model_passages(self, context: Context) -> list[StoredPassage]:
        """What a model is shown: the grounded composer's sources (top passages, sentence-level finds, the passages
        holding each side of a disagreement and the quotes behind the coach's answer card)."""
        passages = [h.passage for h in context.hits]
        passages += [h.passage for h in self.grounded.extra_hits(context, n=EXTRA_PASSAGES)]
        quotes = [(pos.article_id, pos.quote) for d in context.differences for pos in d.positions]
        if context.plan is not None and context.plan.card is not None:
            quotes += [(s.article_id, s.quote) for s in context.plan.card.support]
        for article_id, quote in quotes:
            p = self.grounded.passage_with(article_id, quote)
            if p is not None and p not in passages:
                passages.append(p)
        return passages

    def prepared_reply(self, prepared: Prepared) -> AnswerResult | None:
        """Urgent risk in this very message and out-of-scope requests are answered without retrieval or a model."""
        risk, scope, prompts = prepared.risk, prepared.scope, self.settings.prompts_dir
        if prepared.index_down:  # only a reader at risk gets here: care and the lines, and the honest reason
            lines = [framing.check_in_line(prompts, prepared)] if risk.level == "urgent" else []
            text = "\n\n".join([*(line for line, _ in lines), render(prompts, "index_down.j2")])
            text = framing.with_support(prompts, text, risk)
            return self._result(text, [], scope.scope, scope.kind, risk, "grounded",
                                paragraph_languages=framing.not_in_english(lines))
        if risk.emergency:
            text = render(prompts, "urgent.j2", categories=risk.categories,
                          resources=risk.resources, lang=prepared.language)
            return self._result(text, [], scope.scope, scope.kind, risk, "grounded",
                                language=framing.written_language(prepared))
        if scope.scope == "out":
            text = render(prompts, "decline.j2", kind=scope.kind)
            lines = [framing.check_in_line(prompts, prepared)] if risk.level == "urgent" else []
            if lines:  # declined (an attempt to override the instructions), never without care
                text = f"{lines[0][0]}\n\n{text}"
            text = framing.with_support(prompts, text, risk)
            result = self._result(text, [], "out", scope.kind, risk, "grounded",
                                  paragraph_languages=framing.not_in_english(lines))
            if scope.kind in GAP_DECLINES:  # a breakup question the articles leave to a professional: a content gap
                result.reply.coverage, result.reply.topic = "not_covered", f"declined-{scope.kind}"
            return result
        return None

    def _compose(self, prepared: Prepared, written: Written) -> AnswerResult:
        context = prepared.context
        fallback_reason = written.failure
        composition = None
        if written.text is not None:
            try:
                composition = self.generator.checked(written.text, context)
            except GenerationError as exc:
                fallback_reason = str(exc)
        if composition is None:
            if fallback_reason:
                log.warning("llm answer replaced by the grounded one: %s", fallback_reason)
            composition = self.grounded.compose(context)
        gap_told = composition.generator == self.grounded.name and composition.coverage != "covered"
        opening_lines = framing.opening_lines(self.settings.prompts_dir, prepared, gap_told=gap_told)
        opening = [line for line, _ in opening_lines]
        answer = framing.with_support(self.settings.prompts_dir, composition.text, prepared.risk)
        text = "\n\n".join([*opening, answer])
        composition.framing = (*opening, *composition.framing)
        if composition.generator != self.grounded.name:  # a model's answer is as covered as the plan says
            plan = context.plan
            composition.coverage, composition.topic = plan.coverage.level, plan.card.id if plan.card else \
                plan.coverage.topic
        return self._result(text, composition.citations, "in", prepared.scope.kind, prepared.risk,
                            composition.generator, fallback_reason, composition,
                            paragraph_languages=framing.not_in_english(opening_lines))

    def _result(self, text: str, citations: list, scope: str, scope_kind: str, risk: RiskAssessment,
                generator: str, fallback_reason: str | None = None,
                composition: Composition | None = None, *, language: str = "en",
                paragraph_languages: dict[str, str] | None = None) -> AnswerResult:
        reply = Reply(uuid.uuid4().hex, text, citations, scope, Safety(risk.level, risk.categories, risk.resources),
                      generator, fallback_reason, scope_kind, composition.coverage if composition else "none",
                      composition.topic if composition else None, language, paragraph_languages or {})
        if composition is None:
            return AnswerResult(reply, risk=risk)
        support = framing.support_lines(self.settings.prompts_dir, risk)
        return AnswerResult(reply, composition.passages, composition.framing + support, risk)
