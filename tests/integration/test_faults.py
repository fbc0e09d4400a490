"""Faults at the edges we don't own, over HTTP: a hanging, dripping, stalling or failing model endpoint, and a
frozen, dead or restarted Chroma server. A reader at risk is answered whatever they do; everyone else gets the
grounded answer once the model's deadline passes, or a clear 503 with Retry-After while the articles can't be
searched; /healthz says which dependency is at fault and /livez stays up."""
from __future__ import annotations

import json
import shutil
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

from service.answering.pipeline import AnswerPipeline
from tests.support.answers import GOOD as GOOD_ANSWERS
from tests.support.chroma_server import ChromaServer
from tests.support.drip_proxy import DripProxy
from tests.support.model_server import Behaviour
from tests.support.server import serve
from tests.support.settings import llm_settings

URGENT = "I want to kill myself tonight, I have the pills ready"
SUPPORT = "Since the breakup I've been feeling really depressed and I can't stop crying every night"
ORDINARY = "My ex is my coworker and I see him every day. How do I do no contact?"
GOOD = GOOD_ANSWERS[0]  # its marks don't matter here: the answer never arrives in time


def _ask(url: str, question: str, *, stream: bool = False) -> httpx.Response:
    if stream:
        return httpx.post(f"{url}/api/ask/stream", json={"question": question, "locale": "en-US"}, timeout=60)
    return httpx.post(f"{url}/api/ask", json={"question": question, "locale": "en-US"}, timeout=60)


def _done(response: httpx.Response) -> dict:
    """The reply of /api/ask, or the `done` event of /api/ask/stream."""
    if response.headers["content-type"].startswith("text/event-stream"):
        events = [e for e in response.text.replace("\r\n", "\n").split("\n\n") if e.startswith("event: done")]
        return json.loads(events[0].split("data: ", 1)[1])
    return response.json()


@pytest.fixture(scope="module")
def model_app(fake, built_settings, embedder, tmp_path_factory):
    """The app with a model endpoint that has a 2-second deadline for a whole answer."""
    pipeline = AnswerPipeline.build(llm_settings(built_settings, fake.url, llm_timeout=2.0), embedder)
    with serve(pipeline, tmp_path_factory.mktemp("model-faults"), rate_limit="off") as (url, _):
        _ask(url, "How long should no contact last?")  # warm: the tests time the stages, not a first request
        yield url
    fake.script.clear()


def test_a_hanging_model_never_delays_a_reader_in_crisis(fake, model_app):
    fake.script.clear()
    fake.enqueue(*[Behaviour("never sent", delay=8.0) for _ in range(4)])
    before = len(fake.requests)
    with ThreadPoolExecutor(max_workers=5) as pool:
        ordinary = [pool.submit(_ask, model_app, ORDINARY) for _ in range(4)]
        deadline = time.monotonic() + 30
        while len(fake.requests) < before + 2:  # the model is being waited on
            assert not any(f.done() for f in ordinary) and time.monotonic() < deadline
            time.sleep(0.01)
        urgent = _ask(model_app, URGENT)
        # The urgent reply came back while every ordinary request still waited on the model.
        assert not any(f.done() for f in ordinary)
        replies = [f.result().json() for f in ordinary]
    body = urgent.json()
    assert urgent.status_code == 200 and body["safety"]["level"] == "urgent"
    assert body["safety"]["resources"] and body["safety"]["resources"][0]["contact"] in body["answer"]
    for reply in replies:
        assert reply["generator"] == "grounded" and "work-related" in reply["answer"]
        assert reply["fallback_reason"] == "timeout after 2 s (the whole answer)"


@pytest.mark.parametrize("behaviour,stream", [
    (Behaviour(GOOD["answer"], drip=0.5), False),  # a plain answer, 8 bytes every half second
    (Behaviour(GOOD["answer"], drip=0.5), True),  # a stream, a word every half second
    (Behaviour(GOOD["answer"], stall_after=3, delay=30), True),  # three words, then silence
], ids=["drip", "drip-stream", "stall-mid-stream"])
def test_a_slow_or_stalled_model_answer_is_cut_at_the_deadline(fake, model_app, behaviour, stream):
    fake.script.clear()
    fake.enqueue(behaviour)
    response = _ask(model_app, GOOD["question"], stream=stream)
    reply = _done(response)
    assert response.status_code == 200 and reply["generator"] == "grounded"
    assert reply["fallback_reason"] == "timeout after 2 s (the whole answer)"
    assert reply["citations"] and reply["answer"]


def test_the_breaker_stops_calling_a_failing_model_and_health_says_so(fake, built_settings, embedder,
                                                                       tmp_path_factory):
    settings = llm_settings(built_settings, fake.url, llm_failures_to_pause=2, llm_pause=120)
    pipeline = AnswerPipeline.build(settings, embedder)
    fake.script.clear()
    with serve(pipeline, tmp_path_factory.mktemp("breaker"), rate_limit="off") as (url, _):
        assert httpx.get(f"{url}/healthz").json()["checks"]["model_endpoint"]["state"] == "closed"
        fake.enqueue(Behaviour(status=500), Behaviour(status=500))
        for _ in range(2):
            assert _ask(url, ORDINARY).json()["fallback_reason"] == "HTTP 500 from the model endpoint"
        answers, ratings = len(fake.requests), len(fake.risk_requests)
        reply = _ask(url, ORDINARY).json()
        assert (len(fake.requests), len(fake.risk_requests)) == (answers, ratings)  # not called at all
        assert reply["generator"] == "grounded" and "work-related" in reply["answer"]
        assert reply["fallback_reason"].startswith("model endpoint paused after 2 failures in a row")
        health = httpx.get(f"{url}/healthz")
        body = health.json()
        assert health.status_code == 200 and body["status"] == "degraded" and body["answering_with"] == "grounded"
        endpoint = body["checks"]["model_endpoint"]
        assert endpoint["state"] == "open" and endpoint["retry_in_s"] > 60


def test_a_request_the_model_refuses_does_not_pause_it(fake, built_settings, embedder, tmp_path_factory):
    # A request the endpoint refuses (a prompt past its context: HTTP 400) shows the endpoint is up: the grounded
    # answer for that reader, and the next reader's question still goes to the model.
    settings = llm_settings(built_settings, fake.url, llm_failures_to_pause=2, llm_pause=120)
    pipeline = AnswerPipeline.build(settings, embedder)
    fake.script.clear()
    with serve(pipeline, tmp_path_factory.mktemp("refused"), rate_limit="off") as (url, _):
        fake.enqueue(Behaviour(status=400), Behaviour(status=422), Behaviour(status=400))
        for _ in range(3):
            assert _ask(url, ORDINARY).json()["fallback_reason"].startswith("HTTP 4")
        assert httpx.get(f"{url}/healthz").json()["checks"]["model_endpoint"]["state"] == "closed"
        before = len(fake.requests)
        _ask(url, ORDINARY)
        assert len(fake.requests) == before + 1  # still asked


@pytest.fixture(scope="module")
def chroma(built_settings, tmp_path_factory):
    """A Chroma server on a copy of the built index (the embedded store's files are the server's format)."""
    path = tmp_path_factory.mktemp("chroma-server") / "data"
    shutil.copytree(built_settings.chroma_path, path)
    server = ChromaServer(path).start()
    yield server
    server.stop()


@pytest.fixture(scope="module")
def chroma_app(chroma, built_settings, embedder, tmp_path_factory):
    settings = built_settings.with_overrides(chroma_url=chroma.url, chroma_timeout=1.0)
    pipeline = AnswerPipeline.build(settings, embedder)
    with serve(pipeline, tmp_path_factory.mktemp("chroma-faults"), rate_limit="off") as (url, _):
        yield url


def _while_chroma_is_down(url: str) -> None:
    ordinary = _ask(url, ORDINARY)
    assert ordinary.status_code == 503 and int(ordinary.headers["retry-after"]) > 0
    assert "try again" in ordinary.json()["detail"] and "Traceback" not in ordinary.text
    urgent = _ask(url, URGENT).json()
    assert urgent["safety"]["level"] == "urgent" and urgent["safety"]["resources"]
    support = _ask(url, SUPPORT)
    body = support.json()
    assert support.status_code == 200 and body["safety"]["level"] == "support" and body["safety"]["resources"]
    assert "can't reach the coach's articles right now" in body["answer"]
    health = httpx.get(f"{url}/healthz", timeout=30)  # still in rotation: it answers readers at risk
    assert health.status_code == 200 and health.json()["status"] == "degraded"
    assert health.json()["checks"]["index"]["ok"] is False
    assert httpx.get(f"{url}/livez").status_code == 200


def _answers(url: str) -> None:
    """Answers again once the server is back (after the index's short pause, a few seconds)."""
    deadline = time.monotonic() + 60
    while (response := _ask(url, ORDINARY)).status_code == 503 and time.monotonic() < deadline:
        time.sleep(0.5)
    assert response.status_code == 200 and "work-related" in response.json()["answer"]
    index = httpx.get(f"{url}/healthz").json()["checks"]["index"]
    assert index["ok"] and index["mode"] == "server"


@pytest.mark.server
def test_a_frozen_chroma_server_is_a_503_and_never_holds_back_care(chroma, chroma_app):
    _answers(chroma_app)
    chroma.freeze()
    try:
        _while_chroma_is_down(chroma_app)
    finally:
        chroma.thaw()
    _answers(chroma_app)


@pytest.mark.server
def test_a_chroma_server_answering_a_byte_at_a_time_is_cut_at_the_deadline(chroma, built_settings, embedder,
                                                                           tmp_path_factory):
    """Each byte comes before the per-read timeout, so only a deadline on the whole query ends the wait."""
    with DripProxy(int(chroma.url.rsplit(":", 1)[1]), drip=0.3) as proxy:
        settings = built_settings.with_overrides(chroma_url=proxy.url, chroma_timeout=1.0)
        pipeline = AnswerPipeline.build(settings, embedder)
        with serve(pipeline, tmp_path_factory.mktemp("chroma-drip"), rate_limit="off") as (url, _):
            _answers(url)
            proxy.dripping.set()
            started = time.monotonic()
            ordinary = _ask(url, ORDINARY)
            waited = time.monotonic() - started
            assert ordinary.status_code == 503 and int(ordinary.headers["retry-after"]) > 0
            assert waited < 3.0, f"a dripping Chroma held a reader {waited:.1f} s (deadline 1 s)"
            _while_chroma_is_down(url)
            proxy.dripping.clear()
            _answers(url)


@pytest.mark.server
def test_a_dead_chroma_server_is_a_503_until_it_is_back(chroma, chroma_app):
    chroma.kill()
    _while_chroma_is_down(chroma_app)
    chroma.start()
    _answers(chroma_app)


@pytest.mark.server
def test_with_chroma_down_the_models_risk_rating_still_decides_who_gets_care(chroma, fake, built_settings,
                                                                             embedder, tmp_path_factory):
    """The model's second opinion runs beside the search: when the search fails, its rating still counts, so a
    message the local check let through but the model rates as risk gets care and the lines, not a 503."""
    settings = llm_settings(built_settings.with_overrides(chroma_url=chroma.url, chroma_timeout=1.0), fake.url)
    pipeline = AnswerPipeline.build(settings, embedder)
    with serve(pipeline, tmp_path_factory.mktemp("chroma-opinion"), rate_limit="off") as (url, _):
        chroma.kill()
        try:
            fake.enqueue_rating(Behaviour('{"level": "support", "category": "abuse"}'))
            flagged = _ask(url, ORDINARY)
            assert flagged.status_code == 200, flagged.text
            body = flagged.json()
            assert body["safety"]["level"] == "support" and body["safety"]["resources"]
            assert "can't reach the coach's articles right now" in body["answer"]
            fake.risk_script.clear()  # rated "none": an ordinary question is told to come back
            plain = _ask(url, ORDINARY)
            assert plain.status_code == 503 and plain.headers["retry-after"]
        finally:
            chroma.start()
