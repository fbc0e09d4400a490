"""Sentence splitting and small text helpers shared by chunking, composing and checks."""
from __future__ import annotations

import re
from collections.abc import Iterator

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


def squash(text: str) -> str:
    """Runs of whitespace (non-breaking spaces included) as one space: for matching quotes in text."""
    return re.sub(r"\s+", " ", text.replace("\u00a0", " ")).strip()


def words(text: str) -> list[str]:
    """Lower-cased word tokens (apostrophes kept)."""
    return [w.lower().replace("’", "'") for w in _WORD.findall(text)]


def word_count(text: str) -> int:
    return len(_WORD.findall(text))


def normalise_quotes(text: str) -> str:
    """Curly quotes to straight ones, for matching user text against patterns."""
    return text.replace("’", "'").replace("‘", "'").replace("“", '"').replace("”", '"')


_CHAT_SPELLING = {
    "u": "you", "ur": "your", "urs": "yours", "r": "are", "im": "i'm", "ive": "i've",
    "dont": "don't", "cant": "can't", "wont": "won't", "didnt": "didn't", "doesnt": "doesn't", "isnt": "isn't",
    "havent": "haven't", "hasnt": "hasn't", "wasnt": "wasn't", "werent": "weren't", "wouldnt": "wouldn't",
    "shouldnt": "shouldn't", "couldnt": "couldn't", "thats": "that's", "whats": "what's", "hes": "he's",
    "shes": "she's", "theyre": "they're", "youre": "you're", "lets": "let's", "bc": "because", "cuz": "because",
    "cos": "because", "b/c": "because", "w/": "with", "w": "with", "smth": "something", "sth": "something",
    "thru": "through", "tmrw": "tomorrow", "tonite": "tonight", "pls": "please", "plz": "please", "ppl": "people",
    "abt": "about", "bf": "boyfriend", "gf": "girlfriend", "msg": "message", "msgs": "messages", "txt": "text",
    "acc": "account", "ig": "instagram", "insta": "instagram", "wk": "week", "wks": "weeks", "yr": "year",
    "yrs": "years", "bday": "birthday", "rn": "right now", "ex's": "ex's",
}
_CHAT_WORD = re.compile(r"(?<![\w'])(" + "|".join(re.escape(k) for k in sorted(_CHAT_SPELLING, key=len, reverse=True))
                        + r")(?![\w'])", re.I)


def normalise_chat(text: str) -> str:
    """Curly quotes straightened and chat spellings expanded ("ur" -> "your", "dont" -> "don't")."""
    return _CHAT_WORD.sub(lambda m: _CHAT_SPELLING[m.group(1).lower()], normalise_quotes(text))


def stream_pieces(text: str, size: int = 48) -> Iterator[str]:
    """Stream-sized pieces that split on word boundaries."""
    start = 0
    while start < len(text):
        end = min(len(text), start + size)
        if end < len(text):
            space = text.rfind(" ", start, end)
            end = space + 1 if space > start else end
        yield text[start:end]
        start = end
