"""The language a message is written in (py3langid: a small model shipped inside the package, offline)."""
from __future__ import annotations

import re
from functools import lru_cache

# Languages the service has templates and crisis lines for, and others it should recognise so that they are never
# mistaken for English (a message in Polish is still answered, with a note, never declined as off-topic).
LANGUAGES = ("en", "es", "fr", "de", "pt", "it", "nl", "pl", "ro", "sv", "da", "no", "cs", "hr", "tr", "el", "id",
             "ar", "ja", "ru", "uk", "hi", "zh", "ko", "ca", "fi", "hu")
MIN_LETTERS = 12  # shorter messages ("ok", "thanks", "my ex") are too short to tell: English is assumed
MAX_READ_CHARS = 2000  # plenty to tell a language; an imported comment can be a megabyte
_LETTER = re.compile(r"[^\W\d_]", re.UNICODE)


@lru_cache(maxsize=1)
def _identifier():
    from py3langid.langid import MODEL_FILE, LanguageIdentifier

    identifier = LanguageIdentifier.from_model_file(MODEL_FILE, norm_probs=True)
    identifier.set_languages(list(LANGUAGES))
    return identifier


def detect(text: str, min_confidence: float = 0.6) -> str:
    """ISO 639-1 code; "en" when the text is short or the guess is unsure."""
    text = text[:MAX_READ_CHARS]
    if len(_LETTER.findall(text)) < MIN_LETTERS:
        return "en"
    language, confidence = _identifier().classify(text)
    return language if confidence >= min_confidence else "en"
