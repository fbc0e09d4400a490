"""Faithful model answers (tests/data/good_llm_answers.yaml), their citation marks renumbered to where the passages
they mean stand among those the model is shown for the question."""
from __future__ import annotations

import re

import pytest

from service.text import normalise_quotes
from tests.support.paths import DATA, load_yaml

GOOD = load_yaml(DATA / "good_llm_answers.yaml")["answers"]


def shown_passages(pipeline, question: str) -> list:
    prepared = pipeline.prepare(pipeline.screen(question))
    return prepared.context.passages if prepared.context else []


def cited_as_shown(good: dict, passages: list) -> str:
    """The answer with each [n] pointing at the shown passage holding `sources[n]`."""
    where = {}
    for n, words in good["sources"].items():
        found = [i for i, p in enumerate(passages, 1) if normalise_quotes(words) in normalise_quotes(p.text)]
        if not found:
            pytest.fail(f"no passage shown for {good['question']!r} holds {words!r}: update the fixture")
        where[int(n)] = found[0]
    return re.sub(r"\[(\d+)\]", lambda m: f"[{where[int(m.group(1))]}]", good["answer"])
