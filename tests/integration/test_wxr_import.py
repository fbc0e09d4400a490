"""WordPress exports as real blogs write them: every WXR version and namespace spelling, WordPress.com's undeclared
prefixes, malformed files read leniently, pingbacks never queued, threads and the coach's replies recognised, two
blogs never colliding, re-imports that update instead of duplicating; and the import running as a background job."""
from __future__ import annotations

import time

import pytest
from litestar.testing import TestClient

from service.app import create_app
from service.db.tables import drafts
from service.errors import ImportRejected
from service.tokens import hash_token
from service.workspace.comments import CommentStore
from service.workspace.drafting import Drafter
from service.workspace.importers import import_file, parse_wxr
from tests.support.db import migrated_engine
from tests.support.paths import DATA

BLOG = (DATA / "wxr" / "blog.xml").read_bytes()  # written for these tests: CRLF, entities, CJK, threads, pings
COACH = ("The Coach",)  # the name the coach comments under besides the export's author "Zan"
READERS = {"11", "13", "14", "15", "19", "20", "21", "22", "31"}


def variant(name: str) -> bytes:
    """The same blog as each kind of export writes it."""
    text = BLOG.decode("utf-8")
    if name in ("1.0", "1.1"):
        return text.replace("export/1.2/", f"export/{name}/").encode()
    if name == "https":
        return text.replace("http://wordpress.org/export/1.2/", "https://wordpress.org/export/1.2/").encode()
    if name == "wordpress.com":  # atom: used, never declared (WordPress.com does this)
        return text.replace("<language>", '<atom:link rel="search" href="https://breakups.example.com/osd.xml" />'
                                          "\r\n\t<language>", 1).encode()
    if name == "malformed":  # a stray ampersand outside CDATA: no XML parser accepts it
        return text.replace("<title>Test Breakup Blog</title>", "<title>Tips & Tricks</title>", 1).encode()
    if name == "other-blog":
        return text.replace("https://breakups.example.com", "https://another.example.org/blog").encode()
    return BLOG


@pytest.mark.parametrize("name,parser", [("1.2", "strict"), ("1.0", "strict"), ("1.1", "strict"),
                                         ("https", "strict"), ("wordpress.com", "declared-prefixes"),
                                         ("malformed", "lenient")])
def test_every_export_variant_reads_every_comment(name, parser):
    export, articles, records = parse_wxr(variant(name), COACH)
    assert export.parser == parser and export.site == "breakups.example.com"
    assert len(records) == 13 and [a.id for a in articles] == ["zan-no-contact-coworker"]
    by_id = {r.external_id: r for r in records}
    assert {r.external_id for r in records if not r.by_coach and r.kind_hint is None} == READERS
    assert {i for i, r in by_id.items() if r.by_coach} == {"12", "16"}  # by user id and e-mail / configured name
    assert {i for i, r in by_id.items() if r.kind_hint == "ping"} == {"17", "18"}
    assert {i for i, r in by_id.items() if r.answered} == {"11", "15"}
    assert by_id["13"].parent_external_id == "12" and not by_id["13"].answered  # a follow-up to the coach: queued
    assert (by_id["19"].status, by_id["20"].status, by_id["21"].status, by_id["14"].status) == \
        ("spam", "trash", "trash", "pending")
    assert by_id["31"].article_id == "page-about"  # comments on pages count too
    assert by_id["11"].text == "We broke up in March and we’re coworkers.\nHow do I keep no contact when I see him " \
                               "every day?"
    assert by_id["14"].text.startswith("元カレと毎日会社で会います") and "\r" not in by_id["15"].text
    assert by_id["17"].author == "Some Blog – Breakups"


def test_without_the_coachs_other_name_its_reply_is_a_reader_comment():
    _, _, records = parse_wxr(BLOG)
    by_id = {r.external_id: r for r in records}
    assert not by_id["16"].by_coach and not by_id["15"].answered and by_id["12"].by_coach


def test_unreadable_and_unsafe_files_are_refused_with_a_reason():
    with pytest.raises(ImportRejected, match="unsafe XML rejected"):
        parse_wxr((DATA / "malicious.wxr").read_bytes())
    with pytest.raises(ImportRejected, match="not a readable WordPress export"):
        parse_wxr(BLOG[:2000])  # cut off before the first item
    with pytest.raises(ImportRejected, match="not a WordPress export"):
        parse_wxr(b"<?xml version='1.0'?><html><body>hi</body></html>")


@pytest.fixture(scope="module")
def drafter(pipeline):
    return Drafter(pipeline)


@pytest.fixture()
def store(db_url):
    return CommentStore(migrated_engine(db_url))


def test_import_queues_every_unanswered_reader_comment_newest_first(store, drafter):
    result = import_file(store, BLOG, "wxr", drafter, coach_names=COACH)
    assert (result.created, result.queued, result.answered, result.pings, result.examples, result.spam) == \
        (13, 4, 2, 2, 2, 1)
    pending = store.queue("pending")
    # approved or held on the blog alike; newest first (14 was written on the 6th, the others on the 5th)
    assert [r["external_id"] for r in pending] == ["14", "31", "22", "13"]
    assert all(r["draft_text"] and r["source"] == "wxr:breakups.example.com" for r in pending)
    assert all("Hi Some" not in (r["draft_text"] or "") for r in pending)
    assert {r["external_id"] for r in store.queue("answered")} == {"11", "15"}
    assert {r["external_id"] for r in store.queue("discarded")} == {"20", "21"}
    assert {r["external_id"] for r in store.queue("spam")} == {"19"}


def test_reimport_adds_nothing_twice_and_moves_what_the_blog_has_answered(store, drafter):
    import_file(store, BLOG, "wxr", drafter, coach_names=COACH)
    answered_since = BLOG.decode("utf-8").replace("</item>", """<wp:comment><wp:comment_id>40</wp:comment_id>
      <wp:comment_author>Zan</wp:comment_author><wp:comment_content>Hi Sam. It gets easier.</wp:comment_content>
      <wp:comment_approved>1</wp:comment_approved><wp:comment_parent>22</wp:comment_parent>
      <wp:comment_user_id>2</wp:comment_user_id></wp:comment></item>""", 1).encode()
    again = import_file(store, answered_since, "wxr", drafter, coach_names=COACH)
    assert (again.created, again.skipped, again.updated) == (1, 13, 1)  # the coach's new reply; Sam's moved
    assert "22" in {r["external_id"] for r in store.queue("answered")}
    other = import_file(store, variant("other-blog"), "wxr", drafter, coach_names=COACH)
    assert other.created == 13 and other.skipped == 0  # the same comment ids on another blog never collide


def test_a_comment_an_interrupted_import_left_without_a_draft_gets_one(store, drafter):
    import_file(store, BLOG, "wxr", drafter, coach_names=COACH)
    sam = next(r for r in store.queue("pending") if r["external_id"] == "22")
    with store.engine.begin() as conn:
        conn.execute(drafts.delete().where(drafts.c.comment_id == sam["id"]))
    assert store.needs_draft(sam["id"])
    again = import_file(store, BLOG, "wxr", drafter, coach_names=COACH)
    assert again.repaired == 1 and store.get(sam["id"])["draft_text"]


def test_the_api_imports_in_the_background_and_reports_progress(pipeline, tmp_path):
    settings = pipeline.settings.with_overrides(data_dir=tmp_path, rate_limit="off",
                                                coach_token_hash=hash_token("t"), coach_author_names=COACH)
    auth = {"Authorization": "Bearer t"}
    with TestClient(app=create_app(settings, pipeline=pipeline)) as client:
        started = client.post("/api/coach/import?format=wxr", content=variant("wordpress.com"), headers=auth)
        assert started.status_code == 202 and started.json()["total"] == 13
        poll = started.headers["location"]
        for _ in range(240):
            job = client.get(poll, headers=auth).json()
            if job["status"] != "running":
                break
            time.sleep(0.25)
        assert job["status"] == "done" and job["done"] == 13 and job["result"]["queued"] == 4
        assert client.get("/api/coach/imports/nope", headers=auth).status_code == 404
        refused = client.post("/api/coach/import?format=wxr", content=BLOG[:2000], headers=auth)
        assert refused.status_code == 400 and "not a readable WordPress export" in refused.json()["detail"]


def test_two_requests_drafting_a_missing_draft_write_it_once_and_never_over_an_approval(store, drafter):
    """Two clicks (or two tabs) on "Write the draft": one draft; a draft approved meanwhile is never replaced."""
    import threading

    from service.workspace.drafting import draft_missing

    import_file(store, BLOG, "wxr", drafter, coach_names=COACH)
    sam = next(r for r in store.queue("pending") if r["external_id"] == "22")

    class SlowDrafter:  # both requests pass the "no draft yet" check before either writes
        def __init__(self):
            self.barrier = threading.Barrier(2)

        def draft(self, *args):
            self.barrier.wait(10)
            return drafter.draft(*args)

    with store.engine.begin() as conn:
        conn.execute(drafts.delete().where(drafts.c.comment_id == sam["id"]))
    slow, written = SlowDrafter(), []
    clicks = [threading.Thread(target=lambda: written.extend(draft_missing(store, slow, [sam["id"]])))
              for _ in range(2)]
    for click in clicks:
        click.start()
    for click in clicks:
        click.join(60)
    assert written == [sam["id"]] and store.get(sam["id"])["version"] == 1

    with store.engine.begin() as conn:
        conn.execute(drafts.delete().where(drafts.c.comment_id == sam["id"]))
    assert store.add_missing_draft(sam["id"], "the coach's draft")
    store.approve(sam["id"], 1, "the coach's reply")
    assert not store.add_missing_draft(sam["id"], "a late machine draft")  # it left the queue: nothing written
    row = store.get(sam["id"])
    assert row["status"] == "approved" and row["draft_text"] == "the coach's reply" and row["approved_at"]
