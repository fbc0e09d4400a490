"""Output checks: every real small-model answer is rejected; faithful answers pass."""
from __future__ import annotations

import pytest

from service.guardrails import output as checks
from tests.support.answers import GOOD, cited_as_shown
from tests.support.paths import SMALL_MODEL_ANSWERS as FIXTURES
from tests.support.paths import load_yaml

FIXTURE_ANSWERS = load_yaml(FIXTURES)["answers"]


def _passages(pipeline, question) -> tuple[list, str]:
    """The passages a model would be shown for the question, and its risk level."""
    prepared = pipeline.prepare(pipeline.screen(question))
    return (prepared.context.passages if prepared.context else []), prepared.risk.level


@pytest.mark.parametrize("fixture", FIXTURE_ANSWERS, ids=[f"fixture-{i}" for i in range(len(FIXTURE_ANSWERS))])
def test_every_real_small_model_answer_is_rejected(pipeline, fixture):
    passages, level = _passages(pipeline, fixture["question"])
    passages = passages or [h.passage for h in pipeline.retriever.search(
        pipeline.embedder.embed([fixture["question"]])[0], 5, fixture["question"])]
    result = checks.verify(fixture["answer"], passages, pipeline.embedder, level=level)
    assert not result.ok
    # Rejected for what it says, not only for lacking citation marks: cite every sentence and check again.
    cited = "\n".join(f"{line} [1]" for line in fixture["answer"].splitlines() if line.strip())
    again = checks.verify(cited, passages, pipeline.embedder, level=level)
    assert not again.ok, fixture["why_reject"]


@pytest.mark.parametrize("good", GOOD, ids=[g["question"][:30] for g in GOOD])
def test_faithful_answers_pass(pipeline, good):
    passages, _ = _passages(pipeline, good["question"])
    result = checks.verify(cited_as_shown(good, passages), passages, pipeline.embedder)
    assert result.ok, result.reasons


def test_a_claim_citing_the_wrong_passage_fails(pipeline):
    """The same faithful answer with its two sources' marks swapped: every sentence is still true of some
    passage, but Zan's advice would be shown under Dave Barker's name and the other way round."""
    good = GOOD[0]
    passages, _ = _passages(pipeline, good["question"])
    swapped = cited_as_shown({**good, "sources": {1: good["sources"][2], 2: good["sources"][1]}}, passages)
    result = checks.verify(swapped, passages, pipeline.embedder)
    assert not result.ok
    assert any("not supported by the passage they cite" in r for r in result.reasons), result.reasons
    n = _at(passages, "Ask your ex for a professional")
    named = checks.citation_problems("Dave Barker says to ask your ex for a professional work relationship until "
                                     f"you figure out what to do about work and finances [{n}].",
                                     passages, pipeline.embedder)
    assert any(r.startswith("names Dave Barker for a passage by Zan") for r in named), named


def test_an_answer_naming_another_reader_fails(pipeline):
    good = GOOD[0]
    passages, _ = _passages(pipeline, good["question"])
    n = _at(passages, "Ask your ex for a professional")
    reader = checks.READER_NAME.search(passages[n - 1].text).group(1)
    text = f"Like {reader}, ask your ex for a professional work relationship until you figure out work [{n}]."
    assert any(r.startswith("names another reader (") and reader.split()[0] in r for r in
               checks.citation_problems(text, passages, pipeline.embedder))
    first = reader.split()[0]  # a first name alone is a name too
    text = f"Like {first}, ask your ex for a professional work relationship until you figure out work [{n}]."
    assert any(r == f"names another reader ({first})" for r in
               checks.citation_problems(text, passages, pipeline.embedder))


def _at(passages, words: str) -> int:
    return next(i for i, p in enumerate(passages, 1) if words in p.text)


def test_contradictions_respect_negation_and_conditions():
    assert checks.contradictions("Don't text your ex, and never beg.") == []
    assert checks.contradictions("If your ex texts you, you can reply briefly.") == []
    assert checks.contradictions("If you give in and reach out to your ex, it's not going to work.") == []
    assert "tells the reader to contact the ex" in checks.contradictions("If you want him back, text him tonight.")
    assert "tells the reader to contact the ex" in checks.contradictions("Text your ex tonight and explain.")
    assert "says no contact is impossible" in checks.contradictions("You can't do no contact with a coworker.")
    assert "tells the reader to send gifts" in checks.contradictions("You can also offer them some gifts.")


def test_citations_must_point_to_retrieved_passages(pipeline):
    passages, _ = _passages(pipeline, "My ex is my coworker. How do I do no contact?")
    text = "Do limited no contact where you talk to your ex only about work-related subjects [9]."
    result = checks.verify(text, passages[:3], pipeline.embedder)
    assert not result.ok and any("not retrieved" in r for r in result.reasons)


def test_degenerate_and_prompt_leaks_are_caught(pipeline):
    assert checks.degenerate("I'll have a joke. I'll have a joke. I'll have a joke.")
    system = (pipeline.settings.prompts_dir / "answer.system.j2").read_text()
    assert checks.leaks_prompt("Sure: " + system[:300], system)
