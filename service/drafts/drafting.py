"""Draft a reply in the coach's voice: greeting, a few grounded sentences of advice, sign-off."""
from __future__ import annotations

import re
from dataclasses import dataclass, field

from ..compose import Context
from ..prompts import render
from ..retrieval import StoredPassage
from ..text import squash
from .triage import Triage, triage

MAX_SENTENCES = 4
TEMPLATE = "draft_reply.j2"
_SENTENCE_END = re.compile(r"(?<=[.!?…])\s+")


@dataclass
class Draft:
    text: str
    kind: str
    risk_level: str
    sources: list[dict] = field(default_factory=list)  # article_id, title, quote for each advice sentence


def first_name(author: str | None) -> str:
    """"Mel Weak" -> "Mel", "P." -> "P"; "there" when there is no usable name."""
    token = (author or "").strip().split()[0] if (author or "").strip() else ""
    token = re.sub(r"[^\w'’-]", "", token)
    return token or "there"


class Drafter:
    """Drafts replies with the coach's retrieval, safety check and grounded sentence selection."""

    def __init__(self, coach, leave_one_out: bool = False):
        self.coach = coach
        # True: never draw on the coach's published reply to this very comment (an honest held-out draft).
        self.leave_one_out = leave_one_out
        self.kb = coach.kb
        self.readers = self._reader_names()

    def _reader_names(self) -> set[str]:
        names = set()
        for p in self.kb.passages.values():
            if p.kind == "reader_qa" and ":" in p.heading:
                who = p.heading.split(":", 1)[1].strip()
                if who and who.lower() != "a reader":
                    names.add(who)
        return names

    def same_thread(self, text: str) -> set[str]:
        """Reader Q&A passages that hold this very comment: a draft never copies the coach's answer to it."""
        wanted = squash(text)
        out = set()
        for p in self.kb.passages.values():
            if p.kind != "reader_qa":
                continue
            comment = [s for s, role in zip(p.sentences, p.roles) if role == "comment" and len(s) > 25]
            if comment and sum(squash(s) in wanted for s in comment) >= max(1, len(comment) // 2):
                out.add(p.id)
        return out

    def draft(self, author: str | None, text: str, article_id: str | None = None,
              checked: Triage | None = None) -> Draft:
        """The draft for one comment; None text for spam (spam gets no draft)."""
        checked = checked or triage(text, self.coach)
        settings = self.coach.settings
        name = first_name(author)
        if checked.kind == "spam":
            return Draft("", "spam", checked.risk_level)
        if checked.urgent:
            safety = checked.safety
            urgent = render(settings.prompts_dir, "urgent.j2", categories=safety.categories if safety else [],
                            resources=[r.as_dict() for r in (safety.resources if safety else [])])
            body = render(settings.prompts_dir, TEMPLATE, reader=name, kind="urgent", points=[], urgent_text=urgent,
                          support_note="")
            return Draft(body, checked.kind, "urgent")
        if checked.kind == "thanks":
            body = render(settings.prompts_dir, TEMPLATE, reader=name, kind="thanks", points=[], urgent_text="",
                          support_note="")
            return Draft(body, "thanks", checked.risk_level)
        points, sources = self._advice(author, text, article_id)
        note = ""
        if checked.risk_level == "support":
            note = render(settings.prompts_dir, "support_note.j2",
                          categories=checked.safety.categories if checked.safety else ["distress"])
        if not points:
            points = ["Thank you for sharing this. I'd need a little more detail to give you good advice: "
                      "what is your situation with your ex right now?"]
        body = render(settings.prompts_dir, TEMPLATE, reader=name, kind="question", points=points, urgent_text="",
                      support_note=note)
        return Draft(body, "question", checked.risk_level, sources)

    def _advice(self, author: str | None, text: str, article_id: str | None) -> tuple[list[str], list[dict]]:
        coach = self.coach
        vector = coach.embedder.embed([text])[0]
        skip = self.same_thread(text) if self.leave_one_out else set()
        hits = [h for h in coach.retriever.search(vector, k=coach.settings.retrieval_k + len(skip), query=text)
                if h.passage.id not in skip][:coach.settings.retrieval_k]
        context = Context(text, [], vector, hits)
        chosen = coach.grounded.advice(context, skip_passages=skip, prefer_article=article_id, limit=6)
        own = {n.lower() for n in (author or "").replace(".", " ").split() if n}
        others = [n for n in self.readers if not (set(n.lower().replace(".", " ").split()) & own)]
        points, sources, count = [], [], 0
        for passage, sentence in chosen:
            if _mentions(sentence, others):
                continue  # never another reader's name or details
            n = len([s for s in _SENTENCE_END.split(sentence) if s.strip()])
            if count and count + n > MAX_SENTENCES:
                continue
            points.append(sentence)
            sources.append(_source(passage, sentence))
            count += n
            if count >= MAX_SENTENCES:
                break
        return points, sources


def _mentions(sentence: str, names: list[str]) -> bool:
    for name in names:
        pattern = r"(?<!\w)" + re.escape(name.rstrip(".")) + r"(?!\w)"
        if re.search(pattern, sentence, re.I):
            return True
    return False


def _source(passage: StoredPassage, sentence: str) -> dict:
    return {"article_id": passage.article_id, "title": passage.title, "quote": sentence}
