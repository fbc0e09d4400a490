"""The coach's workspace without HTTP: WXR import, triage, grounded drafts for the real reader comments, metrics."""
from __future__ import annotations

import json
import re

import pytest

from service.errors import ImportRejected, VersionConflict
from service.workspace.comments import CommentStore
from service.workspace.drafting import Drafter
from service.workspace.importers import import_file, parse_csv, parse_json, parse_wxr
from service.workspace.metrics import levenshtein, metrics
from service.workspace.triage import kind_of, triage
from tests.support.db import migrated_engine
from tests.support.paths import DATA

READERS = ["Mel Weak", "Greg", "Joe", "P.", "Anju", "Claire", "Linda", "Sam"]


@pytest.fixture(scope="module")
def drafter(pipeline):
    return Drafter(pipeline)


@pytest.fixture(scope="module", params=["sqlite", "postgresql"])
def imported(request, tmp_path_factory, drafter):
    if request.param == "sqlite":
        url = f"sqlite:///{tmp_path_factory.mktemp('drafts') / 'coach.db'}"
    else:
        url = request.getfixturevalue("postgres").new_database()
    store = CommentStore(migrated_engine(url))
    result = import_file(store, (DATA / "sample.wxr").read_bytes(), "wxr", drafter)
    return store, result


def _by_author(store, author):
    return next(r for r in store.queue("pending") if r["author"] == author)


def test_wxr_import_files_each_comment_in_the_right_queue(imported):
    store, result = imported
    assert [a.id for a in result.articles] == ["zan-what-is-the-no-contact-rule", "zan-going-no-contact-with-an-ex"]
    assert result.examples == 1 and result.spam == 2 and result.urgent == 1
    pending = store.queue("pending")
    assert pending[0]["author"] == "Sam" and pending[0]["risk_level"] == "urgent"  # urgent first
    assert {r["author"] for r in pending} == {"Sam", "Mel Weak", "Greg", "Joe", "P.", "Anju", "Linda"}
    assert [r["author"] for r in store.queue("urgent")] == ["Sam"]
    spam = store.queue("spam")
    assert {r["author"] for r in spam} == {"Cheap SEO Pro", "Dave"}
    assert all(r["draft_text"] is None for r in spam)  # spam gets no draft
    assert [r["author"] for r in store.queue("examples")] == ["Zan"]
    assert all(r["draft_text"] for r in pending)


def test_reimport_creates_no_duplicates(imported, drafter):
    store, _ = imported
    before = store.count()
    again = import_file(store, (DATA / "sample.wxr").read_bytes(), "wxr", drafter)
    assert again.created == 0 and again.skipped == 11 and store.count() == before


def test_malicious_xml_is_rejected_never_expanded():
    with pytest.raises(ImportRejected, match="unsafe XML rejected"):
        parse_wxr((DATA / "malicious.wxr").read_bytes())
    with pytest.raises(ImportRejected, match="not a readable WordPress export"):
        parse_wxr(b"<rss><channel>")


def test_urgent_draft_starts_with_care_and_resources(imported):
    store, _ = imported
    text = _by_author(store, "Sam")["draft_text"]
    assert text.startswith("Hi Sam.\n\nI'm really sorry you're feeling this way.")
    assert "Help you can reach now:" in text and "Kind regards," in text


def test_thanks_gets_a_short_thank_you(imported):
    store, _ = imported
    row = _by_author(store, "Linda")
    assert row["kind"] == "thanks" and row["draft_text"].startswith("Hi Linda.\n\nThank you")


# Zan's real replies to these five comments, reduced to their key advice (knowledge/articles/, "Reader Q&A").
KEY_ADVICE = {
    "Mel Weak": ["limited no contact", "work-related"],  # "Do limited no contact ... only about work-related subjects"
    "Greg": ["continue with no contact"],  # "Continue with no contact is my advise."
    "Joe": ["stay in no contact", "not say anything"],  # "I suggest you stay in no contact and not say anything..."
    "P.": ["no contact", "wanted you back"],  # "If he wanted you back, he would indeed have reache out"
    "Anju": ["betrayed you"],  # "You need to see that they betrayed you" (her own thread, about her ex and friend)
}


@pytest.mark.parametrize("author", list(KEY_ADVICE))
def test_drafts_for_the_real_reader_comments_carry_the_coachs_key_advice(imported, author):
    store, _ = imported
    text = _by_author(store, author)["draft_text"]
    first = author.split()[0].rstrip(".")
    assert text.startswith(f"Hi {first}.\n\n") and text.rstrip().endswith("Kind regards,")
    body = text.lower()
    for phrase in KEY_ADVICE[author]:
        assert phrase in body, (author, phrase, text)
    for other in READERS:
        if other != author:
            pattern = r"(?<!\w)" + re.escape(other.rstrip(".").lower()) + r"(?!\w)"
            assert not re.search(pattern, body.split("\n\n", 1)[1]), (author, other)
    advice = text.split("\n\n")[1]
    assert 1 <= advice.count(". ") + 1 <= 6


def test_held_out_draft_never_copies_the_reply_to_the_same_comment(imported, drafter, pipeline):
    store, _ = imported
    row = _by_author(store, "Greg")
    held_out = Drafter(pipeline, leave_one_out=True)
    assert held_out.same_thread(row["text"])
    text = held_out.draft(row["author"], row["text"], row["article_id"]).text
    assert "Continue with no contact is my advise" not in text and "no contact" in text.lower()


def test_triage_kinds():
    assert kind_of("Check out my site http://a.example.com and http://b.example.com")[0] == "spam"
    assert kind_of("Earn with crypto today")[0] == "spam"
    assert kind_of("Thank you so much, great article!")[0] == "thanks"
    assert kind_of("My ex texted me after 3 weeks. Should I answer?")[0] == "question"


def test_json_and_csv_import(db_url):
    rows = parse_json(b'[{"author": "Ann", "text": "How long?", "article_url": "https://x/what-is-the-no-contact-rule/",'
                      b' "posted_at": "2024-01-01T10:00:00Z", "external_id": "a1"}]',
                      {"zan-what-is-the-no-contact-rule"})
    assert rows[0].article_id == "zan-what-is-the-no-contact-rule" and rows[0].posted_at.year == 2024
    rows = parse_csv(b"author,text,article_id,posted_at,external_id\nBo,Hi?,zan-x,,b1\n")
    assert rows[0].author == "Bo" and rows[0].article_id == "zan-x"
    with pytest.raises(ImportRejected, match="external_id"):
        parse_csv(b"author,text\nBo,Hi\n")
    assert parse_json(b'[{"author": "Ann", "text": "Hi?", "id": 17}]')[0].external_id == "17"  # numbered exports
    wrong = (b'[{"author": "Ann", "text": "Fine?", "external_id": "1"}, {"author": ["A"], "text": "Hi?", "id": 2},'
             b' {"author": "Bo", "text": 42, "id": 3}, {"author": "Cy", "text": "Ok?", "id": 4, "posted_at": 5}]')
    with pytest.raises(ImportRejected) as refused:  # never "['A']" or "42" stored as text: every bad row named
        parse_json(wrong)
    assert refused.value.detail.startswith("3 of 4 records can't be imported")
    assert refused.value.extra["errors"] == ["record 2: author must be text, not a list",
                                             "record 3: text must be text, not a number",
                                             "record 4: posted_at must be text, not a number"]
    with pytest.raises(ImportRejected, match="not valid JSON"):
        parse_json(b"[" * 100000 + b"]" * 100000)
    with pytest.raises(ImportRejected, match="author is 300 characters long; the limit is 200"):
        parse_json(json.dumps([{"author": "A" * 300, "text": "Hi?", "id": 1}]).encode())
    store = CommentStore(migrated_engine(db_url))
    data = b'[{"author": "Ann", "text": "How long should no contact last?", "external_id": "a1"}]'
    assert import_file(store, data, "json").created == 1
    assert import_file(store, data, "json").skipped == 1


def test_versioned_edits_and_metrics(db_url):
    store = CommentStore(migrated_engine(db_url))
    a, _ = store.add_comment(source="t", external_id="1", author="A", text="q?", kind="question", risk_level="none")
    b, _ = store.add_comment(source="t", external_id="2", author="B", text="q?", kind="question", risk_level="none")
    store.set_draft(a, "Hi A.\n\nStay in no contact.\n\nKind regards,")
    store.set_draft(b, "Hi B.\n\nStay strong.\n\nKind regards,")
    assert store.approve(a, 1) == 2
    v = store.edit(b, "Hi B.\n\nStay strong!\n\nKind regards,", 1)
    with pytest.raises(VersionConflict):
        store.edit(b, "lost update", 1)
    store.approve(b, v)
    m = metrics(store)
    assert m["approved"] == 2 and m["share_approved_unchanged"] == 0.5 and m["mean_edit_distance"] == 0.5
    assert 0 <= m["mean_hours_to_approval"] < 0.01
    assert levenshtein("kitten", "sitting") == 3


def test_a_regenerated_draft_never_overwrites_an_edit_saved_meanwhile(db_url):
    store = CommentStore(migrated_engine(db_url))
    a, _ = store.add_comment(source="t", external_id="1", author="A", text="q?", kind="question", risk_level="none")
    assert store.set_draft(a, "Hi A.\n\nFirst draft.") == 1
    # The coach saves an edit while a fresh draft (based on version 1) is still being written.
    assert store.edit(a, "Hi A.\n\nThe coach's own words.", 1) == 2
    with pytest.raises(VersionConflict) as conflict:
        store.set_draft(a, "Hi A.\n\nA regenerated draft.", expected_version=1)
    assert conflict.value.current == 2
    assert store.get(a)["draft_text"] == "Hi A.\n\nThe coach's own words."
    assert store.set_draft(a, "Hi A.\n\nA regenerated draft.", expected_version=2) == 3


@pytest.mark.parametrize("article_id,coach", [("barker-no-contact-questions", "barker"),
                                              ("zan-what-is-the-no-contact-rule", "zan"), (None, None)])
def test_a_draft_on_a_point_the_coaches_disagree_on_speaks_with_one_voice(drafter, article_id, coach):
    # Barker's "about 30 days" beside Zan's "indefinite (forever)" in one reply contradicts itself.
    draft = drafter.draft("Mel", "how long should no contact last? is 30 days enough or is it forever?", article_id)
    authors = {s["article_id"].split("-")[0] for s in draft.sources}
    assert draft.text and len(authors) == 1, draft.sources
    assert coach is None or authors == {coach}


def test_a_draft_to_a_reader_in_distress_names_a_line_in_its_own_words(drafter):
    # A blog reply shows no resource cards: "the lines shown with this answer" would point at nothing.
    draft = drafter.draft("Ana", "I haven't slept or eaten properly in three weeks since he left and I can't focus at "
                                 "work anymore. How do I keep going with no contact?", "zan-struggling-with-no-contact")
    assert draft.risk_level == "support"
    assert "shown with this answer" not in draft.text and "As Zan puts it" not in draft.text
    assert re.search(r"\(\D*\d[\d\s-]+\d", draft.text), draft.text  # a line with its number


def test_a_thank_you_from_a_reader_at_some_risk_carries_the_line(drafter, pipeline):
    # A thank-you was drafted as thanks alone, whatever the risk check said of it.
    text = "I don't think I'll be around to see how this ends. Thanks for the posts, they helped a bit."
    checked = triage(text, pipeline)
    assert checked.risk_level in ("support", "urgent"), checked.reasons
    draft = drafter.draft("Sam", text, "zan-struggling-with-no-contact", checked).text
    assert re.search(r"Helpline|\(\D*\d[\d\s-]+\d", draft), draft


def test_a_megabyte_comment_is_imported_and_triaged_whole(db_url, drafter):
    """The net and the embeddings read its beginning (as the model would), the risk patterns all of it: a threat
    at the very end of a 1 MB comment still files it as urgent."""
    story = ("We met at work and it ended badly, and I keep going over every conversation we had. " * 12_000)[:999_900]
    text = story + " Tonight I will kill myself."
    store = CommentStore(migrated_engine(db_url))
    data = json.dumps([{"author": "Ann", "text": text, "external_id": "big"}]).encode()
    result = import_file(store, data, "json", drafter=drafter)
    assert result.created == 1 and result.urgent == 1
    row = store.queue("pending")[0]
    assert len(store.get(row["id"])["text"]) == len(text) and store.get(row["id"])["draft_text"]


@pytest.mark.parametrize("article_id,expected", [
    # can-we-be-friends rests on Zan's words alone: on Zan's blog it is Zan's own verdict, without the "(Zan)" mark
    ("zan-what-is-the-no-contact-rule", "No: exes might be able to be friends later, but not anytime soon"),
    # ...on Barker's blog it would put Zan's verdict in Barker's mouth: the draft picks Barker's own sentences
    # (Barker's post says nothing on friendship with an ex: the draft draws on the others' sentences, never on the
    # card's verdict naming Zan)
    ("barker-no-contact-questions", None),
])
def test_a_draft_opens_with_the_card_that_answers_it_in_the_publishing_coachs_voice(drafter, article_id, expected):
    draft = drafter.draft("Mel", "He said he still wants me in his life as a friend. Can we be friends?", article_id)
    assert draft.sources, draft.text
    assert "Thank you for sharing this" not in draft.text  # answered, not asked for more detail
    if expected:
        assert all(s["article_id"].startswith("zan") for s in draft.sources), draft.sources
        assert draft.text.split("\n\n")[1].startswith(expected), draft.text
        assert "(Zan)" not in draft.text and "Zan " not in draft.text
    else:
        assert "not anytime soon" not in draft.text and "Zan" not in draft.text, draft.text


@pytest.mark.parametrize("article_id,expected,not_said", [
    # dating-during-no-contact quotes Zan and Sakurai: on Zan's post its Zan sentences open the draft, "Zan says"
    # and Sakurai's line left out; on Sakurai's post, her line alone
    ("zan-struggling-with-no-contact", "Better not: no contact gets much more tolerable for dumpees who avoid",
     "forfeit your right"),
    ("sakurai-no-contact-to-heal", "Don't forfeit your right to make clear choices just to avoid being alone.",
     "comparisons between romantic partners"),
])
def test_a_card_quoting_two_coaches_opens_a_draft_with_the_publishing_coachs_part(drafter, article_id, expected,
                                                                                   not_said):
    draft = drafter.draft("Jo", "I've been on a few dates to distract myself. Should I start dating again during "
                                "no contact?", article_id)
    opening = draft.text.split("\n\n")[1]
    assert opening.startswith(expected), draft.text
    assert not_said not in draft.text and " says " not in opening, draft.text
    coach = article_id.split("-")[0]
    assert draft.sources and all(s["article_id"].startswith(coach) for s in draft.sources), draft.sources


@pytest.mark.parametrize("question", [
    "How long should no contact last? Is 30 days enough or should it be forever?",
    "Should I tell my ex I'm going no contact or just disappear?",
])
def test_a_draft_on_a_disagreement_under_a_post_with_nothing_on_it_still_answers(drafter, question):
    # Sakurai's post says nothing on either: the draft takes one other coach's side rather than asking for detail.
    draft = drafter.draft("Mel", question, "sakurai-no-contact-to-heal")
    assert "Thank you for sharing this" not in draft.text, draft.text
    assert draft.sources and len({s["article_id"].split("-")[0] for s in draft.sources}) == 1, draft.sources


def test_a_question_tucked_into_a_thank_you_is_answered_after_the_thanks(drafter):
    # comment_drafts_blind3: "Thats a good sign right?" and "Is there a number?" got a thank-you and no answer.
    draft = drafter.draft("Priya", "Carmen thank you, this is the first article that didnt make me feel like a "
                                   "manipulator. But you don't say how long? I'm at 6 weeks. Is there a number?",
                          "sakurai-no-contact-to-heal")
    assert draft.kind == "question", draft.text
    body = draft.text.split("\n\n")[1]
    assert body.startswith("Thank you, I'm glad the article helped. ") and len(body) > 60, draft.text


def test_a_draft_says_what_the_posts_dont_cover_before_the_nearest_advice(drafter):
    draft = drafter.draft("Kev", "Dave great article but what about pets? We split our dog week on week off and swap "
                                 "on Sunday at the park. Does modified No contact apply to a dog?",
                          "barker-no-contact-questions")
    assert "I haven't written about pets you shared yet" in draft.text, draft.text


def test_a_reader_who_has_not_slipped_is_not_told_what_to_do_after_a_slip(drafter, pipeline):
    text = ("Day 40. Everyone keeps saying it gets easier. It doesnt. I still wake up at 5am and reach for my phone to "
            "text her good morning. I'm not gonna break it, I just hate that I'm this weak.")
    draft = drafter.draft("Tom", text, "zan-struggling-with-no-contact").text
    for written in (draft, pipeline.answer(text).reply.answer):
        assert "moment of weakness" not in written and "Whether you reached out" not in written, written
    # ...while a reader who slipped still is
    slipped = drafter.draft("Tom", "I broke no contact last night and texted him after a few drinks. Do I have to "
                                   "start over from day 1?", "zan-going-no-contact-with-an-ex").text
    assert "Resume no contact as if you never reached out" in slipped, slipped
    called = pipeline.answer("so that failed. rang her at 2am from the taxi and cried down the phone. have I "
                             "wrecked three weeks of no contact?").reply.answer
    assert "moment of weakness" in called or "resume" in called.lower(), called
