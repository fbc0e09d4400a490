"""Risk check, run on every message before retrieval or any model: urgent, support or none.

Three layers, highest level wins: the patterns (knowledge/risk_patterns.yaml, English), the message's embedding
against crisis statements (knowledge/risk_statements.yaml), and the learned risk net (risk_net.py, any language;
may raise to urgent above a strict threshold, never lowers). The reader's earlier turns count too: risk stated
several messages back keeps the conversation at that level (`ongoing`).
"""
from __future__ import annotations

from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import yaml

from .language import detect as detect_language
from .resources import Resource, ResourceDirectory
from .risk_encoder import RiskEncoder
from .risk_net import RiskModel, RiskVerdict
from .risk_patterns import RiskPatterns

# The semantic net: the message's embedding (the one the request computes anyway) against
# knowledge/risk_statements.yaml. Calibrated on the tuning sets: no ordinary message reached it (max 0.68).
STATEMENT_THRESHOLD = 0.72
LEVEL_RANK = {"none": 0, "support": 1, "urgent": 2}
# A death cue alone that need not be the reader's own death (own_death in risk_patterns.yaml) raises a message only
# when the net's P(risk) reaches this; without a net it always raises (fails safe).
CUE_CONFIRM_RISK = 0.3
# A message that tells its danger from a distance (someone else's, or long past and over: told_from_a_distance in
# risk_patterns.yaml) stays urgent only when the learned net's P(urgent) reaches this; else it is answered at
# support, with the lines. Without a net it stays urgent (fails safe). Chosen on the training rounds' out-of-fold
# scores (evals/datasets/README.md, stop 38).
DISTANCE_CONFIRM = 0.35


@dataclass
class RiskAssessment:
    level: str  # none | support | urgent
    categories: list[str] = field(default_factory=list)
    resources: list[Resource] = field(default_factory=list)
    matched: list[str] = field(default_factory=list)  # what triggered it, for logs and evals
    ongoing: bool = False  # the level comes from an earlier turn, not from this message
    emergency: bool = False  # this message itself calls for the crisis reply first and alone (see assess)
    net_risk: float = 0.0  # the learned net's highest P(support or urgent) over the turns, raised or not


def load_statements(path: Path) -> list[tuple[str, str]]:
    """(category, statement) pairs from knowledge/risk_statements.yaml."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    return [(category, str(s)) for category, items in data.items() for s in items]


MIN_STATEMENT_WORDS = 3  # a message shorter than this is never matched to a crisis statement by meaning alone


class SafetyCheck:
    """Patterns first; the message's embedding against known crisis statements as a safety net."""

    def __init__(self, directory: ResourceDirectory, patterns: RiskPatterns,
                 statements: list[tuple[str, str]] | None = None, statement_vectors: np.ndarray | None = None,
                 threshold: float = STATEMENT_THRESHOLD, model: RiskModel | None = None,
                 encoder: RiskEncoder | None = None):
        self.directory = directory
        self.patterns = patterns
        self.model = model  # may raise a message's level (to urgent above its strict threshold), never lower it
        self.encoder = encoder
        self.statements = statements or []
        self.vectors = statement_vectors
        self.threshold = threshold

    def semantic_match(self, message_vector: np.ndarray | None) -> tuple[str, str, float] | None:
        """(category, statement, similarity) of the closest crisis statement above the threshold."""
        if self.vectors is None or message_vector is None or not len(self.vectors):
            return None
        sims = message_vector[None, :] @ self.vectors.T
        row, col = np.unravel_index(int(np.argmax(sims)), sims.shape)
        best = float(sims[row, col])
        if best < self.threshold:
            return None
        category, statement = self.statements[col]
        return category, statement, best

    def reread_without_figures(self, verdicts: list[RiskVerdict], texts: list[str], english: list[bool],
                               levels: list[str], matched: list[str]) -> list[RiskVerdict]:
        """The net's urgent calls that nothing else makes, read again with the figures of speech blanked out.

        The net reads the raw message, so "my dad will kill me when he sees the bill" in Portuguese or Turkish looks
        like a threat to it; the coach-reviewed figures (risk_patterns.yaml) say what is only a way of speaking."""
        plain = {i: self.patterns.without_figures(texts[i]) for i, v in enumerate(verdicts)
                 if v.level == "urgent" and levels[i] != "urgent"}
        plain = {i: text for i, text in plain.items() if text is not None}
        if not plain:
            return verdicts
        verdicts = list(verdicts)
        for i in [i for i, text in plain.items() if not text]:  # the whole message was a figure
            verdicts[i] = RiskVerdict("none", None, 0.0, 0.0)
            matched.append("the learned risk net's urgent call was all figures of speech: none")
        again = [i for i, text in plain.items() if text]
        if again:
            texts_again = [plain[i] for i in again]
            features = self.encoder.features(texts_again, sparse=self.model.sparse)
            for i, verdict in zip(again, self.model.verdicts(features, [english[i] for i in again], texts_again)):
                if verdict.level != "urgent":
                    matched.append(f"the learned risk net's urgent call read again without its figures of speech: "
                                   f"{verdict.level} (P(urgent) {verdict.p_urgent:.2f})")
                verdicts[i] = verdict
        return verdicts

    def assess(self, message: str, earlier_turns: list[str] | tuple[str, ...] = (), *,
               message_vector: np.ndarray | None = None, country: str | None = None,
               language: str | None = None) -> RiskAssessment:
        """The message and the reader's earlier turns given: the highest risk among them wins.

        `emergency`: this very message is urgent by the patterns or the crisis statements (English), or by the
        learned net in another language (the patterns can't read it). Urgent risk said earlier, or seen only by the
        net in English, is not an emergency: the reply keeps the lines and a check-in but still answers, so an
        ordinary question the net misread is answered. `language`: the message's, when the caller knows it."""
        texts = [message, *earlier_turns]
        languages = [language or detect_language(message), *(detect_language(t) for t in earlier_turns)]
        levels, categories, matched, unconfirmed = [], [], [], []
        for text, lang in zip(texts, languages):
            lvl, cats, hits = self.patterns.classify(text, lang)
            levels.append(lvl)
            unconfirmed.append(cats == ["possible risk"] and self.patterns.cues_need_confirming(text))
            categories += [c for c in cats if c not in categories]
            matched += hits
        # Two words ("my ex") are close to half the crisis statements ("my ex hit me") and say nothing of risk.
        match = self.semantic_match(message_vector) if len(message.split()) >= MIN_STATEMENT_WORDS else None
        if match and LEVEL_RANK[levels[0]] < LEVEL_RANK["urgent"]:
            levels[0] = "urgent"
            categories = [match[0]] + [c for c in categories if c != match[0]]
            matched.append(f"close to {match[1]!r} ({match[2]:.2f})")
        by_rules = levels[0] == "urgent"
        net_risk = 0.0
        if self.model is not None and self.encoder is not None:
            english = [lang == "en" for lang in languages]
            features = self.encoder.features(texts, sparse=self.model.sparse)
            verdicts = self.reread_without_figures(self.model.verdicts(features, english, texts), texts, english,
                                                   levels, matched)
            for i, verdict in enumerate(verdicts):
                net_risk = max(net_risk, verdict.p_risk)
                if levels[i] == "urgent" and verdict.p_urgent < DISTANCE_CONFIRM \
                        and self.patterns.told_from_distance(texts[i]):
                    levels[i] = "support"
                    by_rules = by_rules and i > 0
                    matched.append(f"told from a distance, not confirmed by the learned risk net "
                                   f"(P(urgent) {verdict.p_urgent:.2f}): kept at support")
                if unconfirmed[i] and levels[i] == "support" and verdict.p_risk < CUE_CONFIRM_RISK:
                    levels[i] = "none"
                    matched.append(f"cue not confirmed by the learned risk net (P(risk) {verdict.p_risk:.2f})")
                if verdict.level == "urgent" and verdict.category in ("threat", "harm_others") \
                        and self.patterns.denies_harm(texts[i]):
                    verdict = RiskVerdict("support", None, verdict.p_urgent, verdict.p_risk)
                    matched.append("the reader denies any wish to hurt them: the net's threat kept at support")
                if LEVEL_RANK[verdict.level] > LEVEL_RANK[levels[i]]:
                    levels[i] = verdict.level
                    matched.append(f"learned risk net: {verdict.level} (P(urgent) {verdict.p_urgent:.2f}, "
                                   f"P(risk) {verdict.p_risk:.2f})")
                    if verdict.category and verdict.category not in categories:
                        categories.append(verdict.category)
                    elif verdict.level == "support" and not categories:
                        categories.append("possible risk")
        level = max(levels, key=LEVEL_RANK.get)
        if level == "urgent":
            categories = [c for c in categories if c not in ("distress", "possible risk")] or ["suicide"]
        elif level == "none":
            categories = []
        resources = self.directory.for_risk(level, categories, country)
        ongoing = LEVEL_RANK[levels[0]] < LEVEL_RANK[level]
        emergency = level == "urgent" and not ongoing and (by_rules or languages[0] != "en")
        return RiskAssessment(level, categories, resources, matched, ongoing=ongoing, emergency=emergency,
                              net_risk=net_risk)
