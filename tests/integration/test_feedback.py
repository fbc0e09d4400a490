"""Replies and feedback stored with SQLAlchemy, POST /api/feedback, rate limits, CORS, the widget's routes."""
from __future__ import annotations

import json

import msgspec
import pytest
from litestar.testing import TestClient
from sqlalchemy import create_engine, select, text

from service.app import create_app
from service.db.engine import make_engine
from service.db.tables import feedback, replies
from service.feedback.store import FeedbackStore
from service.settings import Settings, parse_rate_limit
from tests.support.db import migrated_engine

COWORKER = "My ex is my coworker. How do I do no contact?"


@pytest.fixture()
def make_client(pipeline, tmp_path):
    clients = []

    def make(**overrides):
        overrides.setdefault("data_dir", tmp_path)
        overrides.setdefault("rate_limit", "minute:1000")
        client = TestClient(app=create_app(pipeline.settings.with_overrides(**overrides), pipeline=pipeline))
        client.__enter__()
        clients.append(client)
        return client

    yield make
    for client in clients:
        client.__exit__(None, None, None)


def rows(url: str, table) -> list:
    engine = create_engine(url)
    try:
        with engine.connect() as conn:
            return conn.execute(select(table)).all()
    finally:
        engine.dispose()


def test_every_answer_is_recorded_and_feedback_is_stored(make_client, db_url):
    client = make_client(database_url=db_url)
    url = db_url
    answer = client.post("/api/ask", json={"question": COWORKER}).json()
    with client.stream("POST", "/api/ask/stream", json={"question": "i don't want to be alive anymore"}) as r:
        raw = "".join(r.iter_text()).replace("\r\n", "\n")
    streamed = json.loads(raw.split("event: done\ndata: ", 1)[1].split("\n", 1)[0])
    client.app.state.feedback_store.flush()  # replies are stored by a writer thread: wait for it before reading
    recorded = {row.id: row for row in rows(url, replies)}
    assert recorded[answer["id"]].question == COWORKER
    assert recorded[answer["id"]].answer == answer["answer"]
    assert (recorded[answer["id"]].generator, recorded[answer["id"]].scope,
            recorded[answer["id"]].safety_level) == ("grounded", "in", "none")
    assert recorded[streamed["id"]].safety_level == "urgent"
    assert recorded[streamed["id"]].created_at is not None

    r = client.post("/api/feedback", json={"reply_id": answer["id"], "rating": "up"})
    assert r.status_code == 201 and r.json()["reply_id"] == answer["id"] and r.json()["rating"] == "up"
    # The reader changes their mind and adds a comment: still one feedback row for that answer.
    r = client.post("/api/feedback", json={"reply_id": answer["id"], "rating": "down",
                                           "comment": "  My ex is my manager, not a peer.  "})
    assert r.status_code == 201
    [row] = rows(url, feedback)
    assert (row.reply_id, row.rating) == (answer["id"], "down")
    assert row.comment == "My ex is my manager, not a peer."
    # A rating alone afterwards keeps the comment.
    assert client.post("/api/feedback", json={"reply_id": answer["id"], "rating": "down"}).status_code == 201
    [row] = rows(url, feedback)
    assert row.comment == "My ex is my manager, not a peer."

    store = FeedbackStore(make_engine(url))
    try:
        [review] = store.reviews("down")
    finally:
        store.engine.dispose()
    assert review["question"] == COWORKER and review["reply_id"] == answer["id"]
    assert review["generator"] == "grounded" and review["answer"] == answer["answer"]


@pytest.mark.parametrize("body,status", [
    ({"reply_id": "0" * 32, "rating": "up"}, 404),                       # no such answer
    ({"reply_id": "abc", "rating": "meh"}, 400),                         # bad rating
    ({"reply_id": "abc"}, 400),                                          # no rating
    ({"rating": "up"}, 400),                                             # no reply_id
    ({"reply_id": "", "rating": "up"}, 400),
    ({"reply_id": "x" * 65, "rating": "up"}, 400),
    ({"reply_id": "../etc", "rating": "up"}, 400),
    ({"reply_id": 42, "rating": "up"}, 400),
    ({"reply_id": "abc", "rating": "up", "comment": "x" * 2001}, 400),  # oversized comment
    ({"reply_id": "abc", "rating": "up", "comment": 7}, 400),
    ({"reply_id": "abc", "rating": "up", "admin": True}, 400),           # unknown field
])
def test_bad_feedback_is_a_clear_4xx(make_client, body, status):
    r = make_client().post("/api/feedback", json=body)
    assert r.status_code == status, r.text
    assert r.json()["detail"] and "Traceback" not in r.text


def test_feedback_wants_json_and_a_small_body(make_client):
    client = make_client()
    as_json = {"content-type": "application/json"}
    assert client.post("/api/feedback", content=b"{nope", headers=as_json).status_code == 400
    assert client.post("/api/feedback", content=b'{"reply_id": "a", "rating": "up"}',
                       headers={"content-type": "text/plain"}).status_code == 415
    big = b'{"reply_id": "a", "rating": "up", "comment": "' + b"a" * 70000 + b'"}'
    assert client.post("/api/feedback", content=big, headers=as_json).status_code == 413


def test_a_broken_database_is_a_503_never_a_500(make_client, tmp_path):
    client = make_client()
    reply_id = client.post("/api/ask", json={"question": COWORKER}).json()["id"]
    # A first rating waits for the reply to be stored: the table is dropped only after that (not racing the
    # writer thread, whose insert would then fail and leave nothing to rate).
    assert client.post("/api/feedback", json={"reply_id": reply_id, "rating": "up"}).status_code == 201
    engine = create_engine(f"sqlite:///{tmp_path / 'coach.db'}")
    with engine.begin() as conn:
        conn.execute(text("DROP TABLE feedback"))
    engine.dispose()
    r = client.post("/api/feedback", json={"reply_id": reply_id, "rating": "down"})
    assert r.status_code == 503 and "Traceback" not in r.text and "sqlite" not in r.text.lower()
    assert r.json()["detail"] == "feedback cannot be stored right now; please try again"


def test_rate_limit_is_429_with_retry_after(make_client):
    client = make_client(rate_limit="minute:3")
    assert client.get("/").status_code == 200  # pages and the script do not count
    assert client.get("/widget.js").status_code == 200
    assert client.get("/healthz").status_code == 200
    for _ in range(3):
        assert client.post("/api/feedback", json={"reply_id": "0" * 32, "rating": "up"}).status_code == 404
    for path, body in [("/api/feedback", {"reply_id": "0" * 32, "rating": "up"}),
                       ("/api/ask", {"question": COWORKER}),  # one budget per client across the public API
                       ("/api/ask/stream", {"question": COWORKER})]:
        r = client.post(path, json=body)
        assert r.status_code == 429, path
        wait = int(r.headers["retry-after"])
        assert 1 <= wait <= 60 and r.json()["retry_after"] == wait
        assert r.json()["detail"] == f"too many requests; please wait {wait} seconds"
    assert client.get("/healthz").status_code == 200  # the limit is on the public POSTs only


def test_rate_limit_can_be_configured_or_switched_off(make_client):
    client = make_client(rate_limit="off")
    for _ in range(5):
        assert client.post("/api/feedback", json={"reply_id": "0" * 32, "rating": "up"}).status_code == 404
    assert parse_rate_limit("minute:30") == ("minute", 30)
    assert parse_rate_limit("hours:100") == ("hour", 100)
    assert parse_rate_limit("off") is None and parse_rate_limit("") is None
    for bad in ("30", "minute:", "week:3", "minute:-1", "minute:x"):
        with pytest.raises(ValueError, match="COACH_RATE_LIMIT"):
            parse_rate_limit(bad)


def test_settings_from_env(monkeypatch, tmp_path):
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path))
    monkeypatch.delenv("COACH_DATABASE_URL", raising=False)
    monkeypatch.delenv("COACH_RATE_LIMIT", raising=False)
    settings = Settings.from_env()
    assert settings.db_url == f"sqlite:///{tmp_path / 'coach.db'}"
    assert settings.rate_limit_rule == ("minute", 30)
    monkeypatch.setenv("COACH_DATABASE_URL", f"sqlite:///{tmp_path / 'elsewhere.db'}")
    monkeypatch.setenv("COACH_RATE_LIMIT", "second:5")
    settings = Settings.from_env()
    assert settings.db_url.endswith("elsewhere.db") and settings.rate_limit_rule == ("second", 5)


def test_database_url_setting_is_used(make_client, tmp_path):
    url = f"sqlite:///{tmp_path / 'sub' / 'other.db'}"
    client = make_client(database_url=url)
    reply_id = client.post("/api/ask", json={"question": COWORKER}).json()["id"]
    assert client.post("/api/feedback", json={"reply_id": reply_id, "rating": "up"}).status_code == 201
    assert [r.id for r in rows(url, replies)] == [reply_id]
    assert not (tmp_path / "coach.db").exists()


def test_cors_only_for_configured_origins(make_client):
    client = make_client(cors_origins=("https://blog.example",), rate_limit="minute:1")
    preflight = {"access-control-request-method": "POST", "access-control-request-headers": "content-type"}
    ok = client.options("/api/ask/stream", headers={"origin": "https://blog.example", **preflight})
    assert ok.status_code in (200, 204)
    assert ok.headers["access-control-allow-origin"] == "https://blog.example"
    other = client.options("/api/ask/stream", headers={"origin": "https://evil.example", **preflight})
    assert other.headers.get("access-control-allow-origin") != "https://evil.example"
    first = client.post("/api/feedback", json={"reply_id": "0" * 32, "rating": "up"},
                        headers={"origin": "https://blog.example"})
    assert first.headers["access-control-allow-origin"] == "https://blog.example"
    limited = client.post("/api/feedback", json={"reply_id": "0" * 32, "rating": "up"},
                          headers={"origin": "https://blog.example"})
    # The widget on the blog can read how long to wait.
    assert limited.status_code == 429
    assert limited.headers["access-control-allow-origin"] == "https://blog.example"
    assert "retry-after" in limited.headers["access-control-expose-headers"].lower()
    evil = client.post("/api/feedback", json={"reply_id": "0" * 32, "rating": "up"},
                       headers={"origin": "https://evil.example"})
    assert "access-control-allow-origin" not in evil.headers


def test_widget_script_and_demo_page(make_client):
    client = make_client()
    r = client.get("/widget.js")
    assert r.status_code == 200 and r.headers["content-type"] == "text/javascript; charset=utf-8"
    assert r.headers["cache-control"] == "public, max-age=3600"
    assert r.headers["x-content-type-options"] == "nosniff"
    assert "attachShadow" in r.text and "/ask/stream" in r.text
    assert client.get("/widget.js", headers={"if-none-match": r.headers["etag"]}).status_code == 304

    page = client.get("/")
    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    html = page.text
    tag = '<script src="/widget.js"'
    assert html.count(tag) == 1 and "<script" not in html.replace(tag, "")  # the one tag, nothing else
    assert '<h1 id="article-title">What is the no contact rule?</h1>' in html
    assert 'By <span class="author">Zan' in html
    assert "<h2>What type of no contact should you follow?</h2>" in html
    assert "Mel Weak" in html and "Do limited no contact" in html  # reader Q&A as comments with the reply
    assert "button { background: hotpink" in html and "* { font-family:" in html
    assert client.get("/docs/openapi.json").json()["paths"].get("/api/feedback")


def test_queued_replies_are_all_stored_and_can_be_rated_at_once(pipeline, db_url):
    """The API queues each reply for the writer thread; nothing is lost and a rating never misses its reply."""
    from concurrent.futures import ThreadPoolExecutor

    store = FeedbackStore(migrated_engine(db_url))
    reply = pipeline.answer(COWORKER).reply
    copies = []
    for i in range(300):
        r = pipeline.answer(COWORKER).reply if i == 0 else reply
        copies.append(msgspec.structs.replace(r, id=f"r{i}"))
    with ThreadPoolExecutor(8) as pool:
        list(pool.map(lambda r: store.record_reply_soon(COWORKER, r), copies))
    assert store.add_feedback("r299", "down", "too generic") is not None  # rated before any explicit flush
    store.flush()
    assert len(rows(db_url, replies)) == 300
    store.engine.dispose()
