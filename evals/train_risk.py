"""Train the learned risk net (service/guardrails/risk_net.py) on every labelled risk set; print how it generalises.

Run: coach train-risk [--out knowledge/risk_classifier.json]
The figures it prints come from leaving each blind round out in turn: a model trained without that round is
measured on it (with the patterns, as the service combines them), the only honest view of messages nobody tuned on.
"""
from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

import numpy as np
import yaml

from evals.catalog import load_cases, sets_training, sets_with_role
from service.guardrails.char_ngrams import CharNgrams
from service.guardrails.risk_net import CLASSES, RiskModel, pack
from service.guardrails.risk_patterns import load_risk_patterns

# Every labelled risk set (evals/datasets/index.yaml); each blind round is left out in turn for the figures.
TRAIN_SETS = sets_training("risk_net")
HELD_OUT_ROUNDS = sets_with_role("blind", TRAIN_SETS)
# Ordinary coaching questions, so the net learns what everyday messages look like (the risk sets' negatives are
# mostly hard ones: figures of speech, dark jokes). answers_holdout.yaml is left out: it measures false alarms.
ORDINARY_SETS = sets_training("ordinary")
CATEGORIES = ("suicide", "self_harm", "abuse", "threat", "stalking", "harm_others", "child")
REGULARISATION_C = 4.0  # left-out rounds with the latent terms: C 4 and 8 alike (79.2%, 78.8% urgent), 2 and 32 lower
# Thresholds from the out-of-fold scores of the negatives. In English the patterns catch much of the risk and
# ordinary questions are most of the traffic, so the net needs more certainty there; in other languages it is the
# only detector (the patterns read English), so it raises sooner. English 0.995 -> 0.985 (2026-12-02): over eight
# left-out rounds English urgent 71.6% -> 82.7% for false urgent 4.1% -> 5.1%; an English message the net alone
# calls urgent still gets its answer, with the lines and a check-in (risk.py), so a false alarm costs little.
# 0.985/0.98 -> 0.975/0.97 (2026-12-03): with risk_train_h and i (long calm comments, hard negatives, near misses)
# the negatives' top scores rose and so did the thresholds (urgent_en 0.82 -> 0.88); over rounds 17-24 left out,
# urgent 91.4% -> 94.3%, given resources 97.2% -> 97.5%, false urgent 1.5% -> 2.2%.
# English 0.975 -> 0.97 (2026-12-04, with risk_train_k and l): their calm messages raised the thresholds (urgent_en
# 0.74 -> 0.78); over rounds 20-31 left out, English urgent 93.1% -> 93.9% for false urgent 2.7% -> 2.8%.
# Other languages 0.97 -> 0.95 (2026-12-05, with the n-grams and risk_train_m-q): over rounds 29-34 left out, urgent
# not in English 84.8% -> 90.2% for false urgent 3.1% -> 4.1% of their calm messages (2.2% -> 2.8% of all); the 21
# messages gained were a beaten face, a rape, a balcony, a petrol can, suicide letters; the 3 calm ones raised were a
# handover, a nurse's shift and a prompt injection. English is unchanged at 0.96 or 0.965.
URGENT_QUANTILE = {"en": 0.97, "other": 0.95}  # share of out-of-fold negatives kept below urgent
# 0.95/0.90 -> 0.92/0.85 (2026-12-03): the harder negatives raised the support threshold too (0.75 -> 0.85) and
# urgent messages the net misses fell below support, without a phone number; over rounds 17-24 left out, given
# resources 97.5% -> 98.6% for false resources 13.8% -> 17.6% (a note and the lines, the answer still given).
SUPPORT_QUANTILE = {"en": 0.92, "other": 0.85}  # share of out-of-fold `none` messages kept below support
# Character n-grams beside the encoder's features (service/guardrails/char_ngrams.py), 2026-12-05. Rounds 24-31 left
# out one at a time, shipped quantiles: urgent in English / other languages 91.1% / 81.7% without them, 94.8% / 89.1%
# with weight 2 (the block's norm against the unit-norm embedding; 0.5, 1, 3 and 4 lower; 30,000 n-grams or 2-5
# letters no better). evals/datasets/README.md, "safety_blind33.yaml and the character n-grams".
NGRAM_RANGE = (3, 5)
NGRAM_MIN_DF = 3
NGRAM_MAX_FEATURES = 60000
NGRAM_WEIGHT = 2.0


@dataclass
class Labelled:
    source: str
    text: str  # a conversation's user turns joined: its label is the conversation's
    level: str
    category: str | None
    english: bool = True


def labelled_cases(knowledge_dir: Path, sets: tuple[str, ...] = TRAIN_SETS) -> list[Labelled]:
    classify = load_risk_patterns(knowledge_dir).classify
    cases = []
    for name in sets:
        for c in load_cases(name):
            if "level" not in c:
                continue
            turns = [h if isinstance(h, str) else h["content"] for h in c.get("history") or []]
            text = " ".join([*turns, c.get("text") or c["question"]])
            cats = [k for k in c.get("categories") or [] if k in CATEGORIES]
            cases.append(Labelled(name, text, c["level"], cats[0] if cats else None, c.get("lang", "en") == "en"))
    for name in ORDINARY_SETS:
        for c in load_cases(name):
            # Each of the reader's turns, as the service reads them (one by one); one the patterns call urgent (an ex
            # threatening suicide, asked about as a coaching question) is not taught as ordinary.
            turns = [h["content"] for h in c.get("history") or [] if isinstance(h, dict) and h.get("role") == "user"]
            for text in [*turns, c.get("question") or ""]:
                level = classify(text)[0] if text else "urgent"
                if level != "urgent":
                    cases.append(Labelled(name, text, level, None))
    # The coach's own example questions (situations, answer cards, disagreements) are the shortest ordinary messages
    # there are ("my ex is my coworker"): without them the net rated short questions urgent.
    for question in knowledge_examples(knowledge_dir):
        level = classify(question)[0]
        if level != "urgent":
            cases.append(Labelled("knowledge", question, level, None))
    return cases


def knowledge_examples(knowledge_dir: Path) -> list[str]:
    """Every example question in the knowledge folder: situations, disagreements and the answer cards."""
    found = []
    for name in ("situations.yaml", "disagreements.yaml"):
        path = knowledge_dir / name
        data = yaml.safe_load(path.read_text(encoding="utf-8")) if path.is_file() else {}
        for items in (data or {}).values():
            for item in items if isinstance(items, list) else []:
                found += [str(e) for e in item.get("examples") or []]
    for path in sorted((knowledge_dir / "guidance").glob("*.yaml")):
        found += [str(e) for e in (yaml.safe_load(path.read_text(encoding="utf-8")) or {}).get("examples") or []]
    return found


def fit(x: np.ndarray, levels: np.ndarray, categories: np.ndarray, english: np.ndarray) -> dict:
    """Level and category heads (balanced logistic regressions) and the two thresholds from out-of-fold scores
    (in-sample scores of the negatives are optimistic and set thresholds that raise too many ordinary messages)."""
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import cross_val_predict

    y = np.array([CLASSES.index(level) for level in levels])
    model = LogisticRegression(C=REGULARISATION_C, max_iter=5000, class_weight="balanced")
    oof = cross_val_predict(model, x, y, cv=5, method="predict_proba")
    thresholds = {}
    for group, rows in (("en", english), ("other", ~english)):
        thresholds[f"urgent_{group}"] = float(np.quantile(oof[(y < 2) & rows, 2], URGENT_QUANTILE[group]))
        thresholds[f"support_{group}"] = float(np.quantile(1.0 - oof[(y == 0) & rows, 0], SUPPORT_QUANTILE[group]))
    model.fit(x, y)
    has_kind = np.array([c is not None for c in categories]) & (y == 2)
    kinds = np.array([CATEGORIES.index(c) for c in categories[has_kind]])
    present = tuple(CATEGORIES[k] for k in sorted(set(kinds.tolist())))
    kind_model = LogisticRegression(C=REGULARISATION_C, max_iter=5000, class_weight="balanced")
    kind_model.fit(x[has_kind], np.array([present.index(CATEGORIES[k]) for k in kinds]))
    return {"coef": model.coef_, "intercept": model.intercept_, "thresholds": thresholds,
            "category_coef": kind_model.coef_,
            "category_intercept": kind_model.intercept_, "categories": present}


def fit_ngrams(texts: list[str]) -> CharNgrams:
    """The character n-gram vocabulary and idf of the training texts (scikit-learn; the service reads them without)."""
    from sklearn.feature_extraction.text import TfidfVectorizer

    vectorizer = TfidfVectorizer(analyzer="char_wb", ngram_range=NGRAM_RANGE, min_df=NGRAM_MIN_DF,
                                 max_features=NGRAM_MAX_FEATURES, sublinear_tf=True, lowercase=True,
                                 strip_accents="unicode", dtype=np.float32).fit(texts)
    vocabulary = sorted(vectorizer.vocabulary_, key=vectorizer.vocabulary_.get)
    return CharNgrams(vocabulary, vectorizer.idf_, NGRAM_RANGE, NGRAM_WEIGHT)


def _with_ngrams(encoded, texts: list[str], ngrams: CharNgrams):
    """The encoder's features, then the texts' character n-grams (sparse, as the fit wants them)."""
    from scipy.sparse import csr_matrix, hstack

    rows = ngrams.rows(texts)
    indptr = np.cumsum([0, *(len(cols) for cols, _ in rows)])
    indices = np.concatenate([cols for cols, _ in rows]) if rows else np.zeros(0, np.int64)
    data = np.concatenate([values for _, values in rows]) if rows else np.zeros(0, np.float32)
    grams = csr_matrix((data, indices, indptr), shape=(len(texts), ngrams.dim))
    grams.sort_indices()  # as a dense block would give them: the solver's sums then run in the same order
    return hstack([encoded, grams]).tocsr()


def _levels(fitted: dict, x: np.ndarray, english: np.ndarray) -> np.ndarray:
    """The net's level for each row, exactly as the service reads the model (RiskModel.verdicts)."""
    model = RiskModel(fitted["coef"], fitted["intercept"], fitted["thresholds"], fitted["category_coef"],
                      fitted["category_intercept"], fitted["categories"], encoder="", sparse=True)
    return np.array([CLASSES.index(v.level) for v in model.verdicts(x, list(english))])


def train(encoder, cases: list[Labelled], knowledge_dir: Path,
          rounds_left_out: tuple[str, ...] | None = None) -> tuple[dict, list[dict]]:
    """The model file's content, and the left-out-round figures (every blind round and the ordinary questions,
    unless `rounds_left_out` names fewer)."""
    classify = load_risk_patterns(knowledge_dir).classify
    from scipy.sparse import csr_matrix, vstack

    encoded = vstack([csr_matrix(encoder.features([c.text for c in cases[i:i + 64]]))
                      for i in range(0, len(cases), 64)]).tocsr()
    texts = [c.text for c in cases]
    levels = np.array([c.level for c in cases])
    categories = np.array([c.category for c in cases], dtype=object)
    sources = np.array([c.source for c in cases])
    english = np.array([c.english for c in cases])
    patterns = np.array([CLASSES.index(classify(c.text)[0]) for c in cases])
    rounds = []
    for held in rounds_left_out if rounds_left_out is not None else (*HELD_OUT_ROUNDS, "ordinary"):
        test = np.isin(sources, ORDINARY_SETS) if held == "ordinary" else sources == held
        # The left-out round's n-grams are not in the vocabulary either: it is measured as a new author's would be.
        x = _with_ngrams(encoded, texts, fit_ngrams([t for t, held_out in zip(texts, test) if not held_out]))
        fitted = fit(x[~test], levels[~test], categories[~test], english[~test])
        combined = np.maximum(patterns[test], _levels(fitted, x[test], english[test]))
        rounds.append(_round_figures(held, levels[test], combined, patterns[test]))
    ngrams = fit_ngrams(texts)
    fitted = fit(_with_ngrams(encoded, texts, ngrams), levels, categories, english)
    content = {
        "about": "Learned risk net for service/guardrails/risk_net.py; written by `coach train-risk`. "
                 "Do not edit by hand.",
        "format": 4, "encoder": encoder.name, "sparse": True, "classes": list(CLASSES), "C": REGULARISATION_C,
        "trained_on": {name: int((sources == name).sum()) for name in (*TRAIN_SETS, *ORDINARY_SETS, "knowledge")},
        "thresholds": {k: round(v, 6) for k, v in fitted["thresholds"].items()},
        "coef": pack(fitted["coef"]), "intercept": np.round(fitted["intercept"], 6).tolist(),
        "categories": list(fitted["categories"]),
        "category_coef": pack(fitted["category_coef"]),
        "category_intercept": np.round(fitted["category_intercept"], 6).tolist(),
        "ngrams": ngrams.to_json(),
    }
    return content, rounds


def _round_figures(name: str, levels: np.ndarray, combined: np.ndarray, patterns: np.ndarray) -> dict:
    """Per true level: n, share at urgent and share given resources, by patterns alone and with the net."""
    out = {"set": name}
    for level in CLASSES:
        rows = levels == level
        if rows.any():
            out[level] = {"n": int(rows.sum()),
                          "urgent": (float((patterns[rows] == 2).mean()), float((combined[rows] == 2).mean())),
                          "resources": (float((patterns[rows] >= 1).mean()), float((combined[rows] >= 1).mean()))}
    return out


def write(content: dict, path: Path) -> None:
    path.write_text(json.dumps(content, separators=(",", ":")) + "\n", encoding="utf-8")


def print_rounds(rounds: list[dict], echo=print) -> None:
    echo("left-out round: share at urgent | given resources, patterns alone -> with the learned net")
    for r in rounds:
        echo(f"  {r['set']:14s} " + "  ".join(
            f"{level} (n={r[level]['n']}) urgent {r[level]['urgent'][0]:.2f}->{r[level]['urgent'][1]:.2f} "
            f"resources {r[level]['resources'][0]:.2f}->{r[level]['resources'][1]:.2f}"
            for level in CLASSES if level in r))
