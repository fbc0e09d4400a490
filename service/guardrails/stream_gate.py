"""A model's answer let through sentence by sentence as it streams, each sentence only once it passes its checks."""
from __future__ import annotations

import re
from collections import Counter

from ..embeddings import Embedder
from ..errors import GenerationError
from ..knowledge.store import StoredPassage
from ..text import split_sentences
from . import output
from .gap_statements import gap_statement

_LETTER = re.compile(r"[^\W\d_]")


class StreamGate:
    """Collects the model's pieces; `release()` returns the next run of whole sentences that passed the checks one
    sentence can fail (support by the passages and by the passage it cites, a valid mark, the coach named, no other
    reader named, none of the contradiction rules, no prompt leak), or raises GenerationError at the first one that
    fails. A sentence is let through once the next one has begun (its citation marks have come by then). What needs
    the whole answer (loops, a pointer to help, citing at all, a sentence read with the marks after it) is left to
    `output.verify` at the end, which can still replace the answer."""

    def __init__(self, passages: list[StoredPassage], embedder: Embedder, system_prompt: str = "",
                 threshold: float = output.SUPPORT_THRESHOLD):
        self.passages = passages
        self.embedder = embedder
        self.system_prompt = system_prompt
        self.threshold = threshold
        self.text = ""  # everything received, leading whitespace dropped
        self.released = 0  # how much of self.text has been let through
        self._seen: Counter[str] = Counter()  # claims of the released text already checked

    def add(self, piece: str) -> None:
        self.text = (self.text + piece) if self.text else piece.lstrip()

    def boundary(self, *, final: bool = False) -> int:
        """Where the text can be cut now: after the last settled sentence."""
        if final:
            return len(self.text.rstrip())
        closed = self.text.rfind("\n") + 1  # whole lines (paragraphs, list items) are settled
        line = self.text[closed:]
        sentences = split_sentences(line)
        # ...up to their last word: the line break goes with the text after it (the answer's end is stripped).
        cut, pos = len(self.text[:closed].rstrip()), 0
        # All but the last sentence of the open line are settled once the last one has a letter (not "[2"): a
        # mark after a sentence's full stop has come by then.
        if len(sentences) > 1 and _LETTER.search(sentences[-1]):
            for sentence in sentences[:-1]:
                found = line.find(sentence, pos)
                if found < 0:  # not found verbatim (it never should be): wait for the line's end
                    return max(cut, self.released)
                pos = found + len(sentence)
            cut = closed + pos
        return max(cut, self.released)

    def ready(self) -> bool:
        return self.boundary() > self.released

    def release(self, *, final: bool = False) -> str:
        """The next checked run of text (possibly empty); GenerationError when a sentence in it fails."""
        cut = self.boundary(final=final)
        if cut <= self.released:
            return ""
        segment = self.text[self.released:cut]
        problems = self._problems(self.text[:cut], segment)
        if problems:
            raise GenerationError("output check failed while streaming: " + "; ".join(problems))
        self.released = cut
        return segment

    def _problems(self, prefix: str, segment: str) -> list[str]:
        problems = []
        bad = sorted({int(n) for n in output.CITATION.findall(segment) if not 1 <= int(n) <= len(self.passages)})
        if bad:
            problems.append(f"cites passages that were not retrieved: {bad}")
        # The whole text so far: a sentence broken over a line ("You should text\nhim") is read as one, as at the end.
        problems += output.contradictions(prefix)
        if self.system_prompt and output.leaks_prompt(prefix, self.system_prompt):
            problems.append("repeats the system prompt")
        if problems:
            return problems
        # Claims not checked yet, by text: the count alone can't tell (a line that turns out to end in a list's label
        # drops its label, so an earlier claim's place can be taken by a new one).
        claims = [(text, own) for text, own, _ in output.claims_with_marks(prefix)]
        seen, new = Counter(self._seen), []
        for text, own in claims:
            if seen[text] > 0:
                seen[text] -= 1
            else:
                new.append((text, own))
        self._seen = Counter(text for text, _ in claims)
        new = [c for c in new if not gap_statement(c[0])]  # "The articles don't cover that": no claim
        # A sentence with marks of its own is checked against them now; one without is read with the marks around
        # it, which may not have come yet: now it is checked against every passage, and with those marks at the end.
        marked = [(text, own) for text, own in new if own]
        return self._unsupported(new) + self._misattributed(marked) + output.other_readers_named(segment, self.passages)

    def _unsupported(self, claims: list[tuple[str, set[int]]]) -> list[str]:
        usable = [p for p in self.passages if len(p.vectors)]
        if not claims:
            return []
        if not usable:
            return [f"not supported by the passages ({claims[0][0][:80]!r})"]
        vectors = self.embedder.embed([output.strip_attribution(c) for c, _ in claims])
        for (claim, marks), v in zip(claims, vectors):
            if max(float((p.vectors @ v).max()) for p in usable) < self.threshold:
                return [f"not supported by the passages ({claim[:80]!r})"]
            cited = [self.passages[n - 1] for n in marks if 1 <= n <= len(self.passages)]
            cited = [p for p in cited if len(p.vectors)]
            if cited and max(float((p.vectors @ v).max()) for p in cited) < self.threshold:
                return [f"not supported by the passage it cites ({claim[:80]!r})"]
        return []

    def _misattributed(self, claims: list[tuple[str, set[int]]]) -> list[str]:
        """A coach named for a passage by another, as the whole-answer check reads it."""
        return output.wrong_coach_named(claims, self.passages)
