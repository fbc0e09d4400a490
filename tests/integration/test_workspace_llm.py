"""Drafts through a model endpoint (a wire-protocol test server): used when they pass the checks, else grounded."""
from __future__ import annotations

import re

import pytest

from service.answering.pipeline import AnswerPipeline
from service.workspace.drafting import Drafter
from tests.support.model_server import Behaviour
from tests.support.paths import SMALL_MODEL_ANSWERS as FIXTURES
from tests.support.paths import load_yaml
from tests.support.settings import llm_settings

MEL = ("Unfortunatly my ex is my Business Partner and also my employer. To go in 0 contact i would need to quit my "
       "Job and separate my company. So workwise i have to communicate with my ex. Its a nightmare.")
# Faithful to the first passage the drafter shows for Mel's comment (Dave Barker on modified no contact; Zan's own
# reply to Mel is her thread, never a source): each sentence cites the passage it comes from.
GOOD_BODY = ("Situations like this require a Modified No Contact technique [1]. You'll need to keep your distance "
             "but be willing to communicate with your ex when absolutely necessary [1].")


@pytest.fixture(scope="module")
def drafter(fake, built_settings, embedder):
    return Drafter(AnswerPipeline.build(llm_settings(built_settings, fake.url), embedder))


def test_a_checked_model_draft_is_used_in_the_coachs_shape(fake, drafter):
    fake.enqueue(Behaviour(GOOD_BODY))
    draft = drafter.draft("Mel Weak", MEL, "zan-what-is-the-no-contact-rule")
    assert draft.generator == "llm" and draft.fallback_reason is None
    assert draft.text.startswith("Hi Mel.\n\n") and draft.text.rstrip().endswith("Kind regards,")
    assert "keep your distance" in draft.text and "[1]" not in draft.text  # blog replies carry no marks
    assert draft.sources and draft.sources[0]["article_id"]
    system, user = (m["content"] for m in fake.requests[-1]["messages"])
    assert "ONLY advice that the numbered passages state" in system
    assert "Coach's reply:" in user and MEL[:40] in user
    assert "work-related subjects" not in user.split("Passages from")[0]  # Mel's own thread is no example


@pytest.mark.parametrize("behaviour", [Behaviour(status=500), Behaviour(malformed=True), Behaviour("slow", delay=3.0)])
def test_endpoint_failures_fall_back_to_the_grounded_draft(fake, drafter, behaviour):
    fake.enqueue(behaviour)
    draft = drafter.draft("Mel Weak", MEL, "zan-what-is-the-no-contact-rule")
    assert draft.generator == "grounded" and draft.fallback_reason
    assert draft.text.startswith("Hi Mel.") and "work-related" in draft.text


@pytest.mark.parametrize("fixture", load_yaml(FIXTURES)["answers"][:3], ids=["fixture-0", "fixture-1", "fixture-2"])
def test_real_bad_model_answers_never_become_drafts(fake, drafter, fixture):
    fake.enqueue(Behaviour(fixture["answer"]))
    draft = drafter.draft("Mel Weak", MEL, "zan-what-is-the-no-contact-rule")
    assert draft.generator == "grounded" and draft.fallback_reason.startswith("output check failed")
    assert fixture["answer"].strip()[:40] not in draft.text


def test_a_draft_naming_another_reader_is_refused(fake, drafter):
    fake.enqueue(Behaviour(GOOD_BODY.replace("You'll need", "Like Greg, you'll need")))
    draft = drafter.draft("Mel Weak", MEL, "zan-what-is-the-no-contact-rule")
    assert draft.generator == "grounded" and "Greg" not in draft.text
    assert draft.fallback_reason == "output check failed: names another reader"


NETFLIX = "We still share a Netflix account and a phone plan since the breakup. What do I do about that?"


def test_a_draft_gets_the_answers_guidance_and_must_say_the_gap_first(fake, drafter):
    """The same guidance as answers: a comment on something the articles don't cover is told so first; a model draft
    that skips it goes back to the grounded one."""
    fake.enqueue(Behaviour(status=500))  # a first call shows what the model is given
    drafter.draft("Sam", NETFLIX, None)
    user = fake.requests[-1]["messages"][1]["content"]
    assert "The articles don't talk about shared accounts" in user
    n = re.search(r"\[(\d+)\] Carmen Sakurai[^\n]*: Block the ex", user).group(1)
    advice = f"Block the ex on Facebook, Instagram, Skype, WhatsApp, and all other social media [{n}]."
    fake.enqueue(Behaviour(advice))
    draft = drafter.draft("Sam", NETFLIX, None)
    assert draft.generator == "grounded" and "claims coverage" in draft.fallback_reason
    fake.enqueue(Behaviour(f"The articles don't talk about shared accounts or phone plans. {advice}"))
    draft = drafter.draft("Sam", NETFLIX, None)
    assert draft.generator == "llm", draft.fallback_reason
    assert "don't talk about shared accounts" in draft.text
