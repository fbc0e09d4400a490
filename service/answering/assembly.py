"""The pipeline's parts read from the knowledge folder: the articles' texts and the risk check."""
from __future__ import annotations

import logging
from pathlib import Path

from ..embeddings import Embedder
from ..guardrails.resources import ResourceDirectory
from ..guardrails.risk import SafetyCheck, load_statements
from ..guardrails.risk_encoder import risk_encoder
from ..guardrails.risk_net import RiskModel
from ..guardrails.risk_patterns import load_risk_patterns
from ..knowledge.articles import load_articles
from ..settings import Settings

log = logging.getLogger("coach")


def article_texts(folder: Path) -> dict[str, str]:
    """Each article's text by id (an articles folder): what disagreements' and answer cards' quotes are checked
    against."""
    return {a.id: a.path.read_text(encoding="utf-8") for a in load_articles(folder) if a.path}


def build_safety_check(settings: Settings, embedder: Embedder) -> SafetyCheck:
    """The risk check from the knowledge folder: patterns, crisis statements (embedded once), the learned net."""
    directory = ResourceDirectory.load(settings.knowledge_dir / "resources.yaml")
    statements = load_statements(settings.knowledge_dir / "risk_statements.yaml")
    risk_model = RiskModel.load(settings.knowledge_dir / "risk_classifier.json")
    encoder = risk_encoder() if risk_model is not None else None
    if risk_model is None:
        log.warning("no learned risk net (knowledge/risk_classifier.json): run `coach train-risk`")
    elif risk_model.encoder != encoder.name:
        log.warning("risk_classifier.json was trained on %s, not %s: not used", risk_model.encoder, encoder.name)
        risk_model = encoder = None
    return SafetyCheck(directory, load_risk_patterns(settings.knowledge_dir), statements,
                       embedder.embed([s for _, s in statements]), model=risk_model, encoder=encoder)

