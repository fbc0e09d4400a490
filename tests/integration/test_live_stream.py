"""A model's answer streamed over HTTP while it is written, against the wire-protocol test server at a model's pace:
checked sentences reach the reader before the model has finished, a failing sentence mid-stream is never sent
(the model is stopped and the grounded answer replaces what was shown), a stall ends in the grounded answer by the
deadline, and what the call cost is kept with the reply."""
from __future__ import annotations

import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest
from sqlalchemy import create_engine, select

from evals.bench.sse import stream_events
from service.answering.pipeline import AnswerPipeline
from service.db.tables import replies
from service.tokens import hash_token
from tests.support.answers import GOOD, cited_as_shown, shown_passages
from tests.support.model_server import Behaviour
from tests.support.server import serve
from tests.support.settings import llm_settings

QUESTION = GOOD[0]["question"]  # the coworker question: three cited sentences in two paragraphs
HARMFUL = "Text him tonight and tell him you miss him, it shows you care."
INVENTED = "Studies show that most couples get back together within two weeks of a breakup."


TOKEN = "coach-live-token"


@pytest.fixture(scope="module")
def live(fake, built_settings, embedder, tmp_path_factory):
    pipeline = AnswerPipeline.build(llm_settings(built_settings, fake.url, llm_timeout=8.0), embedder)
    with serve(pipeline, tmp_path_factory.mktemp("live"), coach_token_hash=hash_token(TOKEN),
               rate_limit="off") as (url, settings):
        yield url, pipeline, settings


@pytest.fixture()
def good_answer(live):
    _, pipeline, _ = live
    return cited_as_shown(GOOD[0], shown_passages(pipeline, QUESTION))


def _events(url: str, question: str) -> list[tuple[float, str, dict]]:
    """(seconds since the request, event name, payload) for each Server-Sent Event."""
    with httpx.Client(timeout=30) as client:
        return list(stream_events(client, url, question))


def _reply(url: str, question: str, stream: bool) -> tuple[dict, list]:
    """The reply, streamed (with its events) or from POST /api/ask (no events)."""
    if stream:
        events = _events(url, question)
        return events[-1][2], events
    return httpx.post(f"{url}/api/ask", json={"question": question}, timeout=30).json(), []


def _shown(events) -> list[str]:
    """Every text the reader was shown on the way, in order (deltas, and a replacement's text)."""
    return [payload["text"] for _, name, payload in events if name in ("delta", "replace")]


def test_checked_sentences_reach_the_reader_while_the_model_is_still_writing(live, fake, good_answer):
    url, _, settings = live
    fake.enqueue(Behaviour(good_answer, rate=30))
    events = _events(url, QUESTION)
    deltas = [(t, p["text"]) for t, name, p in events if name == "delta"]
    done_at, _, reply = events[-1]
    assert events[-1][1] == "done" and reply["generator"] == "llm" and reply["fallback_reason"] is None
    assert "".join(text for _, text in deltas) == reply["answer"]  # the reply is exactly what was streamed
    assert len(deltas) >= 3  # sentence by sentence, not one piece at the end
    first_at = deltas[0][0]
    assert first_at < done_at / 2, f"first sentence at {first_at:.2f} s of {done_at:.2f} s"
    assert not any(name == "replace" for _, name, _ in events)
    assert [c["n"] for c in reply["citations"]] == list(range(1, len(reply["citations"]) + 1))
    assert "[1]" in deltas[0][1]  # numbered as the reader meets them, from the first sentence on
    # What the call cost is kept with the reply (the fake endpoint reports usage in the stream's last chunk).
    row = _stored(settings, reply["id"])
    assert row.model_completion_tokens and row.model_completion_tokens > 20 and row.model_prompt_tokens > 100
    assert row.model_first_text_ms is not None and row.model_total_ms >= row.model_first_text_ms
    # ...and the coach sees the totals (the workspace's model-usage view).
    usage = httpx.get(f"{url}/api/coach/model-usage", headers={"Authorization": f"Bearer {TOKEN}"}).json()
    assert usage["model_calls"] >= 1 and usage["completion_tokens"] >= row.model_completion_tokens
    assert usage["total_ms_p50"] is not None


@pytest.mark.parametrize("bad", [HARMFUL, INVENTED], ids=["harmful", "invented"])
def test_a_bad_sentence_mid_stream_is_never_shown_and_the_model_is_stopped(live, fake, good_answer, bad):
    url, _, _ = live
    first, rest = good_answer.split("\n", 1)
    # Enough words after the bad sentence that the model is still writing when it is caught.
    text = f"{first}\n{bad} {rest}\n{rest}"
    cut_before = fake.cut_streams
    fake.enqueue(Behaviour(text, rate=40))
    events = _events(url, QUESTION)
    shown = _shown(events)
    assert not any(bad[:30] in piece for piece in shown)
    names = [name for _, name, _ in events]
    assert "replace" in names and names[-1] == "done"
    replaced = next(p for _, name, p in events if name == "replace")
    reply = events[-1][2]
    assert reply["generator"] == "grounded" and "while streaming" in reply["fallback_reason"]
    assert replaced["text"] == reply["answer"] and replaced["note"]
    assert names.index("replace") > names.index("delta")  # the first, good sentence had been shown
    deadline = time.monotonic() + 5
    while fake.cut_streams == cut_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.cut_streams > cut_before, "the model was not stopped"


def test_a_stall_mid_stream_ends_in_the_grounded_answer_by_the_deadline(live, fake, good_answer):
    url, _, settings = live
    fake.enqueue(Behaviour(good_answer, rate=40, stall_after=12, delay=20))
    events = _events(url, QUESTION)
    done_at, name, reply = events[-1]
    assert name == "done" and reply["generator"] == "grounded" and "timeout" in reply["fallback_reason"]
    assert done_at < settings.llm_timeout + 2
    assert "work-related" in reply["answer"]
    shown = "".join(_shown(events))
    assert reply["answer"] in shown  # the reader ends with the grounded answer, whatever was shown before


def test_a_stream_kept_alive_by_pings_is_cut_at_the_deadline(live, fake, good_answer):
    """Keep-alive comments never make a chunk and restart the read timeout each time: the client closes the
    response at the deadline, so the reader gets the grounded answer and the endpoint's thread is freed."""
    url, _, settings = live
    cut_before = fake.cut_streams
    fake.enqueue(Behaviour(good_answer, rate=40, stall_after=12, delay=settings.llm_timeout + 6, keepalive=True))
    events = _events(url, QUESTION)
    done_at, _, reply = events[-1]
    assert reply["generator"] == "grounded" and done_at < settings.llm_timeout + 2
    deadline = time.monotonic() + 5
    while fake.cut_streams == cut_before and time.monotonic() < deadline:
        time.sleep(0.05)
    assert fake.cut_streams > cut_before, "the model's stream was left open past the deadline"


def test_past_the_concurrency_cap_a_reader_gets_the_grounded_answer_at_once(fake, built_settings, embedder, tmp_path,
                                                                            good_answer):
    """COACH_LLM_CONCURRENCY: the model's one slot is busy with a slow answer, so the next reader is answered at
    once from the articles (the refusal comes back on the endpoint's thread, never the server's loop)."""
    pipeline = AnswerPipeline.build(llm_settings(built_settings, fake.url, llm_timeout=6.0, llm_concurrency=1),
                                    embedder)
    with serve(pipeline, tmp_path) as (url, _), ThreadPoolExecutor(1) as pool:
        fake.enqueue(Behaviour(good_answer, rate=8))
        slow = pool.submit(_events, url, QUESTION)
        time.sleep(1.0)
        started = time.monotonic()
        reply = _events(url, QUESTION)[-1][2]
        assert time.monotonic() - started < 3
        assert reply["generator"] == "grounded" and "COACH_LLM_CONCURRENCY" in reply["fallback_reason"]
        assert slow.result()[-1][1] == "done"
        assert httpx.get(f"{url}/livez", timeout=5).status_code == 200


def test_a_whole_answer_check_still_replaces_at_the_end(live, fake):
    """Every sentence passes on its own, but the answer cites nothing: caught when the model is done."""
    url, _, _ = live
    fake.enqueue(Behaviour("Zan suggests doing limited no contact, where you talk to your ex only about "
                           "work-related subjects.", rate=60))
    events = _events(url, QUESTION)
    names = [name for _, name, _ in events]
    reply = events[-1][2]
    assert reply["generator"] == "grounded" and "cites no passage" in reply["fallback_reason"]
    assert "replace" in names or "".join(_shown(events)) == reply["answer"]


def _stored(settings, reply_id: str):
    engine = create_engine(settings.db_url)
    deadline = time.monotonic() + 5
    try:
        while time.monotonic() < deadline:
            with engine.connect() as conn:
                row = conn.execute(select(replies).where(replies.c.id == reply_id)).first()
            if row is not None:
                return row
            time.sleep(0.05)
    finally:
        engine.dispose()
    pytest.fail(f"reply {reply_id} was not stored")


GAP_QUESTION = "We still share a Netflix account and a phone plan. What do I do about it?"


def _gap_answers(pipeline) -> tuple[str, str]:
    """(an answer that claims coverage, the same advice after saying the articles don't cover it), both citing the
    shown passage that holds Sakurai's words on an ex who can still reach you."""
    passages = shown_passages(pipeline, GAP_QUESTION)
    n = next(i for i, p in enumerate(passages, 1) if "still able to reach you" in p.text)
    advice = (f"Carmen Sakurai says that if the ex is still able to reach you by their regular phone, email or social "
              f"media, you're not really doing no contact [{n}].")
    return advice, f"The articles don't talk about shared accounts or phone plans directly. {advice}"


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_model_answer_that_claims_coverage_the_articles_lack_is_replaced(live, fake, stream):
    url, pipeline, _ = live
    claims, _ = _gap_answers(pipeline)
    fake.enqueue(Behaviour(claims, rate=60))
    reply, events = _reply(url, GAP_QUESTION, stream)
    assert not any("not really doing no contact" in text for text in _shown(events)[:-1] if text != reply["answer"])
    assert reply["generator"] == "grounded" and "claims coverage" in reply["fallback_reason"]
    assert reply["answer"].startswith("The articles don't talk about shared accounts")


@pytest.mark.parametrize("stream", [False, True], ids=["whole", "streamed"])
def test_a_model_answer_that_says_the_gap_first_is_used(live, fake, stream):
    url, pipeline, _ = live
    _, honest = _gap_answers(pipeline)
    fake.enqueue(Behaviour(honest, rate=60))
    reply, events = _reply(url, GAP_QUESTION, stream)
    assert not stream or "".join(_shown(events)) == reply["answer"]
    assert reply["generator"] == "llm", reply["fallback_reason"]
    assert reply["answer"].startswith("The articles don't talk about shared accounts")
    request = fake.requests[-1]["messages"][1]["content"]
    assert "The passages don't talk about shared accounts" in request  # the prompt told the model so


SPANISH = "Mi ex es mi compañero de trabajo y lo veo todos los días. ¿Cómo hago el contacto cero?"


def test_a_model_answer_in_the_readers_language_is_replaced_by_a_checked_english_one(live, fake):
    """The checks read English only (a multilingual encoder could not tell faithful Spanish from invented): a Spanish
    answer gives way to the grounded English one, with the note in Spanish, and none of it is shown."""
    url, _, _ = live
    spanish = ("Zan sugiere un contacto cero limitado, en el que hablas con tu ex solo de temas de trabajo [1]. "
               "Dave Barker lo llama contacto cero modificado: mantén la distancia [2].")
    fake.enqueue(Behaviour(spanish, rate=60))
    events = _events(url, SPANISH)
    reply = events[-1][2]
    assert reply["generator"] == "grounded"
    assert "written in es" in reply["fallback_reason"] or "not supported" in reply["fallback_reason"]
    assert reply["answer"].startswith("Gracias por escribir") and reply["citations"]
    assert not any("sugiere" in text for text in _shown(events))


def test_a_readers_question_in_spanish_gets_the_checked_english_answer_after_a_note_in_spanish(live, fake):
    """The reader's language, as far as it can be checked: the model writes from the English passages in English,
    the answer is checked as any other, and the reader is told in their own language why it is in English."""
    url, pipeline, _ = live
    passages = shown_passages(pipeline, SPANISH)
    # An answer of the articles' own words: the first two coach sentences of the first passage shown for it.
    said = [s for s, role in zip(passages[0].sentences, passages[0].roles) if role != "comment"][:2]
    fake.enqueue(Behaviour(" ".join(f"{sentence} [1]" for sentence in said), rate=60))
    events = _events(url, SPANISH)
    reply = events[-1][2]
    assert reply["generator"] == "llm", reply["fallback_reason"]
    assert reply["answer"].startswith("Gracias por escribir. Los artículos del coach están en inglés")
    assert "".join(p["text"] for _, name, p in events if name == "delta") == reply["answer"]
    assert _shown(events)[0].startswith("Gracias por escribir")  # the note comes first, before any checked sentence
