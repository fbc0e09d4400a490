"""Chunking: sentences stay whole, reader Q&A pairs stay together, nothing exceeds the model window."""
from __future__ import annotations

import re

import pytest

from service.errors import CorpusError
from service.knowledge.articles import load_articles, parse_article
from service.knowledge.chunking import split_passages
from service.text import split_sentences
from tests.support.paths import ARTICLES


@pytest.fixture(scope="module")
def passages(embedder):
    return {a.id: (a, split_passages(a, embedder.count_tokens, embedder.max_tokens))
            for a in load_articles(ARTICLES)}


def test_every_article_has_front_matter_from_the_index():
    ids = {a.id: a for a in load_articles(ARTICLES)}
    assert set(ids) == {"zan-struggling-with-no-contact", "zan-going-no-contact-with-an-ex",
                        "sakurai-no-contact-to-heal", "zan-what-is-the-no-contact-rule",
                        "barker-no-contact-questions"}
    assert ids["sakurai-no-contact-to-heal"].author == "Carmen Sakurai"
    assert ids["barker-no-contact-questions"].publication == "breakup coaching site"


def test_sentences_are_never_cut(passages):
    for article, parts in passages.values():
        for section in article.sections:
            if section.heading.lower() == "about the author":
                continue
            if section.kind == "reader_qa" and not any(b.role == "reply" for b in section.blocks):
                continue  # another reader's comment with no coach reply: kept in the file, not indexed
            for block in section.blocks:
                for sentence in split_sentences(block.text):
                    holders = [p for p in parts if sentence in p.text]
                    assert holders, f"{article.id}: sentence split across passages: {sentence[:80]!r}"


def test_reader_qa_pairs_stay_together(passages):
    article, parts = passages["zan-what-is-the-no-contact-rule"]
    qa = [p for p in parts if p.kind == "reader_qa"]
    assert len(qa) == 1
    assert "my ex is my Business Partner" in qa[0].text
    assert "Do limited no contact where you talk to your ex only about work-related subjects" in qa[0].text
    roles = {role for role, _ in qa[0].sentences}
    assert roles == {"comment", "reply"}
    _, going = passages["zan-going-no-contact-with-an-ex"]
    commenters = [p.heading for p in going if p.kind == "reader_qa"]
    # Greg, Joe twice, P., Linda, Claire, Anju: each with Zan's reply; the reply-less comment is not indexed.
    assert commenters.count("Reader Q&A: Joe") == 2 and len(commenters) == 7
    joe = next(p for p in going if p.heading == "Reader Q&A: Joe")
    assert "neighbors" in joe.text and "Not even hello" in joe.text


def test_no_embedded_text_exceeds_the_model_window(passages, embedder):
    for _, parts in passages.values():
        for p in parts:
            for text in p.embed_texts:
                assert embedder.count_tokens(text) <= embedder.max_tokens, (p.id, embedder.count_tokens(text))
    # the long reader comments really needed several windows
    _, going = passages["zan-going-no-contact-with-an-ex"]
    assert any(len(p.embed_texts) > 1 for p in going if p.kind == "reader_qa")


def test_author_bios_are_not_advice(passages):
    for _, parts in passages.values():
        assert not any("founder of Magnet of Success" in p.text for p in parts)


def test_a_new_article_is_one_more_markdown_file(articles_copy, embedder):
    (articles_copy / "new-article.md").write_text(
        "---\nid: new-article\ntitle: Letting go\nauthor: Zan\npublication: Magnet of Success\nurl: ''\n---\n\n"
        "## Why letting go helps\n\nLetting go is a choice you make every day. It gets easier with time.\n")
    found = {a.id for a in load_articles(articles_copy)}
    assert "new-article" in found and len(found) == 6


def test_bad_front_matter_is_a_clear_error(tmp_path):
    bad = tmp_path / "bad.md"
    bad.write_text("no front matter here\n")
    with pytest.raises(CorpusError, match="front matter"):
        parse_article(bad)


def test_sentence_splitter_keeps_abbreviations_and_quotes():
    text = "Sharie Stines, Psy.D. says so. “How do I use No Contact?” Basically it involves 30 days… Then stop."
    assert split_sentences(text) == ["Sharie Stines, Psy.D. says so.", "“How do I use No Contact?”",
                                     "Basically it involves 30 days…", "Then stop."]
    assert not any(re.match(r"^[a-z]", s) for s in split_sentences(text))
