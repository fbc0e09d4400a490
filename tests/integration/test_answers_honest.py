"""Issue 13 over real HTTP: a direct answer first, gaps told plainly, kind words, follow-ups answered, sentences
that stand on their own, the coach's answer cards checked against the articles, and the content-gap report."""
from __future__ import annotations

import re
import shutil

import httpx
import pytest
import yaml
from click.testing import CliRunner

from service.answering.guidance import card_problems, load_cards
from service.answering.pipeline import article_texts
from service.cli import main
from service.knowledge.standalone import ALONE, NEVER, PREVIOUS, standing
from service.settings import PROJECT_ROOT, get_settings
from service.tokens import hash_token
from tests.support.server import serve

TOKEN = "gap-report-token"


@pytest.fixture(scope="module")
def base_url(pipeline, tmp_path_factory):
    with serve(pipeline, tmp_path_factory.mktemp("honest"), rate_limit="off",
               coach_token_hash=hash_token(TOKEN)) as (base, _settings):
        yield base


def ask(base: str, question: str, history: list | None = None) -> dict:
    response = httpx.post(f"{base}/api/ask", json={"question": question, "history": history or []}, timeout=60)
    assert response.status_code == 200, response.text
    return response.json()


def opening(answer: str, sentences: int = 2) -> str:
    first = re.split(r"(?<=[.!?:])\s+", answer.strip())
    return " ".join(first[:sentences])


@pytest.mark.parametrize("question,verdict", [
    ("does liking her instagram posts count as breaking no contact?", "Liking or commenting on your ex's posts counts"),
    ("I broke no contact last night, do I have to start over?", "No"),
    ("should i tell my ex im going no contact or just disappear?", "The coaches differ"),
])
def test_yes_no_questions_get_the_verdict_first(base_url, question, verdict):
    reply = ask(base_url, question)
    assert reply["answer"].startswith(verdict), reply["answer"]
    assert reply["coverage"] == "covered" and reply["topic"]
    marks = {int(n) for n in re.findall(r"\[(\d+)\]", reply["answer"])}
    assert marks == {c["n"] for c in reply["citations"]}  # every mark has its source, every source a mark


@pytest.mark.parametrize("question,says", [
    ("we adopted a dog together 2 years ago, who gets to keep him?", "pets you shared"),
    ("I lent her $4,000 for her car, can I legally make her pay it back?", "money, debts or property"),
    ("what's the best way to learn to play the ukulele after a breakup?", "that directly"),  # by meaning
    # named gaps no pattern of theirs matches, found by the meaning of their examples (coverage.gap_by_meaning)
    ("my heart pounds and my chest goes tight every night since she left. can a broken heart actually kill you?",
     "physical symptoms"),
    ("he love bombed me then went cold and never said sorry once. does that make him a narcissist?",
     "personality disorder"),
])
def test_questions_the_articles_dont_cover_are_told_so_first(base_url, question, says):
    reply = ask(base_url, question)
    if reply["scope"] == "out":  # declined as a lawyer's question: said plainly, and counted as a content gap
        assert reply["coverage"] == "not_covered" and reply["topic"] == "declined-legal"
        return
    assert reply["coverage"] in ("partial", "not_covered")
    assert says in opening(reply["answer"]) and "The articles don't talk about" in reply["answer"]
    assert "cover exactly this" not in reply["answer"]


def test_the_closest_advice_is_not_a_quote_the_answer_already_gave(base_url):
    reply = ask(base_url, "We broke up last week but we're both on the lease until August. How do I do no contact "
                          "living in the same flat? And can I legally get my name off the lease before then?")
    assert "The articles don't talk about" in reply["answer"]
    said = [c["quote"] for c in reply["citations"]]
    assert len(said) == len(set(said))
    assert reply["answer"].count("communicate when absolutely necessary") <= 1


def test_a_reader_who_stopped_eating_is_pointed_to_a_doctor_not_told_about_chest_pain(base_url):
    reply = ask(base_url, "I've lost about 7 kilos since the breakup two months ago, I just can't face food. "
                          "Is that normal or should I be worried?")
    assert "weight loss or not eating" in opening(reply["answer"]) and "chest" not in reply["answer"]


def test_grief_is_acknowledged_before_anything_else(base_url):
    reply = ask(base_url, "his dad died yesterday and I was close to him. should I go to the funeral?")
    assert reply["answer"].startswith("I'm so sorry for your loss;")
    assert "The articles don't talk about a death" in reply["answer"]


def test_a_follow_up_answers_the_newest_question(base_url):
    history = [{"role": "user", "content": "should I tell my ex I'm going no contact?"},
               {"role": "assistant", "content": "The coaches differ: ..."}]
    reply = ask(base_url, "I told him anyway and then texted him again last night. do I have to start over?", history)
    assert re.search(r"resume (no contact|/stay in no contact)", opening(reply["answer"]), re.I), reply["answer"]
    assert "The coaches differ" not in reply["answer"]  # the previous question (whether to tell) is not re-answered


def test_a_follow_up_asking_something_new_gets_its_own_answer_not_the_last_one_again(pipeline):
    history = [{"role": "user", "content": "some say 30 days, some say forever. how long do i do no contact?"},
               {"role": "assistant", "content": "The coaches differ on how long no contact should last: ..."}]
    reply = pipeline.answer("and what if he texts me first?", history).reply
    assert "how long no contact should last" not in reply.answer, reply.answer
    assert reply.topic == "ex-reaches-out-should-i-reply", (reply.topic, reply.answer)


def test_a_turn_of_a_breakup_conversation_is_never_declined_as_unrelated(pipeline):
    history = [{"role": "user", "content": "is no contact just a game to make him miss me? it feels wrong"},
               {"role": "assistant", "content": "Carmen Sakurai sees No Contact as space for you to heal..."}]
    reply = pipeline.answer("ok, say i do it for myself. what do i do with my evenings now, that was our time",
                            history).reply
    assert reply.scope == "in" and "outside what I can help with" not in reply.answer, reply.answer


def test_a_question_near_a_card_is_answered_by_it_rather_than_told_nothing_was_found(pipeline):
    reply = pipeline.answer("She says she still wants me around as a friend. Should I agree? Some of her is better "
                            "than none of her... right?").reply
    assert "couldn't find anything" not in reply.answer, reply.answer
    assert reply.topic == "can-we-be-friends" and reply.answer.startswith("No"), (reply.topic, reply.answer)


@pytest.mark.parametrize("question,card", [
    ("His mam and I got very close over seven years, we'd go to the market together every Saturday. I don't want "
     "to lose her as well. Can I keep meeting her as long as we never talk about him?", "ex-family"),
    ("I'm 68 and feel daft asking. We split eight months ago and apart from sorting out who got the sofa we've hardly "
     "said a word since. My granddaughter keeps sending me articles about no contact. Do I need to do it?",
     "broke-up-long-ago"),
])
def test_a_story_that_drowns_its_meaning_reaches_the_card_its_words_name(pipeline, question, card):
    """A card's `match` words, when its meaning agrees, answer a question whose story pulls the meaning elsewhere
    (answers_blind16: both got a pile of loosely related sentences or another card)."""
    reply = pipeline.answer(question).reply
    assert reply.topic == card, (reply.topic, reply.answer)


def test_a_cards_words_never_override_a_named_gap(pipeline):
    reply = pipeline.answer("his mum died last week, should I go to the funeral?").reply
    assert "a death close to you or your ex" in reply.answer and reply.topic != "ex-family", reply.answer


def test_a_reader_denying_any_wish_to_hurt_the_ex_is_not_given_the_crisis_reply(pipeline):
    reply = pipeline.answer("her sister says she's scared of what i'll do next. i would never ever hurt her, i'm just "
                            "ashamed of all the calls. should i apologise once before no contact?").reply
    assert reply.safety.level != "urgent" and "anger" not in reply.answer, reply.answer
    assert not reply.answer.startswith("That sounds frightening"), reply.answer


QUESTIONS = [
    "my ex is my coworker, how do I do no contact?",
    "we still live together until the lease ends",
    "why is no contact so hard?",
    "what is the point of no contact if I don't want him back?",
    "is no contact manipulative?",
    "he liked my post after two months of silence, what does it mean?",
    "how do I stop checking her instagram every hour",
    "can we be friends after no contact?",
]


@pytest.mark.parametrize("question", QUESTIONS)
def test_every_quoted_sentence_stands_on_its_own(pipeline, question):
    answer = pipeline.answer(question).reply.answer
    for line in answer.splitlines():
        if line.rstrip().endswith(":"):
            continue  # our own headings ("More from the articles:", "The coaches differ on …:")
        line = re.sub(r'^- (Zan|Dave Barker|Carmen Sakurai) \([^)]*\): "', "", line)  # a coach's side, quoted
        text = re.sub(r"^- |\s*\((?:Zan|Dave Barker|Carmen Sakurai)\)\s*|\s*\[\d+\]|\"$", "", line).strip()
        text = re.sub(r'^\w+( \w+)? told a reader in the comments: "', "", text)
        if text:
            assert standing(text) not in (NEVER, PREVIOUS), line
    assert not re.search(r"\b(picture|table) below|today,? we['’]re going|comments below", answer, re.I), answer


def test_every_side_of_a_disagreement_is_quoted_so_it_stands_alone():
    data = yaml.safe_load((PROJECT_ROOT / "knowledge" / "disagreements.yaml").read_text(encoding="utf-8"))
    for topic in data["topics"]:
        for side in topic["positions"]:
            assert standing(side["quote"]) == ALONE, (topic["id"], side["quote"])


def test_every_card_named_on_a_disagreement_exists():
    data = yaml.safe_load((PROJECT_ROOT / "knowledge" / "disagreements.yaml").read_text(encoding="utf-8"))
    cards = {c.id for c in load_cards(PROJECT_ROOT / "knowledge" / "guidance")}
    for topic in data["topics"]:
        assert set(topic.get("cards") or ()) <= cards, topic["id"]


@pytest.mark.parametrize("question,card", [
    ("ok but how long until it stops hurting this much? i need an actual number", "how-long-to-get-over-ex"),
    ("how long should i wait before dating again? 3 months? 6?", "dating-during-no-contact"),
])
def test_a_question_that_only_shares_words_with_a_disagreement_gets_its_own_answer(pipeline, question, card):
    reply = pipeline.answer(question).reply
    assert reply.topic == card and "The coaches differ on how long no contact should last" not in reply.answer


def test_a_coaches_reply_to_one_reader_is_quoted_as_such(pipeline):
    answer = pipeline.answer("my ex is my coworker, how do I do no contact?").reply.answer
    for line in answer.splitlines():
        if "told a reader" in line:
            assert re.match(r'^(- )?\w+( \w+)? told a reader in the comments: ".+" \[\d+\]$', line), line
    assert not re.search(r"\b(the guy|you need to see that they betrayed you)\b", answer, re.I)


def test_the_gap_report_groups_what_the_articles_dont_answer(base_url):
    for question in ["we adopted a dog together, who keeps him?",
                     "she took our cat when she moved out, can I get him back?",
                     "should I make a post announcing we broke up? people keep asking"]:
        ask(base_url, question)
    covered = ask(base_url, "does liking her instagram posts count as breaking no contact?")
    assert httpx.post(f"{base_url}/api/feedback", json={"reply_id": covered["id"], "rating": "down"},
                      timeout=30).status_code in (200, 201)
    assert httpx.get(f"{base_url}/api/coach/gaps", timeout=30).status_code == 401
    report = httpx.get(f"{base_url}/api/coach/gaps", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=60)
    assert report.status_code == 200, report.text
    topics = {t["topic"]: t for t in report.json()["topics"]}
    pets = topics["pets"]
    assert pets["count"] >= 2 and pets["label"] == "pets you shared" and pets["last_seen"]
    assert any("dog" in q for q in pets["examples"]) and pets["reasons"]["not_covered"] >= 2
    assert topics["public-announcement"]["count"] >= 1
    liked = next(t for t in topics.values() if t["reasons"].get("thumbs_down"))
    assert liked["count"] >= 1
    assert list(topics) == sorted(topics, key=lambda k: -topics[k]["count"]) or \
        [t["count"] for t in report.json()["topics"]] == sorted((t["count"] for t in report.json()["topics"]),
                                                               reverse=True)
    bad = httpx.get(f"{base_url}/api/coach/gaps?limit=0", headers={"Authorization": f"Bearer {TOKEN}"}, timeout=30)
    assert bad.status_code == 400


def test_the_shipped_cards_stand_on_the_articles(embedder):
    settings = get_settings()
    cards = load_cards(settings.knowledge_dir / "guidance")
    assert len(cards) >= 30
    assert card_problems(cards, article_texts(settings.articles_dir), embedder) == {}


def test_a_card_that_drifts_from_the_articles_fails_ingest(built_settings, tmp_path, monkeypatch):
    knowledge = tmp_path / "knowledge"
    shutil.copytree(PROJECT_ROOT / "knowledge", knowledge)
    card = knowledge / "guidance" / "likes-count-as-contact.yaml"
    text = card.read_text(encoding="utf-8")
    card.write_text(re.sub(r'(?m)^verdict: .*$', 'verdict: "Yes: send your ex a gift basket every Friday to '
                                                 'remind them how generous you are."', text), encoding="utf-8")
    (knowledge / "guidance" / "typo.yaml").write_text(
        "id: typo\nkind: yes_no\nexamples: [is blocking ok]\nverdict: \"Yes: block them.\"\nsupport:\n"
        "  - article: zan-what-is-the-no-contact-rule\n    quote: \"words that appear in no article at all\"\n",
        encoding="utf-8")
    monkeypatch.setenv("COACH_KNOWLEDGE_DIR", str(knowledge))
    monkeypatch.setenv("COACH_DATA_DIR", str(tmp_path / "data"))
    get_settings.cache_clear()
    try:
        result = CliRunner().invoke(main, ["ingest"])
    finally:
        get_settings.cache_clear()
    assert result.exit_code != 0
    assert "likes-count-as-contact.yaml: verdict sentence not supported" in result.output
    assert "typo.yaml: quote not found word for word" in result.output
