"""Many regular expressions searched in one pass: hyperscan finds the candidates, `re` confirms them.

The risk and scope checks hold ~500 case-insensitive patterns; searching them one by one cost ~2 ms of
GIL-holding Python per request, a third of a serving worker's time. Hyperscan scans for all of them at once in
prefilter mode, which may report a pattern that does not match (lookaheads are approximated, every non-ASCII
letter is one letter to it: _AsciiFold) but never misses one that does, so confirming its candidates with `re`
gives exactly the answers of the one-by-one loop. Without hyperscan (or if a pattern will not compile) the loop is
used.
"""
from __future__ import annotations

import logging
import re
import threading
from collections.abc import Sequence

log = logging.getLogger("coach")


class PatternSet:
    """An ordered list of patterns: `first` is the match of the earliest pattern in the list that matches."""

    def __init__(self, patterns: Sequence[str], flags: int = re.I):
        self.compiled = [re.compile(p, flags) for p in patterns]
        self._db = _hyperscan_database(list(patterns), caseless=bool(flags & re.I))
        self._local = threading.local()  # hyperscan's scratch space is per thread

    def candidates(self, text: str) -> list[int]:
        """Indexes (in list order) of the patterns that may match `text`."""
        if self._db is None:
            return list(range(len(self.compiled)))
        found: set[int] = set()

        def on_match(pattern_id: int, _start: int, _end: int, _flags: int, _context) -> None:
            found.add(pattern_id)

        scratch = getattr(self._local, "scratch", None)
        if scratch is None:
            import hyperscan

            scratch = self._local.scratch = hyperscan.Scratch(self._db)
        self._db.scan(text.translate(_ASCII_FOLD).encode("ascii"), match_event_handler=on_match, scratch=scratch)
        return sorted(found)

    def first(self, text: str) -> re.Match | None:
        for i in self.candidates(text):
            m = self.compiled[i].search(text)
            if m:
                return m
        return None

    def search_any(self, text: str) -> bool:
        return self.first(text) is not None

    def blank(self, text: str, replacement: str = " ") -> str:
        """Every matching pattern's matches replaced, in list order."""
        for i in self.candidates(text):
            text = self.compiled[i].sub(replacement, text)
        return text


def _hyperscan_database(patterns: list[str], caseless: bool):
    try:
        import hyperscan
    except ImportError:
        return None
    flags = hyperscan.HS_FLAG_PREFILTER | hyperscan.HS_FLAG_SINGLEMATCH | hyperscan.HS_FLAG_ALLOWEMPTY
    if caseless:
        flags |= hyperscan.HS_FLAG_CASELESS
    db = hyperscan.Database(mode=hyperscan.HS_MODE_BLOCK)
    try:
        db.compile(expressions=[p.translate(_ASCII_FOLD).encode("ascii") for p in patterns],
                   ids=list(range(len(patterns))), elements=len(patterns), flags=[flags] * len(patterns))
    except hyperscan.error as exc:  # a construct hyperscan cannot prefilter: search one by one instead
        log.warning("hyperscan could not compile the patterns (%s): searching them one by one", exc)
        return None
    return db


class _AsciiFold(dict):
    """str.translate table: each non-ASCII character becomes one ASCII character of its kind (a letter "x", a digit
    "0", a space, other "~"), in the patterns and in the text alike. Hyperscan compiled in UTF-8 mode takes ~40 s
    for the risk patterns, and in byte mode a "ż" is two bytes that are not a word character: "żyć\\b" and
    ".{0,40}" across accented words silently failed. Folded, lengths, word edges and case are kept, and the
    prefilter only ever reports more candidates, which `re` then confirms on the real text."""

    def __missing__(self, code: int) -> int:
        if code < 128:
            folded = code
        else:
            char = chr(code)
            folded = ord("0" if char.isdigit() else "x" if char.isalnum() or char == "_" else
                         " " if char.isspace() else "~")
        self[code] = folded
        return folded


_ASCII_FOLD = _AsciiFold()
