"""What an import reads and what it reports: comment and article records, the import's counts."""
from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime


@dataclass
class CommentRecord:
    external_id: str
    author: str
    text: str
    article_id: str | None = None
    posted_at: datetime | None = None
    status: str = "pending"  # on the blog: pending | approved | spam | trash
    by_coach: bool = False
    parent_external_id: str | None = None
    kind_hint: str | None = None  # "ping": a pingback or trackback, never queued
    answered: bool = False  # the coach's reply to it is already on the blog


@dataclass
class ArticleRecord:
    id: str
    title: str
    author: str
    url: str | None
    content: str
    publication: str = ""


@dataclass
class ImportResult:
    created: int = 0
    skipped: int = 0  # already imported (same source and external id)
    updated: int = 0  # already imported, moved since on the blog (answered, spam, trash)
    queued: int = 0  # reader comments waiting for the coach
    answered: int = 0  # reader comments the coach had already replied to on the blog
    spam: int = 0
    pings: int = 0  # pingbacks and trackbacks: kept, never queued
    urgent: int = 0
    examples: int = 0
    repaired: int = 0  # already imported, but its draft was missing (an earlier import was interrupted)
    articles: list[ArticleRecord] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "skipped": self.skipped, "updated": self.updated, "queued": self.queued,
                "answered": self.answered, "spam": self.spam, "pings": self.pings, "urgent": self.urgent,
                "examples": self.examples, "repaired": self.repaired, "articles": [a.id for a in self.articles]}
