"""The model's second opinion on risk, against the wire-protocol test server: it raises, never lowers, and a model
that stalls, fails or talks nonsense leaves the local verdict (and the reader's answer) as they were."""
from __future__ import annotations

import pytest

from service.answering.pipeline import AnswerPipeline
from service.guardrails.second_opinion import ModelRating, parse_rating
from tests.support.model_server import Behaviour
from tests.support.settings import llm_settings

ORDINARY = "My ex is my coworker and I see him every day. How do I do no contact?"
GOOD_ANSWER = ("Zan says to keep every exchange with a coworker ex strictly work-related [1]. "
               "Stay polite and brief, and talk about work only [1].")


@pytest.fixture(scope="module")
def screened(fake, built_settings, embedder):
    """The llm pipeline with a 1 s budget for the model's rating."""
    return AnswerPipeline.build(llm_settings(built_settings, fake.url).with_overrides(llm_risk_budget=1.0), embedder)


@pytest.fixture(autouse=True)
def _clean_script(fake):
    fake.script.clear()
    fake.risk_script.clear()
    yield
    fake.script.clear()
    fake.risk_script.clear()


@pytest.mark.parametrize("text,expected", [
    ('{"level": "urgent", "category": "abuse"}', ModelRating("urgent", "abuse")),
    ('```json\n{"level": "Support", "category": null}\n```', ModelRating("support", None)),
    ('Rating: {"level": "urgent", "category": "weather"} - done', ModelRating("urgent", None)),
    ('{"level": "maybe"}', None),
    ("urgent", None),
    ("", None),
])
def test_the_rating_is_read_leniently_but_only_with_a_known_level(text, expected):
    assert parse_rating(text) == expected


def test_the_model_raises_an_ordinary_reading_and_the_reader_is_still_answered(fake, screened):
    fake.enqueue_rating(Behaviour('{"level": "urgent", "category": "abuse"}'))
    fake.enqueue(Behaviour(GOOD_ANSWER))
    result = screened.answer(ORDINARY, locale="en-US")
    reply = result.reply
    assert reply.safety.level == "urgent" and reply.safety.categories[0] == "abuse"
    contacts = [r.contact for r in reply.safety.resources]
    assert contacts[0] == "Call 911" and any("799-7233" in c for c in contacts)  # emergency, then abuse lines
    assert "model second opinion: urgent (abuse)" in result.risk.matched
    assert "work-related" in reply.answer  # a false alarm still answers the question
    rated = fake.risk_requests[-1]
    assert ORDINARY in rated["messages"][1]["content"] and rated["temperature"] == 0


def test_the_model_sees_the_readers_earlier_turns(fake, screened):
    fake.enqueue(Behaviour(GOOD_ANSWER))
    asked = len(fake.risk_requests)
    history = [{"role": "user", "content": "we were together four years and he left in march"},
               {"role": "assistant", "content": "That sounds hard."}]
    screened.answer(ORDINARY, history=history)
    assert len(fake.risk_requests) == asked + 1
    assert "we were together four years" in fake.risk_requests[-1]["messages"][1]["content"]


def test_the_model_never_lowers_the_local_verdict(fake, screened):
    fake.enqueue_rating(Behaviour('{"level": "none", "category": null}'))
    fake.enqueue(Behaviour(GOOD_ANSWER))
    text = "I haven't slept or eaten properly in three weeks since she left and I have panic attacks at work"
    result = screened.answer(text)
    assert result.reply.safety.level == "support" and result.reply.safety.resources
    assert "model second opinion: none" in result.risk.matched


@pytest.mark.parametrize("behaviour,reason", [
    (Behaviour('{"level": "urgent"}', delay=2.5), "no answer within 1 s"),
    (Behaviour(status=500), "HTTP 500"),
    (Behaviour(malformed=True), "malformed"),
    (Behaviour("I'd rather not say."), "unreadable answer"),
])
def test_a_model_that_stalls_fails_or_rambles_leaves_the_local_verdict(fake, screened, behaviour, reason):
    fake.enqueue_rating(behaviour)
    fake.enqueue(Behaviour(GOOD_ANSWER))
    result = screened.answer(ORDINARY)
    assert result.reply.safety.level == "none" and not result.reply.safety.resources
    assert any(m.startswith("model second opinion unavailable") and reason in m for m in result.risk.matched)
    assert "work-related" in result.reply.answer


def test_an_emergency_never_waits_for_the_model(fake, screened):
    asked = len(fake.risk_requests)
    reply = screened.answer("I have the pills counted out and I'm going to take them all tonight").reply
    assert reply.safety.level == "urgent" and len(fake.risk_requests) == asked
    assert reply.safety.resources[0].contact in reply.answer


def test_a_message_in_another_language_raised_to_urgent_gets_the_crisis_reply(fake, screened):
    fake.enqueue_rating(Behaviour('{"level": "urgent", "category": "stalking"}'))
    reply = screened.answer("Mi ex es mi compañero de trabajo. ¿Cómo hago contacto cero?", locale="es-MX").reply
    assert reply.safety.level == "urgent" and reply.safety.categories == ["stalking"]
    assert reply.safety.resources and reply.safety.resources[0].contact in reply.answer
    assert reply.generator == "grounded" and not reply.citations  # the crisis reply, no model answer waited for


def test_a_message_the_model_rates_at_risk_is_never_declined(fake, screened):
    fake.enqueue_rating(Behaviour('{"level": "urgent", "category": "harm_others"}'))
    reply = screened.answer("How do I get into his email to see who he's talking to now?").reply
    assert reply.scope == "in" and reply.safety.level == "urgent"
    assert reply.safety.resources
