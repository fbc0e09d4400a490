"""The llm generator against a server speaking the OpenAI wire protocol: good answers are used, every
failure (timeout, HTTP 500, malformed output, each real bad answer) ends in the safe grounded reply."""
from __future__ import annotations

import pytest

from service.answering.pipeline import AnswerPipeline
from tests.support.answers import GOOD, cited_as_shown, shown_passages
from tests.support.model_server import Behaviour
from tests.support.paths import SMALL_MODEL_ANSWERS as FIXTURES
from tests.support.paths import load_yaml
from tests.support.settings import llm_settings

FIXTURE_ANSWERS = load_yaml(FIXTURES)["answers"]


@pytest.fixture(scope="module")
def llm_pipeline(fake, built_settings, embedder):
    return AnswerPipeline.build(llm_settings(built_settings, fake.url), embedder)


@pytest.mark.parametrize("stream", [False, True])
def test_a_grounded_model_answer_is_used_and_cited(fake, llm_pipeline, stream):
    good = GOOD[0]
    fake.enqueue(Behaviour(cited_as_shown(good, shown_passages(llm_pipeline, good["question"]))))
    if stream:
        events = list(llm_pipeline.answer_stream(good["question"]))
        reply = events[-1][1].reply
        assert "".join(p for k, p in events if k == "delta") == reply.answer
    else:
        reply = llm_pipeline.answer(good["question"]).reply
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
def test_endpoint_failures_fall_back_to_grounded(fake, llm_pipeline, behaviour, reason, stream):
    fake.enqueue(behaviour)
    question = "My ex is my coworker and I see him every day. How do I do no contact?"
    reply = list(llm_pipeline.answer_stream(question))[-1][1].reply if stream else llm_pipeline.answer(question).reply
    assert reply.generator == "grounded"
    assert reply.fallback_reason and (reason in reply.fallback_reason or "check failed" in reply.fallback_reason)
    assert "work-related" in reply.answer and reply.citations


@pytest.mark.parametrize("fixture", FIXTURE_ANSWERS, ids=[f"fixture-{i}" for i in range(len(FIXTURE_ANSWERS))])
def test_every_real_bad_answer_ends_in_a_safe_grounded_reply(fake, llm_pipeline, fixture):
    fake.enqueue(Behaviour(fixture["answer"]))
    before = len(fake.requests)
    reply = llm_pipeline.answer(fixture["question"]).reply
    assert reply.generator == "grounded"
    if reply.safety.level == "urgent":
        assert len(fake.requests) == before  # a person at risk never waits on a model
        assert reply.safety.resources and reply.safety.resources[0].contact in reply.answer
        fake.script.clear()
    else:
        assert reply.fallback_reason.startswith("output check failed")
        assert fixture["answer"].strip()[:40] not in reply.answer
