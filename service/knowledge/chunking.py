"""Split Articles into Passages that keep their meaning: whole paragraphs, a list with its lead-in, a reader's
comment with the coach's reply; no embedded text longer than the model's window."""
from __future__ import annotations

import hashlib
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass

from ..text import split_sentences, word_count
from .articles import Article, Block, Section
from .standalone import RULES_VERSION

# 2: each sentence marked alone / previous / never at ingest (standalone.py, whose rules have their own version)
CHUNKER_VERSION = f"2.{RULES_VERSION}"
TARGET_WORDS = 110  # passages grow paragraph by paragraph up to about this many words
SKIPPED_SECTIONS = {"about the author"}  # author bios are not advice


@dataclass
class Passage:
    """A unit of retrieval: whole paragraphs, or one reader comment with the coach's reply."""

    id: str
    article_id: str
    ordinal: int
    kind: str  # article | reader_qa
    heading: str
    text: str
    sentences: list[tuple[str, str]]  # (role, sentence); role: body | comment | reply
    embed_texts: list[str]  # each fits the model's window


TokenCounter = Callable[[str], int]


def split_passages(article: Article, count_tokens: TokenCounter, max_tokens: int) -> list[Passage]:
    """Paragraph-based passages; no embedded text exceeds max_tokens word-pieces."""
    passages: list[Passage] = []
    for section in article.sections:
        if section.heading.lower() in SKIPPED_SECTIONS:
            continue
        if section.kind == "reader_qa":
            passage = _qa_passage(article, section, len(passages), count_tokens, max_tokens)
            if passage:
                passages.append(passage)
            continue
        for group in _group_blocks(section.blocks, section.heading, count_tokens, max_tokens):
            passages.append(_make_passage(article, len(passages), "article", section.heading, group,
                                          count_tokens, max_tokens))
    return passages


def _prefix(article: Article, heading: str) -> str:
    return f"{article.title}. {heading}." if heading != article.title else f"{article.title}."


def _group_blocks(blocks: list[Block], heading: str, count_tokens: TokenCounter,
                  max_tokens: int) -> Iterable[list[str]]:
    """Greedy paragraph packing; a paragraph too big for the window is split between sentences."""
    budget = max_tokens - count_tokens(heading) - 24  # room for the title prefix
    group: list[str] = []
    for block in blocks:
        pieces = [block.text] if count_tokens(block.text) <= budget else _sentence_windows(
            split_sentences(block.text), count_tokens, budget)
        for piece in pieces:
            candidate = group + [piece]
            if group and (word_count(" ".join(candidate)) > TARGET_WORDS
                          or count_tokens("\n\n".join(candidate)) > budget):
                yield group
                group = [piece]
            else:
                group = candidate
    if group:
        yield group


def _sentence_windows(sentences: list[str], count_tokens: TokenCounter, budget: int) -> list[str]:
    windows, current = [], []
    for sentence in sentences:
        if current and count_tokens(" ".join(current + [sentence])) > budget:
            windows.append(" ".join(current))
            current = []
        current.append(sentence)
    if current:
        windows.append(" ".join(current))
    return windows


def _make_passage(article: Article, ordinal: int, kind: str, heading: str, paragraphs: list[str],
                  count_tokens: TokenCounter, max_tokens: int) -> Passage:
    text = "\n\n".join(paragraphs)
    sentences = [("body", s) for s in split_sentences(text)]
    embed_texts = [f"{_prefix(article, heading)}\n{text}"]
    if heading != article.title:
        # The section heading alone is a further view: headings are often the very question readers ask
        # ("What if I break no contact?") and get diluted inside a long passage's vector.
        embed_texts.append(re.sub(r"^#\d+\s*[–-]\s*", "", heading))
    return Passage(
        id=_passage_id(article, text, embed_texts),
        article_id=article.id, ordinal=ordinal, kind=kind, heading=heading, text=text,
        sentences=sentences, embed_texts=embed_texts,
    )


def _qa_passage(article: Article, section: Section, ordinal: int, count_tokens: TokenCounter,
                max_tokens: int) -> Passage | None:
    """One reader comment and the coach's reply, kept together; comments with no reply are skipped."""
    comment = [b.text for b in section.blocks if b.role == "comment"]
    reply = [b.text for b in section.blocks if b.role == "reply"]
    if not comment or not reply:
        return None
    who = section.commenter or "A reader"
    comment_text, reply_text = "\n\n".join(comment), "\n\n".join(reply)
    text = f"{who} asked: {comment_text}\n\n{article.author} replied: {reply_text}"
    comment_sentences = split_sentences(comment_text)
    reply_sentences = split_sentences(reply_text)
    sentences = [("comment", s) for s in comment_sentences] + [("reply", s) for s in reply_sentences]
    head = f"Reader question to {article.author}: "
    reply_part = f"\n{article.author}'s reply: {reply_text}"
    whole = head + comment_text + reply_part
    if count_tokens(whole) <= max_tokens:
        embed_texts = [whole]
    else:
        # Too long for one window: every window carries the reply and a run of the comment.
        budget = max(48, max_tokens - count_tokens(head + reply_part))
        if count_tokens(reply_part) > max_tokens // 2:
            budget = max_tokens - count_tokens(head)
            embed_texts = [head + w for w in _sentence_windows(comment_sentences, count_tokens, budget)]
            embed_texts += _sentence_windows(reply_sentences, count_tokens, max_tokens)
        else:
            embed_texts = [head + w + reply_part
                           for w in _sentence_windows(comment_sentences, count_tokens, budget)]
    # The coach's reply on its own is a second view: it matches readers whose words differ from the commenter's.
    reply_view = f"{article.author}'s advice to a reader: {reply_text}"
    if count_tokens(reply_view) <= max_tokens and len(embed_texts) == 1:
        embed_texts.append(reply_view)
    return Passage(
        id=_passage_id(article, text, embed_texts), article_id=article.id, ordinal=ordinal, kind="reader_qa",
        heading=f"Reader Q&A: {who}", text=text, sentences=sentences, embed_texts=embed_texts,
    )


def _passage_id(article: Article, text: str, embed_texts: list[str]) -> str:
    """Content id: changes when the text, what is embedded or the citation data change, so edits re-embed."""
    key = "\n".join([CHUNKER_VERSION, article.id, article.title, article.author, article.publication,
                     article.url or "", text, *embed_texts])
    return f"{article.id}:{hashlib.sha256(key.encode()).hexdigest()[:16]}"
