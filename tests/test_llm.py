"""The llm generator against a server speaking the OpenAI wire protocol: good answers are used, every
failure (timeout, HTTP 500, malformed output, each real bad answer) ends in the safe grounded reply."""
from __future__ import annotations

import pytest

from service.coach import Coach
from tests.conftest import FIXTURES, PROJECT_ROOT, llm_settings, load_yaml
from tests.fake_openai import Behaviour

GOOD = load_yaml(PROJECT_ROOT / "tests" / "data" / "good_llm_answers.yaml")["answers"]
FIXTURE_ANSWERS = load_yaml(FIXTURES)["answers"]


@pytest.fixture(scope="module")
def llm_coach(fake, built_settings, embedder):
    return Coach.build(llm_settings(built_settings, fake.url), embedder)


@pytest.mark.parametrize("stream", [False, True])
def test_a_grounded_model_answer_is_used_and_cited(fake, llm_coach, stream):
    good = GOOD[0]
    fake.enqueue(Behaviour(good["answer"]))
    if stream:
        events = list(llm_coach.answer_stream(good["question"]))
        reply = events[-1][1]
        assert "".join(p for k, p in events if k == "delta") == reply.answer
    else:
        reply = llm_coach.answer(good["question"])
    assert reply.generator == "llm" and reply.fallback_reason is None
    assert "work-related" in reply.answer
    assert reply.citations and all(c.article_id for c in reply.citations)
    request = fake.requests[-1]
    assert request["model"] == "fake-model" and bool(request.get("stream")) == stream
    system, user = request["messages"][0]["content"], request["messages"][1]["content"]
    assert "ONLY the numbered passages" in system and good["question"] in user and "[1]" in user


@pytest.mark.parametrize("behaviour,reason", [
    (Behaviour("slow", delay=3.0), "timeout"),
    (Behaviour(status=500), "HTTP 500"),
    (Behaviour(malformed=True), "malformed"),
    (Behaviour(""), "empty"),
])
@pytest.mark.parametrize("stream", [False, True])
def test_endpoint_failures_fall_back_to_grounded(fake, llm_coach, behaviour, reason, stream):
    fake.enqueue(behaviour)
    question = "My ex is my coworker and I see him every day. How do I do no contact?"
    reply = list(llm_coach.answer_stream(question))[-1][1] if stream else llm_coach.answer(question)
    assert reply.generator == "grounded"
    assert reply.fallback_reason and (reason in reply.fallback_reason or "check failed" in reply.fallback_reason)
    assert "work-related" in reply.answer and reply.citations


@pytest.mark.parametrize("fixture", FIXTURE_ANSWERS, ids=[f"fixture-{i}" for i in range(len(FIXTURE_ANSWERS))])
def test_every_real_bad_answer_ends_in_a_safe_grounded_reply(fake, llm_coach, fixture):
    fake.enqueue(Behaviour(fixture["answer"]))
    before = len(fake.requests)
    reply = llm_coach.answer(fixture["question"])
    assert reply.generator == "grounded"
    if reply.safety.level == "urgent":
        assert len(fake.requests) == before  # a person at risk never waits on a model
        assert reply.safety.resources and reply.safety.resources[0].contact in reply.answer
        fake.script.clear()
    else:
        assert reply.fallback_reason.startswith("output check failed")
        assert fixture["answer"].strip()[:40] not in reply.answer
