"""The risk check's patterns (knowledge/risk_patterns.yaml): urgent families, support signs, figures of speech,
denials, statements of present safety and the soft cues; `classify` is the verdict of patterns alone."""
from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path

from ..patterns import PatternSet
from ..text import normalise_chat
from .language import detect as detect_language
from .patterns_file import load_pattern_file

FILE = "risk_patterns.yaml"


@dataclass(frozen=True)
class RiskPatterns:
    urgent: dict[str, PatternSet]  # category -> patterns, in the file's order
    figurative: PatternSet  # blanked out before anything else is looked for
    support: PatternSet
    denials: PatternSet
    safe_now: PatternSet
    soft_cues: dict[str, re.Pattern]
    soft_strong: frozenset[str]
    # A death cue alone raises a message only with the learned net's agreement (risk.py), unless the death may be
    # the reader's own (these): "his dad died, should I go to the funeral?" is most often a calm coaching question.
    own_death: PatternSet | None = None
    # The reader says they would never hurt the ex: the learned net alone may not call that a threat (risk.py).
    denials_of_harm: PatternSet | None = None
    # The danger named is someone else's or long past and over: urgent only with the learned net's agreement (risk.py).
    told_from_a_distance: PatternSet | None = None

    @classmethod
    def from_data(cls, data: dict) -> RiskPatterns:
        return cls({category: PatternSet(ps) for category, ps in data["urgent"].items()},
                   PatternSet(data["figurative"]), PatternSet(data["support"]), PatternSet(data["denials"]),
                   PatternSet(data["safe_now"]),
                   {family: re.compile(p, re.I) for family, p in data["soft_cues"].items()},
                   frozenset(data["soft_strong"]), PatternSet(data.get("own_death") or []),
                   PatternSet(data.get("denials_of_harm") or []),
                   PatternSet(data.get("told_from_a_distance") or []))

    @property
    def cue_families(self) -> tuple[str, ...]:
        return tuple(sorted(self.soft_cues))

    def clean(self, text: str) -> str:
        """Chat spellings expanded, lower case, figures of speech blanked out, whitespace collapsed."""
        return re.sub(r"\s+", " ", self.figurative.blank(normalise_chat(text).lower()))

    def cues(self, text: str) -> set[str]:
        """The cue families in a message once figures of speech are blanked out."""
        return self._cues_in(self.clean(text))

    def _cues_in(self, clean: str) -> set[str]:
        return {family for family, pattern in self.soft_cues.items() if pattern.search(clean)}

    def cues_need_confirming(self, text: str) -> bool:
        """Whether the text's only soft cue is a death that need not be the reader's own (own_death)."""
        clean = self.clean(text)
        return self.own_death is not None and self._cues_in(clean) == {"death"} and self.own_death.first(clean) is None

    def denies_harm(self, text: str) -> bool:
        """Whether the reader says they would never hurt the other person (denials_of_harm)."""
        return self.denials_of_harm is not None and self.denials_of_harm.search_any(normalise_chat(text).lower())

    def without_figures(self, text: str) -> str | None:
        """The message with its figures of speech blanked out, or None when it has none (any language)."""
        cleaned = self.clean(text)
        return cleaned.strip() if cleaned != re.sub(r"\s+", " ", normalise_chat(text).lower()) else None

    def told_from_distance(self, text: str) -> bool:
        """Whether the message says the danger it names is someone else's or over (told_from_a_distance)."""
        return self.told_from_a_distance is not None and self.told_from_a_distance.search_any(self.clean(text))

    def classify(self, text: str, language: str | None = None) -> tuple[str, list[str], list[str]]:
        """(level, categories, matched fragments) for one text, by patterns alone. The soft cues are English words
        (German and Dutch "die" is an article): only an English text is read for them; the net reads the rest.
        `language`: the text's, when the caller knows it; else it is detected here."""
        clean = self.clean(text)
        categories, matched = [], []
        for category, patterns in self.urgent.items():
            m = patterns.first(clean)
            if m:
                categories.append(category)
                matched.append(m.group(0))
        if categories and self.denials.search_any(clean) and set(categories) <= {"suicide", "self_harm"}:
            return "support", ["distress"], matched
        if categories == ["abuse"] and self.safe_now.search_any(clean):  # past, and safe since
            return "support", categories, matched
        if categories:
            return "urgent", categories, matched
        m = self.support.first(clean)
        if m:
            return "support", ["distress"], [m.group(0)]
        cues = self.cues(text) if (language or detect_language(text)) == "en" else set()
        if cues & self.soft_strong or len(cues) >= 2:
            return "support", ["possible risk"], [f"cues: {', '.join(sorted(cues))}"]
        return "none", [], []


@lru_cache(maxsize=4)
def load_risk_patterns(knowledge_dir: Path) -> RiskPatterns:
    return RiskPatterns.from_data(load_pattern_file(knowledge_dir / FILE))
