"""Train the learned risk net (service/risk_model.py) on every labelled risk set; print how it generalises.

Run: coach train-risk [--out knowledge/risk_classifier.json]
The figures it prints come from leaving each blind set out in turn: a model trained without that set is
measured on it, the only honest view of messages nobody has tuned on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from evals.catalog import load_cases, sets_training, sets_with_role
from service.guardrails.risk_net import features
from service.guardrails.risk_patterns import RiskPatterns, load_risk_patterns

# Every labelled risk set (evals/datasets/index.yaml). The blind rounds are each left out in turn for the
# printed figures.
TRAIN_SETS = sets_training("risk_net")
HELD_OUT_ROUNDS = sets_with_role("blind", TRAIN_SETS)
# Ordinary coaching questions, so the net learns what everyday messages look like (the risk sets' negatives are
# mostly hard ones: figures of speech, dark jokes). Labelled `none` unless the patterns already say `support`.
# answers_holdout.yaml is left out: it measures how many ordinary questions the net raises.
ORDINARY_SETS = sets_training("ordinary")
CLASSES = ("none", "support", "urgent")
REGULARISATION_C = 2.0
# The threshold sits at this quantile of the negatives' out-of-fold scores: on left-out data it raised 0-6% of
# the risk sets' negatives (15% of the newest, hardest round) and 6% of ordinary coaching questions.
NEGATIVE_QUANTILE = 0.95


@dataclass
class Labelled:
    source: str
    text: str
    level: str


def labelled_cases(knowledge_dir: Path, sets: tuple[str, ...] = TRAIN_SETS) -> list[Labelled]:
    classify = load_risk_patterns(knowledge_dir).classify
    cases = [Labelled(name, c.get("text") or c["question"], c["level"])
             for name in sets for c in load_cases(name) if "level" in c]
    for name in ORDINARY_SETS:
        for c in load_cases(name):
            if c.get("question"):
                level = classify(c["question"])[0]
                cases.append(Labelled(name, c["question"], level if level == "support" else "none"))
    return cases


def fit(x: np.ndarray, levels: np.ndarray):
    """Multinomial logistic regression (balanced classes) and its raising threshold.

    The threshold comes from out-of-fold scores: in-sample scores of the negatives are optimistic, and a
    threshold set on them raised about one ordinary question in five on left-out data."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    y = np.array([CLASSES.index(level) for level in levels])
    model = LogisticRegression(C=REGULARISATION_C, max_iter=5000, class_weight="balanced")
    out_of_fold = 1.0 - cross_val_predict(model, x, y, cv=5, method="predict_proba")[:, CLASSES.index("none")]
    threshold = float(np.quantile(out_of_fold[y == 0], NEGATIVE_QUANTILE))
    return model.fit(x, y), threshold


def train(embedder, cases: list[Labelled], knowledge_dir: Path) -> tuple[dict, list[dict]]:
    """The model file's content, and the left-out-round figures."""
    risk_patterns: RiskPatterns = load_risk_patterns(knowledge_dir)
    classify = risk_patterns.classify
    vectors = embedder.embed([c.text for c in cases])
    x = np.stack([features(c.text, v, risk_patterns) for c, v in zip(cases, vectors)])
    levels = np.array([c.level for c in cases])
    sources = np.array([c.source for c in cases])
    patterns = np.array([CLASSES.index(classify(c.text)[0]) for c in cases])
    rounds = []
    for held in HELD_OUT_ROUNDS + ("ordinary",):
        test_rows = np.isin(sources, ORDINARY_SETS) if held == "ordinary" else sources == held
        train_rows = ~test_rows
        model, threshold = fit(x[train_rows], levels[train_rows])
        raised = 1.0 - model.predict_proba(x[test_rows])[:, 0] >= threshold
        rounds.append(_round_figures(held, levels[test_rows], patterns[test_rows], raised))
    model, threshold = fit(x, levels)
    content = {
        "about": "Learned risk net for service/risk_model.py; written by `coach train-risk`. Do not edit by hand.",
        "embedding_model": embedder.name, "classes": list(CLASSES),
        "features": ["embedding"] * embedder.dimension + [f"cue:{f}" for f in risk_patterns.cue_families],
        "trained_on": {name: int((sources == name).sum()) for name in TRAIN_SETS + ORDINARY_SETS},
        "C": REGULARISATION_C, "threshold": round(threshold, 6),
        "coef": np.round(model.coef_, 6).tolist(), "intercept": np.round(model.intercept_, 6).tolist(),
    }
    return content, rounds


def _round_figures(name: str, levels: np.ndarray, patterns: np.ndarray, raised: np.ndarray) -> dict:
    """Share of each true level that gets resources (support or urgent), by patterns alone and with the net."""
    with_net = np.maximum(patterns, raised.astype(int))
    out = {"set": name}
    for level in CLASSES:
        rows = levels == level
        if rows.any():
            out[level] = (int(rows.sum()), float((patterns[rows] >= 1).mean()), float((with_net[rows] >= 1).mean()))
    return out


def write(content: dict, path: Path) -> None:
    path.write_text(json.dumps(content, separators=(",", ":")) + "\n", encoding="utf-8")


def print_rounds(rounds: list[dict], echo=print) -> None:
    echo("left-out round: share given resources (support or urgent), patterns alone -> with the learned net")
    for r in rounds:
        echo(f"  {r['set']:14s} " + "  ".join(
            f"{level} {r[level][1]:.2f} -> {r[level][2]:.2f} (n={r[level][0]})" for level in CLASSES if level in r))
