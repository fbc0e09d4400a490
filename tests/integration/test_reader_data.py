"""Reader data care: a widget conversation exported or deleted by any of its reply ids (coach token only), and
questions, answers and comments erased after COACH_RETENTION_DAYS while the anonymous counts stay."""
from __future__ import annotations

import time
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select, update

from service.db.tables import feedback, replies
from service.feedback.conversations import erase_older_than
from service.tokens import hash_token
from tests.support.server import serve

TOKEN = "coach-test-token-for-reader-data"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def app_url(pipeline, tmp_path_factory):
    with serve(pipeline, tmp_path_factory.mktemp("reader-data"), rate_limit="off",
               coach_token_hash=hash_token(TOKEN)) as (url, settings):
        yield url


def _ask(url: str, question: str, conversation_id: str | None) -> dict:
    body = {"question": question} | ({"conversation_id": conversation_id} if conversation_id else {})
    r = httpx.post(f"{url}/api/ask", json=body, timeout=60)
    assert r.status_code == 200, r.text
    return r.json()


def test_a_conversation_is_exported_and_deleted_by_any_of_its_reply_ids(app_url):
    mine = [_ask(app_url, q, "conv-reader-one") for q in ("My ex is my coworker. How do I do no contact?",
                                                          "What if he talks to me about something personal?")]
    other = _ask(app_url, "How long should no contact last?", "conv-reader-two")
    assert httpx.post(f"{app_url}/api/feedback", json={"reply_id": mine[0]["id"], "rating": "down",
                                                       "comment": "it's complicated"}, timeout=30).status_code == 201
    url = f"{app_url}/api/coach/conversations/{mine[1]['id']}"
    assert httpx.get(url, timeout=30).status_code == 401  # the coach's token only
    exported = httpx.get(url, headers=AUTH, timeout=30).json()
    assert exported["conversation_id"] == "conv-reader-one"
    assert [t["reply_id"] for t in exported["replies"]] == [m["id"] for m in mine]
    assert exported["replies"][0]["question"].startswith("My ex is my coworker")
    assert exported["replies"][0]["feedback_comment"] == "it's complicated"
    deleted = httpx.delete(url, headers=AUTH, timeout=30)
    assert deleted.status_code == 200 and deleted.json() == {"deleted_replies": 2}
    assert httpx.get(url, headers=AUTH, timeout=30).status_code == 404
    again = httpx.get(f"{app_url}/api/coach/conversations/{other['id']}", headers=AUTH, timeout=30).json()
    assert len(again["replies"]) == 1  # another reader's conversation is untouched
    assert httpx.get(f"{app_url}/api/coach/conversations/not-hex!", headers=AUTH, timeout=30).status_code == 400


def test_a_bad_conversation_id_is_refused(app_url):
    r = httpx.post(f"{app_url}/api/ask", json={"question": "hi", "conversation_id": "x"}, timeout=30)
    assert r.status_code == 400 and "conversation_id" in r.json()["detail"]


def test_old_questions_answers_and_comments_are_erased_but_counted(pipeline, db_url):
    from service.feedback.store import FeedbackStore
    from tests.support.db import migrated_engine

    engine = migrated_engine(db_url)
    store = FeedbackStore(engine)
    urgent = pipeline.answer("I want to kill myself tonight").reply
    ordinary = pipeline.answer("How long should no contact last?").reply
    store.record_reply("I want to kill myself tonight", urgent, "conv-old")
    store.record_reply("How long should no contact last?", ordinary, "conv-new")
    store.add_feedback(urgent.id, "up", "thank you, I called")
    with engine.begin() as conn:
        conn.execute(update(replies).where(replies.c.id == urgent.id)
                     .values(created_at=datetime.now(UTC) - timedelta(days=31)))
    assert erase_older_than(engine, 30) == 1
    assert erase_older_than(engine, 30) == 0  # once
    with engine.connect() as conn:
        old = conn.execute(select(replies).where(replies.c.id == urgent.id)).one()
        new = conn.execute(select(replies).where(replies.c.id == ordinary.id)).one()
        comment = conn.execute(select(feedback.c.comment).where(feedback.c.reply_id == urgent.id)).scalar()
    assert old.question == "" and old.answer == "" and old.redacted_at is not None
    assert old.safety_level == "urgent" and old.created_at  # the anonymous count stays
    assert comment is None and new.question.startswith("How long") and new.redacted_at is None
    engine.dispose()


def test_the_served_app_erases_old_questions_when_it_starts(pipeline, tmp_path):
    """The sweep runs in the app's lifespan (at startup, then hourly): an aged reply is redacted by the service."""
    from tests.support.db import migrated_engine

    with serve(pipeline, tmp_path, rate_limit="off", coach_token_hash=hash_token(TOKEN),
               retention_days=7) as (url, settings):
        old = _ask(url, "I want to kill myself tonight", "conv-aged")
        kept = _ask(url, "How long should no contact last?", "conv-aged")
    engine = migrated_engine(settings.db_url)
    with engine.begin() as conn:
        conn.execute(update(replies).where(replies.c.id == old["id"])
                     .values(created_at=datetime.now(UTC) - timedelta(days=8)))
    engine.dispose()
    with serve(pipeline, tmp_path, rate_limit="off", coach_token_hash=hash_token(TOKEN),
               retention_days=7) as (url, _):
        exported = None
        for _attempt in range(100):  # the sweep starts with the app; give it a moment
            exported = httpx.get(f"{url}/api/coach/conversations/{kept['id']}", headers=AUTH, timeout=30).json()
            if exported["replies"][0]["question"] == "":
                break
            time.sleep(0.1)
    first, second = exported["replies"]
    assert first["reply_id"] == old["id"] and first["question"] == "" and first["answer"] == ""
    assert second["question"] == "How long should no contact last?"
