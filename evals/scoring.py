"""Offline answer metrics, no LLM judge: key points, groundedness, citation validity, disagreement coverage."""
from __future__ import annotations

import re

from service.guardrails import output as checks
from service.text import normalise_quotes, split_sentences

SUPPORT_THRESHOLD = checks.SUPPORT_THRESHOLD  # the same bar the output check holds an LLM answer to
STOPWORDS = frozenset("a an the to of and or your you it is be for on in at with that this do if".split())  # noqa: SIM905


def normalise(text: str) -> str:
    """Lowercase, straight quotes, citation marks and punctuation dropped, whitespace collapsed."""
    text = normalise_quotes(text).lower()
    text = checks.CITATION.sub(" ", text)
    text = re.sub(r"[^\w'\s-]", " ", text)
    return re.sub(r"\s+", " ", text).strip()


def _words(text: str) -> list[str]:
    return [w for w in normalise(text).split() if w not in STOPWORDS]


def mentions(answer: str, phrasing: str) -> bool:
    """The phrasing appears verbatim, or all of its content words appear within one sentence of the answer."""
    if f" {normalise(phrasing)} " in f" {normalise(answer)} ":
        return True
    wanted = set(_words(phrasing))
    if len(wanted) < 2:
        return False
    return any(wanted <= set(_words(s)) for s in split_sentences(answer.replace("\n", " ")))


def key_points_covered(answer: str, key_points: list[list[str]]) -> list[bool]:
    """One flag per key point: does the answer contain any of its acceptable phrasings?"""
    return [any(mentions(answer, p) for p in alternatives) for alternatives in key_points]


def groundedness(answer: str, passages, embedder,
                 framing: tuple[str, ...] = ()) -> tuple[float, list[tuple[str, float]]]:
    """Share of answer sentences whose best passage sentence is at least SUPPORT_THRESHOLD similar (the output
    check's own measure, checks.claim_support)."""
    support = checks.claim_support(answer, passages, embedder, framing)
    if not support:
        return 1.0, []
    return sum(b >= SUPPORT_THRESHOLD for _, b in support) / len(support), support


def citation_validity(answer: str, cited_passages, embedder) -> tuple[float, list[str]]:
    """Share of [n] marks that name a returned passage (the reply's passages are in citation order) which
    supports the sentence carrying the mark."""
    checked, valid, problems = 0, 0, []
    for line in answer.splitlines():
        for sentence in split_sentences(line):
            marks = [int(n) for n in checks.CITATION.findall(sentence)]
            claim = checks.strip_attribution(checks.CITATION.sub("", sentence).strip())
            for n in marks:
                checked += 1
                if not 1 <= n <= len(cited_passages):
                    problems.append(f"[{n}] points at no returned passage")
                    continue
                passage = cited_passages[n - 1]
                if not len(passage.vectors) or len(claim.split()) < checks.MIN_CLAIM_WORDS:
                    valid += 1  # nothing to weigh: a bare label or a very short line
                    continue
                best = float((embedder.embed([claim])[0] @ passage.vectors.T).max())
                if best >= SUPPORT_THRESHOLD:
                    valid += 1
                else:
                    problems.append(f"[{n}] does not support {claim[:60]!r} ({best:.2f})")
    return (valid / checked if checked else 1.0), problems


def sides_presented(answer: str, sides: list[dict]) -> list[bool]:
    """One flag per side of a disagreement: its author is named and one of its phrasings appears."""
    flags = []
    for side in sides:
        surname = side["author"].split()[-1]
        named = re.search(rf"\b{re.escape(surname)}\b", answer, re.I) is not None
        flags.append(named and any(mentions(answer, p) for p in side["phrasings"]))
    return flags
