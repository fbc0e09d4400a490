"""The coach's queue on a real blog, in Chromium: a WordPress export imported with its progress page, then the queue
filtered, searched, paged, approved in bulk and by keyboard, a thread read, spam restored; the API's pages and bulk
moves over HTTP."""
from __future__ import annotations

import re

import httpx
import pytest

from evals.bench.import_wxr import build_export
from service.tokens import hash_token
from tests.support.browser import coach_page
from tests.support.paths import ARTIFACTS, DATA
from tests.support.server import serve

PASSWORD = "queue-test-token"
AUTH = {"Authorization": f"Bearer {PASSWORD}"}


@pytest.fixture(scope="module")
def site(pipeline, tmp_path_factory):
    with serve(pipeline, tmp_path_factory.mktemp("queue"), rate_limit="off", coach_token_hash=hash_token(PASSWORD),
               coach_author_names=("The Coach",)) as (base, settings):
        yield base


def _import(base: str, data: bytes) -> dict:
    with httpx.Client(base_url=base, timeout=600) as client:
        r = client.post("/api/coach/import?format=wxr&wait=true", content=data, headers=AUTH)
        assert r.status_code == 201, r.text
        return r.json()["result"]


@pytest.fixture(scope="module")
def big_blog(site):
    """120 comments over 20 posts (a third already answered in threads), imported through the API."""
    return _import(site, build_export(120))


def test_the_queue_pages_filters_and_moves_in_bulk_over_the_api(site, big_blog):
    with httpx.Client(base_url=site, timeout=120, headers=AUTH) as client:
        first = client.get("/api/coach/queue").json()
        assert first["count"] == big_blog["queued"] > 50 and len(first["items"]) == 50 and first["pages"] >= 2
        second = client.get("/api/coach/queue?page=2").json()
        assert not {i["id"] for i in first["items"]} & {i["id"] for i in second["items"]}
        urgent = [i["urgent"] for i in first["items"]]
        assert urgent == sorted(urgent, reverse=True)  # urgent first
        word = first["items"][-1]["text"].split()[0]
        found = client.get("/api/coach/queue", params={"q": word}).json()
        assert found["count"] >= 1 and all(word.lower() in (i["text"] + i["author"]).lower() for i in found["items"])
        post = first["items"][0]["article_id"]
        assert all(i["article_id"] == post for i in client.get(f"/api/coach/queue?article={post}").json()["items"])
        assert client.get("/api/coach/queue?status=nope").status_code == 400
        assert client.get("/api/coach/queue?page=0").status_code == 400
        two = sorted(i["id"] for i in second["items"][:2])
        moved = client.post("/api/coach/comments/bulk", json={"action": "spam", "ids": two}).json()
        assert moved == {"moved": two, "skipped": []}
        back = client.post("/api/coach/comments/bulk", json={"action": "restore", "ids": two + [10**6]}).json()
        assert back == {"moved": two, "skipped": [10**6]}
        assert client.post("/api/coach/comments/bulk", json={"action": "burn", "ids": two}).status_code == 400
        assert client.post("/api/coach/comments/bulk", json={"action": "spam", "ids": []}).status_code == 400


def test_a_coach_works_through_the_queue_in_a_real_browser(browser, site, big_blog):
    with coach_page(browser) as (page, requested):
        page.goto(site + "/coach/login")
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(site + "/coach")

        # A small blog through the import form: the progress page, then its summary.
        page.set_input_files("input[name=file]", str(DATA / "wxr" / "blog.xml"))
        page.click("button:has-text('Import')")
        page.wait_for_url(re.compile(r".*/coach/imports/\w+$"))
        summary = page.locator(".import-job", has_text="Imported 13 new comments")
        summary.wait_for(timeout=120_000)
        assert "2 pingbacks and trackbacks" in summary.inner_text()
        assert "2 you had already answered" in summary.inner_text()
        page.click("a:has-text('Open the queue')")

        # Search, then the thread of a follow-up to the coach's reply.
        page.fill("input[name=q]", "asks me to lunch")  # the big blog has a lunch story too
        page.click("button:has-text('Filter')")
        assert page.locator(".queue .item").count() == 1
        page.click(".queue .who:text-is('Mel')")
        thread = page.locator(".thread-view")
        assert "We broke up in March" in thread.inner_text() and "Zan (you)" in thread.inner_text()

        # Filter by kind and page through the big blog.
        page.goto(site + "/coach?kind=question")
        assert page.locator(".pager").is_visible() and page.locator(".queue .item").count() == 50
        page.click("a[rel=next]")
        assert "page 2 of" in page.locator(".summary").inner_text()

        # Bulk: select three, approve them.
        page.goto(site + "/coach")
        before = int(page.locator(".tabs a[aria-current=page] .count").inner_text())
        for box in page.locator(".queue input[name=ids]").all()[1:4]:
            box.check()
        page.click("button:has-text('Approve selected')")
        page.locator(".notice", has_text="Approved: 3 comments").wait_for()
        assert int(page.locator(".tabs a[aria-current=page] .count").inner_text()) == before - 3

        # Keyboard: j moves to the second item, a approves it.
        page.keyboard.press("j")
        page.keyboard.press("j")
        chosen = page.locator(".queue .item.current .who").inner_text()
        page.keyboard.press("a")
        page.locator(".notice", has_text="Approved: 1 comment").wait_for()
        page.goto(site + "/coach?status=approved&q=" + chosen.split()[0])
        assert page.locator(".approved-reply").first.is_visible()

        # Spam and restore: the misfiled comment comes back with a draft.
        page.goto(site + "/coach?status=spam")
        spam_count = page.locator(".queue .item").count()
        page.locator(".queue input[name=ids]").first.check()
        page.click("button:has-text('Restore selected')")
        page.locator(".notice", has_text="Restored to the queue: 1 comment").wait_for()
        assert page.locator(".queue .item").count() == spam_count - 1
        ARTIFACTS.mkdir(exist_ok=True)
        page.goto(site + "/coach")
        page.screenshot(path=str(ARTIFACTS / "coach-queue-scale.png"), full_page=False)
    assert all(url.startswith(site) for url in requested)
