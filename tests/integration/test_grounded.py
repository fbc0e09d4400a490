"""The grounded composer: readable, cited, attributed, honest about disagreements, passes its own checks."""
from __future__ import annotations

import re
from dataclasses import dataclass, replace

import numpy as np
import pytest

from service.answering.conversation import Conversation
from service.answering.disagreements import matching
from service.answering.generators.grounded.selection import DIFFERENCE_POINTS
from service.answering.generators.grounded.sentences import adjustment as _adjustment
from service.answering.meaning import by_meaning, closeness, with_examples
from service.guardrails import output as checks
from service.guardrails.scope import ScopeResult
from service.text import normalise_quotes, squash


@pytest.mark.parametrize("question,must_contain,articles", [
    ("My ex is my coworker. How do I do no contact?", ["work-related"],
     {"zan-what-is-the-no-contact-rule", "barker-no-contact-questions"}),
    ("I broke no contact last night and texted her that I miss her. What now?", ["resume no contact"],
     {"zan-going-no-contact-with-an-ex", "zan-struggling-with-no-contact"}),
    ("How long should no contact last?", ["about 30 days", "indefinite"],
     {"barker-no-contact-questions", "zan-what-is-the-no-contact-rule"}),
])
def test_showcase_answers_give_the_articles_advice(pipeline, question, must_contain, articles):
    reply = pipeline.answer(question).reply
    assert reply.generator == "grounded" and reply.scope == "in"
    for phrase in must_contain:
        assert phrase.lower() in reply.answer.lower(), reply.answer
    assert articles <= {c.article_id for c in reply.citations}
    assert 2 <= reply.answer.count("\n- ") + 1 + reply.answer.split("\n\n")[0].count("[") <= 12  # a few, no wall


def test_every_citation_mark_is_a_citation_with_a_real_quote(pipeline):
    result = pipeline.answer("should I block my ex on instagram?")
    reply = result.reply
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", reply.answer)}
    assert marks == {c.n for c in reply.citations}
    first_seen = [int(n) for n in dict.fromkeys(re.findall(r"\[(\d+)\]", reply.answer))]
    assert first_seen == sorted(first_seen)  # numbered in reading order
    for c, passage in zip(reply.citations, result.passages):
        assert passage.article_id == c.article_id
        for piece in c.quote.split(" … "):
            assert squash(piece) in squash(passage.text), piece  # the article's own words


@pytest.mark.parametrize("question,topic,authors", [
    ("should i tell my ex im going no contact or just disappear?", "whether to tell", {"Dave Barker", "Zan"}),
    ("Do I need to apologise to him before I start no contact?", "apologise", {"Dave Barker", "Zan"}),
    ("how long does no contact have to last, is 30 days enough?", "how long", {"Dave Barker", "Zan"}),
])
def test_disagreements_say_who_says_what(pipeline, question, topic, authors):
    reply = pipeline.answer(question).reply
    if reply.answer.startswith("The coaches differ:"):  # the coach's card says who says what, first
        verdict = reply.answer.split("\n\n", 1)[0]
        for author in authors:
            assert re.search(rf"\b{author.split()[-1]} says\b", verdict), reply.answer
        assert "The coaches differ on" not in reply.answer  # ...and the sides are not listed twice
        return
    assert "The coaches differ on" in reply.answer and topic in reply.answer
    section = reply.answer.split("The coaches differ on", 1)[1]
    for author in authors:
        assert f"- {author} (" in section


def test_grounded_answers_pass_the_output_check(pipeline):
    for question in ["My ex is my coworker. How do I do no contact?", "How long should no contact last?",
                     "my ex keeps texting me, should i reply?", "is no contact a way to get her back?",
                     "we have two kids together, how do I do no contact?",
                     "I broke no contact last night and texted her that I miss her. What now?"]:
        answered = pipeline.answer(question)
        reply = answered.reply
        assert len(answered.passages) == len(reply.citations)
        result = checks.verify(reply.answer, answered.passages, pipeline.embedder, framing=answered.framing)
        assert result.ok, (question, result.reasons)
        assert len(result.support) >= 2  # the articles' sentences were checked, not only framing (a card's verdict
        # alone can be two sentences)


def test_readers_names_from_comment_threads_are_never_repeated(pipeline):
    for question in ["my ex says going no contact means I never loved her", "we're neighbours, should i say hi?"]:
        reply = pipeline.answer(question).reply
        for name in ("Greg", "Joe", "Mel Weak", "Anju", "Linda", "Claire"):
            assert name not in reply.answer


def test_follow_up_uses_the_conversation(pipeline):
    history = [{"role": "user", "content": "My ex is my coworker. How do I do no contact?"},
               {"role": "assistant", "content": "Do limited no contact..."}]
    reply = pipeline.answer("and what if we also have kids together?", history).reply
    assert reply.scope == "in" and reply.citations
    assert "barker-no-contact-questions" in {c.article_id for c in reply.citations}


# -- matching by meaning (disagreements and situations) -------------------------------------------------------

class _WordEmbedder:
    """A stand-in embedder: each known word is an axis, every text also shares a common "no contact" axis."""

    axes = ("cafe", "tell", "sorry", "ignore")

    def embed(self, texts):
        rows = []
        for t in texts:
            v = np.array([2.0] + [1.0 if a in t else 0.0 for a in self.axes] + [0.1 * len(t.split())])
            rows.append(v / np.linalg.norm(v))
        return np.array(rows)


@dataclass
class _Topic:
    id: str
    examples: tuple = ()
    vectors: np.ndarray | None = None
    centre: np.ndarray | None = None
    centred: np.ndarray | None = None


def _topics():
    return with_examples([_Topic("tell", ("tell him", "tell her now")), _Topic("sorry", ("sorry", "say sorry first")),
                          _Topic("ignore", ("ignore him", "ignore the texts"))], _WordEmbedder())


def test_a_fired_pattern_needs_the_meaning_to_agree():
    tell, sorry, ignore = _topics()
    about_telling = _WordEmbedder().embed(["should i tell him"])[0]
    assert by_meaning([tell, sorry, ignore], [tell], about_telling) == [tell]
    # "ignore" fired on a word, but the question is about telling: the closer topic wins, the word is vetoed
    assert by_meaning([tell, sorry, ignore], [ignore, tell], about_telling) == [tell]
    assert by_meaning([tell, sorry, ignore], [ignore], about_telling) == [tell]  # close enough on meaning alone
    about_a_cafe = _WordEmbedder().embed(["we run a cafe"])[0]
    assert by_meaning([tell, sorry, ignore], [tell], about_a_cafe) == []  # a word, not the topic


def test_without_examples_or_vector_the_patterns_decide():
    plain = [_Topic("tell"), _Topic("sorry")]
    assert by_meaning(plain, [plain[1]], np.ones(6) / np.sqrt(6)) == [plain[1]]
    tell, sorry, ignore = _topics()
    assert by_meaning([tell, sorry, ignore], [sorry], None) == [sorry]
    assert closeness(tell, None) is None and closeness(_Topic("x"), np.ones(6)) is None


def test_every_topic_and_situation_can_be_matched_by_its_own_examples(pipeline):
    for topic in pipeline.disagreements:
        assert len(topic.examples) >= 5, topic.id
        for example in topic.examples:
            vector = pipeline.embedder.embed([example])[0]
            found = matching(pipeline.disagreements, Conversation.of(example), vector)
            assert [t.id for t in found] in ([topic.id], []), example
    for situation in pipeline.grounded.situations:
        assert len(situation.examples) >= 4, situation.id
        assert closeness(situation, pipeline.embedder.embed([situation.examples[0]])[0]) > 0.5


@pytest.mark.parametrize("question,topic", [
    ("We run a cafe together and I can't just ghost him or we lose the business. How does no contact work for us?",
     None),  # "ghost him" is a pattern of the announce topic; the question is about working together
    ("Do I message her that I'm starting no contact? I don't want her to feel like I'm ignoring her.",
     "whether to tell your ex"),  # two topics' patterns fire; the one the question is about is shown, alone
    ("my ex keeps texting me every day, should I just ignore it?", "what to do when your ex keeps reaching out"),
])
def test_disagreement_shown_only_when_the_question_is_about_it(pipeline, question, topic):
    reply = pipeline.answer(question).reply
    if topic is None:
        assert "The coaches differ" not in reply.answer, reply.answer
    else:
        assert reply.answer.count("The coaches differ on") == 1 and topic in reply.answer, reply.answer


@pytest.mark.parametrize("question,advice", [
    ("We run a cafe together and I can't just ghost him or we lose the business. How does no contact work for us?",
     ["limited no contact", "work-related"]),
    ("how do i handle seeing my ex every day in the staff room?",  # no pattern fires: matched by meaning
     ["limited no contact", "work-related"]),
    ("Would talking to a counsellor help me get through no contact?", ["trained professional", "seek help if needed"]),
])
def test_situation_found_by_meaning_leads_with_its_advice(pipeline, question, advice):
    reply = pipeline.answer(question).reply
    first = reply.answer.split("\n\n", 1)[0]  # the direct answer comes first: no stock intro before it
    assert any(a in first for a in advice), reply.answer
    assert "cover exactly this" not in reply.answer and reply.coverage == "covered"


def test_points_are_not_generic_lines_and_few_beside_a_disagreement(pipeline):
    for question in ["My ex is my coworker. How do I do no contact?",
                     "we have two kids together, how do I do no contact?",
                     "should i tell my ex im going no contact or just disappear?"]:
        reply = pipeline.answer(question).reply
        assert "Read an article or two about no contact" not in reply.answer, reply.answer
    reply = pipeline.answer("should i tell my ex im going no contact or just disappear?").reply
    besides = reply.answer.split("More from the articles:", 1)[1] if "More from the articles:" in reply.answer else ""
    assert besides.count("\n- ") <= DIFFERENCE_POINTS


def test_reply_sentences_are_judged_by_whole_words_of_the_readers_name():
    assert _adjustment("Stay in no contact and keep improving.", "P.", "reply") is not None  # "P." is not every "p"
    assert _adjustment("He’s probably curious about you.", "P.", "reply") is None  # about that reader's ex
    assert _adjustment("Don’t worry about what she thinks, Greg.", "Greg", "reply") is None
    assert _adjustment("You show strength and determination / You look attached and obsessed", None, "article") is None


def test_every_situation_and_topic_has_anchors_from_the_articles(pipeline):
    articles = " ".join(f"{p.heading} {p.text}" for p in pipeline.kb.passages.values())
    text = re.sub(r"\s+", " ", normalise_quotes(articles).lower())
    for item in list(pipeline.grounded.situations) + list(pipeline.disagreements):
        for anchor in item.anchors:
            assert anchor in text, (item.id, anchor)


@pytest.mark.parametrize("question", ["can we still be friends after no contact?",
                                      "I broke no contact last night and texted him. did I ruin everything?"])
def test_a_coachs_verdict_is_the_whole_answer(pipeline, question):
    """No "More from the articles" under a card's verdict: a blind reviewer cut those bullets as filler or repeats."""
    reply = pipeline.answer(question).reply
    assert reply.topic in {c.id for c in pipeline.planner.cards} and reply.citations, reply.answer
    assert "More from the articles" not in reply.answer, reply.answer


def test_a_health_question_kept_for_risk_names_who_can_help_once(pipeline):
    """Kept in scope because of risk, a question the coach's gaps name (with who can answer it) gets that pointer
    once: the decline's own pointer would repeat it in other words (answers_blind10)."""
    screened = pipeline.screen("I found out he cheated. Should I get tested for STIs? I feel disgusting")
    screened.pending = None
    screened.risk = replace(screened.risk, level="support", categories=["distress"])
    screened.scope = ScopeResult("in", "medical")
    prepared = pipeline.prepare(screened)
    answer = (pipeline.prepared_reply(prepared) or pipeline.finish(prepared, pipeline.write(prepared))).reply.answer
    assert "a sexual-health clinic (they are confidential" in answer and "is the right person to ask" in answer, answer
    assert "Health questions (symptoms" not in answer, answer


def test_a_follow_up_is_not_shown_the_sides_it_has_just_read(pipeline):
    """The previous reply laid out the coaches' sides; a follow-up on something new gets its own answer, and one
    asking about that very point again still gets the sides."""
    first = "my ex keeps texting me, should i reply?"
    shown = pipeline.answer(first).reply.answer
    assert "The coaches differ on" in shown
    history = [{"role": "user", "content": first}, {"role": "assistant", "content": shown}]
    new = pipeline.answer("ok but now he's calling at 2am from numbers i don't know. what do i do", history).reply
    assert "The coaches differ on" not in new.answer and new.citations, new.answer
    again = pipeline.answer("so should I block him or not?", history).reply
    assert "The coaches differ on" in again.answer, again.answer


def test_a_gap_question_about_no_contact_is_not_asked_for_its_no_contact_side(pipeline):
    """A reader who already asks how no contact fits (a funeral during no contact) is told the gap and who can help,
    not invited to "tell me more" about the no contact side (answers_blind15: read as not listening)."""
    answer = pipeline.answer("My ex's dad died last week. I was close to him for seven years. Should I go to the "
                             "funeral even though we're doing no contact?").reply.answer
    assert "a death close to you or your ex" in answer and "grief counsellor" in answer, answer
    assert "tell me more" not in answer, answer
    other = pipeline.answer("his mother died, should I go to the funeral").reply.answer
    assert "tell me more" in other, other  # no no contact side named: the invitation stays


def test_pregnancy_is_its_own_gap_with_a_kind_word_first(pipeline):
    answer = pipeline.answer("I found out yesterday I'm pregnant. We split three weeks ago and I've been doing no "
                             "contact. I don't even know where to start.").reply.answer
    assert answer.startswith("That's a lot to take in at once"), answer
    assert "don't talk about pregnancy" in answer and "midwife" in answer, answer
    assert "sexual-health questions" not in answer, answer


def test_the_coaches_sides_carry_at_most_two_more_sentences(pipeline):
    answer = pipeline.answer("Is 30 days of no contact enough, or should it be forever?").reply.answer
    assert "The coaches differ" in answer, answer
    tail = answer.split("More from the articles:", 1)[1] if "More from the articles:" in answer else ""
    assert len([line for line in tail.splitlines() if line.startswith("- ")]) <= 2, answer
