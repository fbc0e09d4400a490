"""Sentence splitting and small text helpers shared by chunking, composing and checks."""
from __future__ import annotations

import re

_ABBREVIATIONS = ("Dr.", "Mr.", "Mrs.", "Ms.", "Psy.D.", "Ph.D.", "e.g.", "i.e.", "etc.", "vs.", "St.", "No.")
_PLACEHOLDER = "\u2063"  # invisible separator: protects abbreviation dots while splitting
# A sentence ends at . ! ? or … (optionally followed by closing quotes/brackets) before a space and
# a capital, a digit, an opening quote or a list/heading marker.
_BOUNDARY = re.compile(r"(?<=[.!?…])([”\"’')\]]*)\s+(?=[A-Z0-9“\"‘'(#*\-])")
_WORD = re.compile(r"[A-Za-z0-9’']+")


def split_sentences(text: str) -> list[str]:
    """Split prose into sentences without cutting abbreviations or quoted endings."""
    protected = text
    for abbr in _ABBREVIATIONS:
        protected = protected.replace(abbr, abbr.replace(".", _PLACEHOLDER))
    sentences: list[str] = []
    for line in protected.splitlines():
        line = line.strip()
        if not line:
            continue
        pos = 0
        for match in _BOUNDARY.finditer(line):
            end = match.end(1)
            sentences.append(line[pos:end])
            pos = match.end()
        sentences.append(line[pos:])
    return [s.replace(_PLACEHOLDER, ".").strip() for s in sentences if s.strip()]


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes kept)."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def normalise_quotes(text: str) -> str:
    """Curly quotes to straight ones, for matching user text against patterns."""
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')
