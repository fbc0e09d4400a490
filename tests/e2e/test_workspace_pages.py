"""The workspace pages served for real by uvicorn: closed without a session, CSRF, 409 on a stale save, a browser."""
from __future__ import annotations

import html
import re
import time
from contextlib import contextmanager

import httpx
import pytest

from service.app import create_app
from service.db.engine import make_engine
from service.tokens import hash_token
from service.workspace.comments import CommentStore
from tests.support.browser import coach_page
from tests.support.paths import ARTIFACTS, DATA
from tests.support.server import serve

PASSWORD = "coach-ui-test-token"


def csrf(page: str) -> str:
    return re.search(r'name="_csrf_token" value="([0-9a-f]+)"', page).group(1)


def version(page: str) -> int:
    return int(re.search(r'name="version" value="(\d+)"', page).group(1))


def editor(page: str) -> str:
    """The draft in the editable textarea, as a browser would see it."""
    raw = re.search(r'<textarea id="text"[^>]*>\n(.*?)</textarea>', page, re.DOTALL).group(1)
    return html.unescape(raw)


@contextmanager
def sign_in(base: str):
    """A client signed in through the login form (it needs the form's CSRF token like any browser)."""
    with httpx.Client(base_url=base, follow_redirects=False, timeout=120) as client:
        form = client.get("/coach/login")
        r = client.post("/coach/login", data={"password": PASSWORD, "_csrf_token": csrf(form.text)})
        assert r.status_code == 303 and r.headers["location"] == "/coach"
        yield client


@pytest.fixture(scope="module")
def site(pipeline, tmp_path_factory):
    with serve(pipeline, tmp_path_factory.mktemp("coach-ui"), rate_limit="off",
               coach_token_hash=hash_token(PASSWORD)) as (base, settings):
        yield base, settings


@pytest.fixture(scope="module")
def store(site):
    engine = make_engine(site[1].db_url)
    yield CommentStore(engine)
    engine.dispose()


@pytest.fixture(scope="module")
def seeded(site, store) -> dict[str, int]:
    """sample.wxr imported through the UI's import form; comment ids by author."""
    with sign_in(site[0]) as c:
        token = csrf(c.get("/coach").text)
        r = c.post("/coach/import", data={"format": "auto", "_csrf_token": token},
                   files={"file": ("sample.wxr", (DATA / "sample.wxr").read_bytes(), "application/xml")})
        assert r.status_code == 303 and r.headers["location"].startswith("/coach/imports/")
        progress = r.headers["location"]
        for _ in range(240):  # the import runs in the background; its page refreshes itself until done
            page_text = html.unescape(c.get(progress).text)
            if "Importing sample.wxr" in page_text and "Filing and drafting" not in page_text:
                break
            time.sleep(0.5)
        assert "Imported 11 new comments" in page_text and "(1 urgent)" in page_text
    ids = {r["author"]: r["id"] for s in ("pending", "spam", "examples") for r in store.queue(s)}
    assert {"Sam", "Mel Weak", "Greg", "Linda"} <= set(ids)
    return ids


def test_every_coach_route_refuses_without_a_session(pipeline, site, store, seeded):
    base, settings = site
    routes = [(route.path, method) for route in create_app(settings, pipeline=pipeline).routes
              for method in sorted(route.methods - {"HEAD", "OPTIONS"})
              if route.path.startswith(("/coach", "/api/coach")) and not route.path.startswith("/coach/static")
              and route.path != "/coach/login"]
    assert sum(p.startswith("/coach") for p, _ in routes) >= 11 and sum(p.startswith("/api") for p, _ in routes) >= 9
    secrets = [r["text"][:40] for r in store.queue("pending")] + [r["draft_text"][:40] for r in store.queue("pending")]
    with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as anonymous:
        token = csrf(anonymous.get("/coach/login").text)  # a valid CSRF pair, but no session
        with sign_in(base) as coach_client:
            session = coach_client.cookies["coach_session"]
        attempts = [{}, {"Cookie": "coach_session=" + "ab" * 32}, {"Authorization": f"Bearer {PASSWORD}"},
                    {"Cookie": f"coach_session={session}"}]
        for path, method in routes:
            url = re.sub(r"\{[^}]+\}", str(seeded["Sam"]), path)
            ui = path.startswith("/coach")
            for headers in attempts[:3] if ui else [attempts[0], attempts[1], attempts[3]]:
                data = {"_csrf_token": token, "text": "hijack", "version": "1"} if ui else None
                r = anonymous.request(method, url, headers=headers, data=data)
                if ui and method == "GET":
                    assert r.status_code == 303, (method, path, headers)
                    assert r.headers["location"].startswith("/coach/login?next=/coach"), (method, path)
                else:
                    assert r.status_code == 401, (method, path, headers, r.status_code)
                assert not any(s in r.text for s in secrets), (method, path)
        assert anonymous.post("/coach/login", data={"password": "wrong", "_csrf_token": token}).status_code == 401
    assert store.get(seeded["Sam"])["draft_text"] != "hijack" and store.get(seeded["Sam"])["status"] == "pending"
    with httpx.Client(base_url=base, timeout=60) as public:
        assert public.get("/coach/login").status_code == 200
        assert public.get("/coach/static/coach.css").status_code == 200


def test_ui_posts_need_the_csrf_token_and_the_json_apis_do_not(site, store, seeded):
    base, _ = site
    mel = seeded["Mel Weak"]
    before = store.get(mel)
    with sign_in(base) as c:
        form = {"text": "forged", "version": str(before["version"])}
        assert c.post(f"/coach/comments/{mel}/save", data=form).status_code == 403
        assert c.post(f"/coach/comments/{mel}/approve", data={**form, "_csrf_token": "0" * 128}).status_code == 403
        assert c.post("/coach/logout").status_code == 403
        assert c.get("/coach").status_code == 200  # still signed in
    assert store.get(mel)["draft_text"] == before["draft_text"] and store.get(mel)["status"] == "pending"
    bearer = {"Authorization": f"Bearer {PASSWORD}"}
    with httpx.Client(base_url=base, timeout=120) as api:
        assert api.post("/api/ask", json={"question": "How long should no contact last?"}).status_code == 200
        assert api.get("/api/coach/metrics", headers=bearer).status_code == 200
        assert api.post(f"/api/coach/comments/{seeded['Linda']}/discard", headers=bearer).status_code == 200


def test_a_stale_save_is_a_409_and_the_first_edit_is_kept(site, store, seeded):
    base, _ = site
    greg = f"/coach/comments/{seeded['Greg']}"
    with sign_in(base) as first, sign_in(base) as second:
        page_a, page_b = first.get(greg).text, second.get(greg).text
        assert version(page_a) == version(page_b)
        draft = editor(page_a)
        edit = draft.replace("\n", "\r\n") + "\r\n\r\nFirst edit"  # as a browser submits a textarea
        r = first.post(f"{greg}/save", data={"text": edit, "version": version(page_a), "_csrf_token": csrf(page_a)})
        assert r.status_code == 303 and r.headers["location"] == greg
        kept = draft + "\n\nFirst edit"
        assert store.get(seeded["Greg"])["draft_text"] == kept

        stale = {"text": "Second edit", "version": version(page_b), "_csrf_token": csrf(page_b)}
        r = second.post(f"{greg}/save", data=stale)
        assert r.status_code == 409
        assert "Not saved: someone else changed this draft." in html.unescape(r.text)
        assert editor(r.text) == kept and version(r.text) == version(page_a) + 1  # the current text to work on
        assert "Second edit" in r.text  # their own text, shown read-only so nothing typed is lost
        assert second.post(f"{greg}/approve", data=stale).status_code == 409
        assert second.post(f"{greg}/regenerate", data=stale).status_code == 409
        row = store.get(seeded["Greg"])
        assert row["draft_text"] == kept and row["status"] == "pending" and row["approved_at"] is None

        fresh = second.get(greg).text  # reload, then approve exactly what the editor shows
        r = second.post(f"{greg}/approve", data={"text": editor(fresh).replace("\n", "\r\n"),
                                                   "version": version(fresh), "_csrf_token": csrf(fresh)})
        assert r.status_code == 303
        assert store.get(seeded["Greg"])["status"] == "approved"
        assert second.post(f"{greg}/save", data={**stale, "version": version(fresh) + 1}).status_code == 409


def test_a_comment_left_without_a_draft_is_repaired_from_its_page(site, store, seeded):
    """Drafting cut short between a comment and its draft: the page says so and one button writes the draft."""
    from service.db.tables import drafts

    base, _ = site
    queued = next(r["id"] for r in store.queue("pending") if r["id"] != seeded["Greg"])
    author = store.get(queued)["author"]
    with store.engine.begin() as conn:
        conn.execute(drafts.delete().where(drafts.c.comment_id == queued))
    with sign_in(base) as c:
        page_text = html.unescape(c.get(f"/coach/comments/{queued}").text)
        assert "No draft yet: its drafting was cut short" in page_text
        assert "Write the draft" in page_text and 'id="text"' not in page_text
        assert c.post(f"/coach/comments/{queued}/draft", data={}).status_code == 403  # CSRF like every form
        r = c.post(f"/coach/comments/{queued}/draft", data={"_csrf_token": csrf(page_text)})
        assert r.status_code == 303 and r.headers["location"] == f"/coach/comments/{queued}"
        repaired = html.unescape(c.get(f"/coach/comments/{queued}").text)
        assert f"Wrote a draft for {author}" in repaired and editor(repaired).strip()
        assert version(repaired) == 1 and "Write the draft" not in repaired
        r = c.post(f"/coach/comments/{queued}/draft", data={"_csrf_token": csrf(repaired)})  # a second click
        assert "already has a draft: nothing was written" in html.unescape(c.get(r.headers["location"]).text)
        assert store.get(queued)["version"] == 1


def test_pages_metrics_feedback_and_sign_out(site, store, seeded):
    base, _ = site
    with sign_in(base) as c:
        urgent = c.get("/coach?status=urgent").text
        assert 'class="badge urgent">Urgent<' in urgent and "Sam" in urgent and "Mel Weak" not in urgent
        pending = c.get("/coach").text
        assert pending.index("Sam") < pending.index("Mel Weak")  # urgent first
        assert c.get("/coach?status=nope").status_code == 400
        assert c.get("/coach/comments/999999").status_code == 404
        sam = c.get(f"/coach/comments/{seeded['Sam']}").text
        assert "this reader may be at risk" in sam and editor(sam).startswith("Hi Sam")
        assert "Mean edit distance" in c.get("/coach/metrics").text
        assert c.get("/coach/feedback").status_code == 200
        spam = c.get(f"/coach/comments/{seeded['Cheap SEO Pro']}").text
        assert "No draft: spam comments get no reply." in spam
        page = c.get("/coach")
        assert c.post("/coach/logout", data={"_csrf_token": csrf(page.text)}).status_code == 303
        assert c.get("/coach").status_code == 303


def test_sign_in_gives_a_fresh_session_and_stays_on_this_site(site):
    base, _ = site
    planted = "cd" * 32  # a session id an attacker put in the browser before the coach signs in
    with httpx.Client(base_url=base, follow_redirects=False, timeout=60) as c:
        token = csrf(c.get("/coach/login").text)
        cookies = {"Cookie": f"coach_csrf={token}; coach_session={planted}"}
        for next_, where in (("https://evil.example/", "/coach"), ("//evil.example", "/coach"),
                             ("/coach/metrics", "/coach/metrics")):
            r = c.post("/coach/login", data={"password": PASSWORD, "_csrf_token": token, "next": next_},
                       headers=cookies)
            assert r.status_code == 303 and r.headers["location"] == where
            fresh = r.cookies["coach_session"]
            assert fresh != planted
        assert c.get("/coach", headers={"Cookie": f"coach_session={fresh}"}).status_code == 200
        assert c.get("/coach", headers={"Cookie": f"coach_session={planted}"}).status_code == 303


def test_sign_in_attempts_are_rate_limited(pipeline, tmp_path):
    with (serve(pipeline, tmp_path, rate_limit="minute:3", coach_token_hash=hash_token(PASSWORD)) as (base, _),
          httpx.Client(base_url=base, timeout=60) as c):
        token = csrf(c.get("/coach/login").text)
        codes = [c.post("/coach/login", data={"password": "guess", "_csrf_token": token}).status_code
                 for _ in range(4)]
    assert codes == [401, 401, 401, 429]


@pytest.mark.browser
def test_coach_edits_and_approves_in_a_real_browser(pipeline, browser, tmp_path):
    with (serve(pipeline, tmp_path, rate_limit="off", coach_token_hash=hash_token(PASSWORD)) as (base, _),
          coach_page(browser) as (page, requested)):
        page.goto(base + "/coach")
        assert page.url.startswith(base + "/coach/login")
        page.fill("#password", "not the token")
        page.click("button:has-text('Sign in')")
        assert page.locator("[role=alert]").inner_text() == "That password is not right."
        page.fill("#password", PASSWORD)
        page.click("button:has-text('Sign in')")
        page.wait_for_url(base + "/coach")

        page.set_input_files("input[name=file]", str(DATA / "sample.wxr"))
        page.click("button:has-text('Import')")
        page.wait_for_url(re.compile(r".*/coach/imports/\w+$"))  # the import's own page, refreshing until done
        page.locator(".import-job", has_text="Imported 11 new comments").wait_for(timeout=120_000)
        assert "1 urgent" in page.locator(".import-job").inner_text()
        page.click("a:has-text('Open the queue')")
        page.wait_for_url(base + "/coach")
        first = page.locator(".queue .item").first
        assert "urgent" in first.get_attribute("class") and first.locator(".badge.urgent").is_visible()
        assert first.locator(".who").inner_text() == "Sam"
        assert page.locator(".queue .item").count() == 7
        ARTIFACTS.mkdir(exist_ok=True)
        page.screenshot(path=str(ARTIFACTS / "coach-queue.png"), full_page=True)

        page.click(".queue .who:text-is('Mel Weak')")
        page.locator("h1", has_text="Mel Weak").wait_for()
        assert "What is the no contact rule?" in page.locator(".on").inner_text()
        box = page.locator("textarea#text")
        typed = box.input_value().rstrip() + "\n\nWith you in this,\nZan (edited in the browser)"
        box.fill(typed)
        page.screenshot(path=str(ARTIFACTS / "coach-comment.png"), full_page=True)
        page.click("button:has-text('Approve')")
        page.locator(".notice", has_text="Approved the reply to Mel Weak").wait_for()
        assert "Here is the next comment" in page.locator(".notice.ok").inner_text()  # straight on to the next one
        assert re.search(r"/coach/comments/\d+$", page.url) and page.locator("h1").inner_text() != "Mel Weak"
        page.goto(base + "/coach")

        page.click(".tabs a:has-text('Approved')")
        page.wait_for_url(base + "/coach?status=approved")
        assert page.locator(".queue .who").all_inner_texts() == ["Mel Weak"]
        page.click(".queue .who:text-is('Mel Weak')")
        assert page.locator(".reply").inner_text().strip() == typed.strip()
        exported = page.request.get(base + "/coach/export?format=json").json()["replies"]
        assert [(e["author"], e["reply"]) for e in exported] == [("Mel Weak", typed)]
        csv_export = page.request.get(base + "/coach/export?format=csv")
        assert csv_export.headers["content-type"].startswith("text/csv")
        assert "edited in the browser" in csv_export.text()
        assert all(u.startswith(base) for u in requested)  # no CDN, no web fonts
