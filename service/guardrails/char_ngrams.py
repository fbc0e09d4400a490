"""Character n-grams of a message, tf-idf weighted: the risk net's spelling-level view, in any language.

The encoder is a 4-bit multilingual model; words it blurs ("pastillas", "tabletki", "zolpidem", "sleutels") still
share letters across languages and misspellings. The vocabulary and idf come from training (`coach train-risk`,
scikit-learn's TfidfVectorizer with analyzer="char_wb"); this reads them with the standard library and numpy, so the
service needs no scikit-learn. tests/unit/test_char_ngrams.py checks it against scikit-learn's own output.
"""
from __future__ import annotations

import math
import re
import unicodedata
from collections import Counter
from collections.abc import Sequence

import numpy as np

_WHITESPACE = re.compile(r"\s\s+")


def strip_accents(text: str) -> str:
    """scikit-learn's strip_accents_unicode: NFKD, combining marks dropped."""
    try:
        text.encode("ascii", errors="strict")
        return text
    except UnicodeEncodeError:
        normalized = unicodedata.normalize("NFKD", text)
        return "".join(c for c in normalized if not unicodedata.combining(c))


def char_wb_ngrams(text: str, low: int, high: int) -> list[str]:
    """n-grams of each word padded with a space at both ends, as scikit-learn's analyzer="char_wb"."""
    text = _WHITESPACE.sub(" ", strip_accents(text.lower()))
    grams = []
    for word in text.split():
        word = f" {word} "
        for n in range(low, high + 1):
            offset = 0
            grams.append(word[offset:offset + n])
            while offset + n < len(word):
                offset += 1
                grams.append(word[offset:offset + n])
            if offset == 0:  # a word shorter than n counts once
                break
    return grams


class CharNgrams:
    """Sublinear tf-idf over a fixed vocabulary, rows L2-normalised and scaled by `weight`."""

    def __init__(self, vocabulary: Sequence[str], idf: np.ndarray, ngram_range: tuple[int, int], weight: float):
        self.index = {gram: i for i, gram in enumerate(vocabulary)}
        self.idf = np.asarray(idf, np.float32)
        self.ngram_range = ngram_range
        self.weight = weight

    @property
    def dim(self) -> int:
        return len(self.index)

    def rows(self, texts: Sequence[str]) -> list[tuple[np.ndarray, np.ndarray]]:
        """Each text's non-zero columns and their values (a message has a few hundred of the tens of thousands)."""
        out = []
        for text in texts:
            counts = Counter(self.index[g] for g in char_wb_ngrams(text, *self.ngram_range) if g in self.index)
            cols = np.fromiter(counts.keys(), np.int64, len(counts))
            values = np.array([1.0 + math.log(n) for n in counts.values()], np.float32) * self.idf[cols]
            norm = float(np.linalg.norm(values))
            out.append((cols, values * (self.weight / norm) if norm else values))
        return out

    def transform(self, texts: Sequence[str]) -> np.ndarray:
        """(len(texts), dim) dense rows, for training."""
        out = np.zeros((len(texts), self.dim), np.float32)
        for row, (cols, values) in enumerate(self.rows(texts)):
            out[row, cols] = values
        return out

    def to_json(self) -> dict:
        return {"vocabulary": list(self.index), "idf": np.round(self.idf, 5).tolist(),
                "ngram_range": list(self.ngram_range), "weight": self.weight}

    @classmethod
    def from_json(cls, data: dict) -> CharNgrams:
        return cls(data["vocabulary"], np.array(data["idf"], np.float32), tuple(data["ngram_range"]),
                   float(data["weight"]))
