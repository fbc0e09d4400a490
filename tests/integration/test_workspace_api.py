"""The coach's workspace API: bearer token on every route, import -> queue -> edit/approve (409) -> export, metrics."""
from __future__ import annotations

import csv
import io
import re

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.tokens import hash_token, verify_token
from tests.support.paths import DATA

TOKEN = "coach-test-token"
AUTH = {"Authorization": f"Bearer {TOKEN}"}


@pytest.fixture(scope="module")
def app(pipeline, tmp_path_factory):
    root = tmp_path_factory.mktemp("workspace")
    settings = pipeline.settings.with_overrides(data_dir=root, rate_limit="off", coach_token_hash=hash_token(TOKEN))
    return create_app(settings, pipeline=pipeline)


@pytest.fixture(scope="module")
def client(app):
    with TestClient(app=app) as c:
        yield c


def test_token_hash_roundtrip():
    stored = hash_token("s3cret")
    assert stored.startswith("scrypt$") and "s3cret" not in stored
    assert verify_token("s3cret", stored) and not verify_token("wrong", stored) and not verify_token("s3cret", None)


def test_every_coach_route_needs_the_token(app, client):
    routes = [(path, method) for path, methods in app.route_handler_method_map.items()
              if path.startswith("/api/coach") for method in methods if method not in ("HEAD", "OPTIONS")]
    assert len(routes) >= 10
    for path, method in routes:
        url = re.sub(r"\{[^}]+\}", "1", path)
        for headers in ({}, {"Authorization": "Bearer wrong"}, {"Authorization": TOKEN}):
            r = client.request(method, url, headers=headers, content=b"{}")
            assert r.status_code == 401, (method, path, headers)
            assert set(r.json()) == {"status_code", "detail"}, (method, path)
    assert client.get("/healthz").status_code == 200  # public endpoints stay public
    assert client.post("/api/ask", json={"question": "How long should no contact last?"}).status_code == 200


def test_import_queue_edit_approve_export_metrics(client):
    body = (DATA / "sample.wxr").read_bytes()
    r = client.post("/api/coach/import?format=wxr&wait=true", content=body, headers=AUTH)
    assert r.status_code == 201 and r.json()["result"]["created"] == 11
    again = client.post("/api/coach/import?format=wxr&wait=true",
                        files={"file": ("sample.wxr", body, "application/xml")}, headers=AUTH)
    assert again.status_code == 201 and again.json()["result"]["created"] == 0
    assert again.json()["result"]["skipped"] == 11 and again.json()["filename"] == "sample.wxr"
    bad = client.post("/api/coach/import?format=wxr", content=(DATA / "malicious.wxr").read_bytes(), headers=AUTH)
    assert bad.status_code == 400 and "unsafe XML" in bad.json()["detail"]

    queue = client.get("/api/coach/queue?status=pending", headers=AUTH).json()
    assert queue["items"][0]["urgent"] and queue["count"] == 7
    assert [i["author"] for i in client.get("/api/coach/queue?status=urgent", headers=AUTH).json()["items"]] == ["Sam"]
    mel = next(i for i in queue["items"] if i["author"] == "Mel Weak")
    one = client.get(f"/api/coach/comments/{mel['id']}", headers=AUTH).json()
    assert one["article_title"] == "What is the no contact rule?" and "work-related" in one["draft_text"]
    assert one["version"] == 1

    edited = one["draft_text"].replace("Kind regards,", "Kind regards,\nZan")
    r = client.put(f"/api/coach/comments/{mel['id']}/draft", json={"text": edited, "version": 1}, headers=AUTH)
    assert r.status_code == 200 and r.json()["version"] == 2
    stale = client.put(f"/api/coach/comments/{mel['id']}/draft", json={"text": "other", "version": 1}, headers=AUTH)
    assert stale.status_code == 409
    assert client.post(f"/api/coach/comments/{mel['id']}/approve", json={"version": 1}, headers=AUTH).status_code == 409
    r = client.post(f"/api/coach/comments/{mel['id']}/approve", json={"version": 2}, headers=AUTH)
    assert r.status_code == 200 and r.json()["status"] == "approved"

    greg = next(i for i in queue["items"] if i["author"] == "Greg")
    regen = client.post(f"/api/coach/comments/{greg['id']}/regenerate", headers=AUTH).json()
    assert regen["version"] == 2 and regen["draft_text"].startswith("Hi Greg.")
    approved = client.post(f"/api/coach/comments/{greg['id']}/approve", json={"version": 2}, headers=AUTH)
    assert approved.status_code == 200
    linda = next(i for i in queue["items"] if i["author"] == "Linda")
    assert client.post(f"/api/coach/comments/{linda['id']}/discard", headers=AUTH).json()["status"] == "discarded"

    approved = client.get("/api/coach/queue?status=approved", headers=AUTH).json()
    assert {i["author"] for i in approved["items"]} == {"Mel Weak", "Greg"}
    exported = client.get("/api/coach/export?format=json", headers=AUTH).json()["replies"]
    assert {e["author"] for e in exported} == {"Mel Weak", "Greg"}
    assert next(e for e in exported if e["author"] == "Mel Weak")["reply"].endswith("Zan")
    r = client.get("/api/coach/export?format=csv", headers=AUTH)
    assert r.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(r.text)))
    assert len(rows) == 2 and {"author", "comment", "reply"} <= set(rows[0])

    m = client.get("/api/coach/metrics", headers=AUTH).json()
    assert m["approved"] == 2 and m["share_approved_unchanged"] == 0.5 and m["mean_edit_distance"] == 2.0
    assert m["mean_hours_to_approval"] >= 0


def test_unknown_ids_bad_filters_and_feedback(client):
    assert client.get("/api/coach/comments/999999", headers=AUTH).status_code == 404
    assert client.post("/api/coach/comments/999999/discard", headers=AUTH).status_code == 404
    assert client.put("/api/coach/comments/999999/draft", json={"text": "x", "version": 1},
                      headers=AUTH).status_code == 404
    assert client.get("/api/coach/queue?status=nope", headers=AUTH).status_code == 400
    huge = 2**63  # past any column: a 4xx, never an overflow inside the database driver
    assert client.get(f"/api/coach/comments/{huge}", headers=AUTH).status_code in (400, 404)
    assert client.post(f"/api/coach/comments/{huge}/approve", json={"version": 1},
                       headers=AUTH).status_code in (400, 404)
    assert client.put("/api/coach/comments/1/draft", json={"text": "x", "version": huge},
                      headers=AUTH).status_code == 400
    assert client.get(f"/api/coach/queue?page={huge}", headers=AUTH).status_code < 500
    answer = client.post("/api/ask", json={"question": "How long should no contact last?"}).json()
    assert client.post("/api/feedback", json={"reply_id": answer["id"], "rating": "down",
                                              "comment": "too long"}).status_code == 201
    items = client.get("/api/coach/feedback?rating=down", headers=AUTH).json()["items"]
    assert any(i["reply_id"] == answer["id"] and i["comment"] == "too long" for i in items)


def test_csv_export_cells_cannot_run_as_spreadsheet_formulas():
    from service.workspace.export import cell as _cell
    from service.workspace.metrics import levenshtein

    assert _cell('=HYPERLINK("http://x","click")') == '\'=HYPERLINK("http://x","click")'
    assert _cell("-1+2") == "'-1+2" and _cell("Hi Mel.") == "Hi Mel." and _cell(7) == 7
    assert levenshtein("kitten", "sitting") == 3 and levenshtein("same", "same") == 0
