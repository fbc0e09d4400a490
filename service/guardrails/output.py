"""Output checks for generated answers: grounded, validly cited, not against the articles' core advice."""
from __future__ import annotations

import re
from collections import Counter
from dataclasses import dataclass, field

import numpy as np

from ..embeddings import Embedder
from ..knowledge.store import StoredPassage
from ..text import normalise_quotes, split_sentences
from .gap_statements import gap_statement

# Calibrated on tests/data/good_llm_answers.yaml (faithful answers pass) and the real small-model answers
# in shared/fixtures (invented claims score 0.21-0.49 against their best passage sentence). Deliberately
# strict: a loose paraphrase can fall below it too, which costs a fallback to the grounded answer, never
# a harmful reply.
SUPPORT_THRESHOLD = 0.5
MIN_CLAIM_WORDS = 5
CITATION = re.compile(r"\[(\d+)\]")

_NEG = (r"(don't|do not|never|avoid|stop|resist|no need to|not|shouldn't|should not|can't|cannot|won't|without)\b"
        r"[^.!?]{0,40}")
_THEM = r"(your ex|him|her|them)"
# Advice that goes against every article: contact, begging, gifts, meetings, caretaking, "no contact is impossible".
CONTRADICTIONS = {
    "says no contact is impossible":
        r"\b(you can't|you cannot|can't|cannot|impossible to|not possible to) (really )?(do|go|keep|maintain) "
        r"no contact\b|\bno contact (is|isn't) (impossible|not possible|not an option|not for you)\b",
    "tells the reader to contact the ex":
        rf"\b(text|call|message|email|dm|reach out to|contact|visit|write to) {_THEM}\b",
    "tells the reader to meet the ex":
        r"\b(meet|meet up|get together|hang out|see each other)\b[^.!?]{0,30}\b(with )?"
        r"(your ex|him|her|them|every week|weekly|regularly)\b|\bweekly meetings?\b",
    "tells the reader to send gifts":
        r"\b(send|give|offer|buy|bring)\b[^.!?]{0,40}\b(gifts?|presents?|flowers|treats|chocolates?)\b",
    "tells the reader to beg": r"\b(beg|plead)\b",
    "tells the reader to look after the ex":
        rf"\b(emotional support|support {_THEM} emotionally|(help|offer to help|run errands|do favou?rs) "
        r"(for |with )?(your ex|him|her|them|errands))\b|\bhelp with errands\b|\boffer to help\b",
    "tells the reader to tell the ex they miss or love them":
        rf"\btell {_THEM} (that )?(you )?(miss|love|still|want)\b",
}
_CONTRA = {why: re.compile(p, re.I) for why, p in CONTRADICTIONS.items()}
_NEGATION_BEFORE = re.compile(_NEG + r"$", re.I)
_CONDITION_START = re.compile(r"\b(if|when|unless|once|whenever)\b", re.I)
_HELP_WORDS = re.compile(r"\b(crisis|helpline|hotline|lifeline|emergency|samaritans|988|112|911|999|therapist|"
                         r"professional|doctor|call|text)\b", re.I)


@dataclass
class CheckResult:
    ok: bool
    reasons: list[str] = field(default_factory=list)
    support: list[tuple[str, float]] = field(default_factory=list)  # (claim, best similarity)
    cited: list[int] = field(default_factory=list)


_ATTRIBUTION = re.compile(
    r"^(?:(?:but|and|so|also|however),?\s+)?(?:according to [A-Z][\w.]*(?: [A-Z][\w.]*)?,\s*|"
    r"(?:[A-Z][\w.]*(?: [A-Z][\w.]*)?|the (?:coach|coaches|article|articles)|both coaches)\s+"
    r"(?:says?|said|suggests?|recommends?|advises?|writes?|notes?|argues?|believes?|thinks?|adds?|points out|"
    r"puts it|calls this)"
    r"(?:\s+(?:that|to))?[:,]?\s+)")


_VERDICT_WORD = re.compile(r"^(?:yes|no|not at all|not necessarily|better not|the coaches differ)\s*[:,.]\s*", re.I)


def strip_attribution(sentence: str) -> str:
    """'Zan suggests doing X' -> 'doing X', 'Yes: X' -> 'X': who said it, and the verdict word, are not part of
    the claim being checked."""
    stripped = _ATTRIBUTION.sub("", _VERDICT_WORD.sub("", sentence, count=1), count=1)
    return stripped if len(stripped.split()) >= 3 else sentence


def claims(answer: str) -> list[str]:
    """Answer sentences that make a claim: citation marks removed, list markers and short framing skipped."""
    out = []
    for line in answer.splitlines():
        line = re.sub(r"^\s*([-*•]|\d+[.)])\s*", "", line).strip()
        for sentence in split_sentences(CITATION.sub("", line)):
            sentence = sentence.strip()
            # A label introducing a list ("Here is what they suggest:") is not a claim; a sentence before it is.
            if len(sentence.split()) >= MIN_CLAIM_WORDS and not sentence.endswith(":"):
                out.append(sentence)
    return out


def contradictions(answer: str) -> list[str]:
    """Core-advice violations, ignoring negated ("don't text him") and conditional ("if he texts") uses."""
    found = []
    text = normalise_quotes(answer)
    for sentence in split_sentences(text.replace("\n", " ")):
        for why, pattern in _CONTRA.items():
            for m in pattern.finditer(sentence):
                before = sentence[:m.start()]
                conditional = _in_condition(before) and why != "says no contact is impossible"
                if _NEGATION_BEFORE.search(before) or conditional:
                    continue
                if why not in found:
                    found.append(why)
    return found


def _in_condition(before: str) -> bool:
    """True inside an if/when clause ("If you reach out to your ex, it resets"), not after its comma
    ("If you want him back, text him" is still advice)."""
    starts = list(_CONDITION_START.finditer(before))
    return bool(starts) and not re.search(r"[,;:]", before[starts[-1].end():])


def degenerate(answer: str) -> bool:
    """Repeated sentences or phrases: a model stuck in a loop."""
    sentences = [s.lower() for s in split_sentences(answer) if len(s.split()) >= 3]
    if sentences and max(Counter(sentences).values()) >= 2 and len(set(sentences)) < len(sentences):
        return True
    words = re.findall(r"\w+", answer.lower())
    grams = [" ".join(words[i:i + 4]) for i in range(max(0, len(words) - 3))]
    if not grams:
        return False
    counts = Counter(grams)
    repeated = sum(c for c in counts.values() if c > 1)
    # A phrase recurring across quotes ("get your ex back") is normal; a loop repeats a large share.
    return max(counts.values()) >= 5 or repeated / len(grams) > 0.3


def leaks_prompt(answer: str, prompt: str, n: int = 8) -> bool:
    """True when the answer repeats any n consecutive words of the system prompt."""
    a, p = re.findall(r"\w+", answer.lower()), re.findall(r"\w+", prompt.lower())
    grams = {" ".join(p[i:i + n]) for i in range(max(0, len(p) - n + 1))}
    return any(" ".join(a[i:i + n]) in grams for i in range(max(0, len(a) - n + 1)))


def claim_support(answer: str, passages: list[StoredPassage], embedder: Embedder,
                  framing: tuple[str, ...] = ()) -> list[tuple[str, float]]:
    """(claim, similarity of its best passage sentence) for each answer sentence that makes a claim;
    `framing` sentences (our own templates' intros and notes) make none. No passages: every claim scores 0."""
    exempt = {f.strip() for frame in framing for f in split_sentences(frame)}
    sentences = [s for s in claims(answer) if s.strip() not in exempt and not gap_statement(s)]
    vectors = [p.vectors for p in passages if len(p.vectors)]
    if not sentences or not vectors:
        return [(s, 0.0) for s in sentences]
    sims = embedder.embed([strip_attribution(s) for s in sentences]) @ np.vstack(vectors).T
    return list(zip(sentences, [float(b) for b in sims.max(axis=1)]))


_ONLY_MARKS = re.compile(r"^(?:\s*\[\d+\])+[.!?]?$")
READER_NAME = re.compile(r"^([A-Z][\w'-]+(?: [A-Z][\w'-]+)?) asked:", re.M)


def cited_claims(answer: str) -> list[tuple[str, set[int]]]:
    """(claim, the passage numbers it cites) per claim sentence. A sentence without a mark takes the marks of the
    nearest marked sentences before and after it in its paragraph (a mark often covers the sentences before it,
    and a sentence may elaborate the one cited before it); marks standing alone after a full stop belong to the
    sentence before them."""
    return [(text, marks) for text, _, marks in claims_with_marks(answer)]


def claims_with_marks(answer: str) -> list[tuple[str, set[int], set[int]]]:
    """(claim, its own marks, the marks it is read with) per claim sentence: see cited_claims."""
    out: list[tuple[str, set[int], set[int]]] = []
    for line in answer.splitlines():
        line = re.sub(r"^\s*([-*•]|\d+[.)])\s*", "", line).strip()
        if not line:
            continue
        sentences: list[list] = []
        for sentence in split_sentences(line):
            marks = {int(n) for n in CITATION.findall(sentence)}
            if _ONLY_MARKS.match(sentence.strip()) and sentences:
                sentences[-1][1] |= marks
            else:
                sentences.append([sentence, marks])
        own = [set(marks) for _, marks in sentences]
        for i, item in enumerate(sentences):
            if not own[i]:  # between two marks it may elaborate the one before or lead to the one after
                before = next((m for m in reversed(own[:i]) if m), set())
                after = next((m for m in own[i + 1:] if m), set())
                item[1] = before | after
        for (sentence, marks), mine in zip(sentences, own):
            text = CITATION.sub("", sentence).strip()
            if len(text.split()) >= MIN_CLAIM_WORDS and not text.endswith(":"):  # a list's label is no claim
                out.append((text, mine, marks))
    return out


def citation_problems(answer: str, passages: list[StoredPassage], embedder: Embedder,
                      threshold: float = SUPPORT_THRESHOLD) -> list[str]:
    """Each sentence against the passages it cites, not all of them: a claim backed only by another passage, or
    put in the mouth of a coach who didn't write the passage cited, is shown under the wrong name."""
    pairs = [(c, {n for n in marks if 1 <= n <= len(passages)}) for c, marks in cited_claims(answer)
             if not gap_statement(c)]
    pairs = [(c, marks) for c, marks in pairs if marks and any(len(passages[n - 1].vectors) for n in marks)]
    problems = []
    if pairs:
        vectors = embedder.embed([strip_attribution(c) for c, _ in pairs])
        weak = [c for (c, marks), v in zip(pairs, vectors)
                if max(float((passages[n - 1].vectors @ v).max()) for n in marks if len(passages[n - 1].vectors))
                < threshold]
        if weak:
            problems.append(f"{len(weak)} sentences not supported by the passage they cite (e.g. {weak[0][:80]!r})")
    return problems + wrong_coach_named(pairs, passages) + other_readers_named(answer, passages)


def wrong_coach_named(pairs: list[tuple[str, set[int]]], passages: list[StoredPassage]) -> list[str]:
    """A claim that names a coach who wrote none of the passages it cites."""
    authors = {a: _name_words(a) for a in {p.author for p in passages if p.author}}
    for claim, marks in pairs:
        named = {a for a, words in authors.items() if any(re.search(rf"\b{re.escape(w)}\b", claim) for w in words)}
        cited_authors = {passages[n - 1].author for n in marks if 1 <= n <= len(passages)}
        if named and cited_authors and not named & cited_authors:
            return [f"names {', '.join(sorted(named))} for a passage by {', '.join(sorted(cited_authors))}"]
    return []


def other_readers_named(answer: str, passages: list[StoredPassage]) -> list[str]:
    """Any word of a commenter's name ("Mel" of "Mel Weak"), but not one a coach's name shares ("Dave")."""
    author_words = {w for p in passages if p.author for w in p.author.split()}
    readers = {w for p in passages if p.kind == "reader_qa" for m in READER_NAME.finditer(p.text)
               for w in m.group(1).split() if len(w) > 2 and w not in author_words}
    shown = sorted(r for r in readers if re.search(rf"\b{re.escape(r)}\b", answer))
    return [f"names another reader ({', '.join(shown)})"] if shown else []


def _name_words(author: str) -> list[str]:
    """The words a sentence may name an author by: 'Dave Barker' -> ['Dave Barker', 'Barker', 'Dave']."""
    words = [w for w in author.split() if len(w) > 2 and w[0].isupper()]
    return [author, *words]


class _Remembering:
    """An embedder that embeds each text once for the life of one check."""

    def __init__(self, embedder: Embedder):
        self.embedder = embedder
        self.seen: dict[str, np.ndarray] = {}

    def embed(self, texts: list[str]) -> np.ndarray:
        missing = list(dict.fromkeys(t for t in texts if t not in self.seen))
        if missing:
            self.seen.update(zip(missing, self.embedder.embed(missing)))
        return np.vstack([self.seen[t] for t in texts]) if texts else self.embedder.embed(texts)


def verify(answer: str, passages: list[StoredPassage], embedder: Embedder, *, level: str = "none",
           system_prompt: str = "", threshold: float = SUPPORT_THRESHOLD, framing: tuple[str, ...] = ()) -> CheckResult:
    """All checks; passages are numbered [1..n] in the order given. `framing`: sentences of our own
    templates (intros, notes) that frame the answer and make no claim of their own."""
    reasons: list[str] = []
    if not answer.strip():
        return CheckResult(False, ["empty answer"])
    cited = [int(n) for n in CITATION.findall(answer)]
    bad = sorted({n for n in cited if not 1 <= n <= len(passages)})
    if bad:
        reasons.append(f"cites passages that were not retrieved: {bad}")
    if passages and not cited:
        reasons.append("cites no passage")
    if degenerate(answer):
        reasons.append("repeats itself")
    reasons += contradictions(answer)
    if level == "urgent" and not _HELP_WORDS.search(answer):
        reasons.append("a person at risk gets no pointer to help")
    if system_prompt and leaks_prompt(answer, system_prompt):
        reasons.append("repeats the system prompt")
    embedder = _Remembering(embedder)  # the support and the citation checks embed mostly the same sentences
    support = claim_support(answer, passages, embedder, framing)
    if not support:
        reasons.append("no answer sentences")
    elif passages:
        weak = [s for s, b in support if b < threshold]
        if weak:
            reasons.append(f"{len(weak)} of {len(support)} sentences not supported by the passages "
                           f"(e.g. {weak[0][:80]!r})")
        else:
            reasons += citation_problems(answer, passages, embedder, threshold)
    return CheckResult(not reasons, reasons, support if passages else [], sorted(set(cited)))
