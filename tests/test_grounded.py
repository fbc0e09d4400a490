"""The grounded composer: readable, cited, attributed, honest about disagreements, passes its own checks."""
from __future__ import annotations

import re

import pytest

from service import checks
from service.text import squash


@pytest.mark.parametrize("question,must_contain,articles", [
    ("My ex is my coworker. How do I do no contact?", ["work-related"],
     {"zan-what-is-the-no-contact-rule", "barker-no-contact-questions"}),
    ("I broke no contact last night and texted her that I miss her. What now?", ["resume no contact"],
     {"zan-going-no-contact-with-an-ex", "zan-struggling-with-no-contact"}),
    ("How long should no contact last?", ["about 30 days", "indefinite"],
     {"barker-no-contact-questions", "zan-what-is-the-no-contact-rule"}),
])
def test_showcase_answers_give_the_articles_advice(coach, question, must_contain, articles):
    reply = coach.answer(question)
    assert reply.generator == "grounded" and reply.scope == "in"
    for phrase in must_contain:
        assert phrase in reply.answer, reply.answer
    assert articles <= {c.article_id for c in reply.citations}
    assert 3 <= reply.answer.count("\n- ") + 1 <= 9  # a lead and a few points, not a wall of quotes


def test_every_citation_mark_is_a_citation_with_a_real_quote(coach):
    reply = coach.answer("should I block my ex on instagram?")
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", reply.answer)}
    assert marks == {c.n for c in reply.citations}
    first_seen = [int(n) for n in dict.fromkeys(re.findall(r"\[(\d+)\]", reply.answer))]
    assert first_seen == sorted(first_seen)  # numbered in reading order
    for c, passage in zip(reply.citations, reply.passages):
        assert passage.article_id == c.article_id
        for piece in c.quote.split(" … "):
            assert squash(piece) in squash(passage.text), piece  # the article's own words


@pytest.mark.parametrize("question,topic,authors", [
    ("should i tell my ex im going no contact or just disappear?", "whether to tell", {"Dave Barker", "Zan"}),
    ("Do I need to apologise to him before I start no contact?", "apologise", {"Dave Barker", "Zan"}),
    ("how long does no contact have to last, is 30 days enough?", "how long", {"Dave Barker", "Zan"}),
])
def test_disagreements_say_who_says_what(coach, question, topic, authors):
    reply = coach.answer(question)
    assert "The coaches differ on" in reply.answer and topic in reply.answer
    section = reply.answer.split("The coaches differ on", 1)[1]
    for author in authors:
        assert f"- {author} (" in section


def test_grounded_answers_pass_the_output_check(coach):
    for question in ["My ex is my coworker. How do I do no contact?", "How long should no contact last?",
                     "my ex keeps texting me, should i reply?", "is no contact a way to get her back?",
                     "we have two kids together, how do I do no contact?",
                     "I broke no contact last night and texted her that I miss her. What now?"]:
        reply = coach.answer(question)
        assert len(reply.passages) == len(reply.citations)
        result = checks.verify(reply.answer, reply.passages, coach.embedder, framing=reply.framing)
        assert result.ok, (question, result.reasons)
        assert len(result.support) >= 3  # the articles' sentences were checked, not only framing


def test_readers_names_from_comment_threads_are_never_repeated(coach):
    for question in ["my ex says going no contact means I never loved her", "we're neighbours, should i say hi?"]:
        reply = coach.answer(question)
        for name in ("Greg", "Joe", "Mel Weak", "Anju", "Linda", "Claire"):
            assert name not in reply.answer


def test_follow_up_uses_the_conversation(coach):
    history = [{"role": "user", "content": "My ex is my coworker. How do I do no contact?"},
               {"role": "assistant", "content": "Do limited no contact..."}]
    reply = coach.answer("and what if we also have kids together?", history)
    assert reply.scope == "in" and reply.citations
    assert "barker-no-contact-questions" in {c.article_id for c in reply.citations}
