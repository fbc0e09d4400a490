"""Read reader comments from JSON, CSV or a WordPress export (WXR, parsed safely) and file them with drafts."""
from __future__ import annotations

import csv
import io
import json
import re
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from pathlib import Path

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..errors import ImportRejected
from .comments import CommentStore
from .triage import triage

NS = {"wp": "http://wordpress.org/export/1.2/", "content": "http://purl.org/rss/1.0/modules/content/",
      "dc": "http://purl.org/dc/elements/1.1/", "excerpt": "http://wordpress.org/export/1.2/excerpt/"}
MAX_BYTES = 20 * 1024 * 1024


@dataclass
class CommentRecord:
    external_id: str
    author: str
    text: str
    article_id: str | None = None
    posted_at: datetime | None = None
    status: str = "pending"  # pending | approved (published on the blog) | spam
    by_coach: bool = False
    parent_external_id: str | None = None


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
    spam: int = 0
    urgent: int = 0
    examples: int = 0
    articles: list[ArticleRecord] = field(default_factory=list)

    def as_dict(self) -> dict:
        return {"created": self.created, "skipped": self.skipped, "spam": self.spam, "urgent": self.urgent,
                "examples": self.examples, "articles": [a.id for a in self.articles]}


def slugify(text: str) -> str:
    return re.sub(r"[^a-z0-9]+", "-", text.lower()).strip("-")


def parse_time(value: str | None) -> datetime | None:
    value = (value or "").strip()
    if not value or value.startswith("0000"):
        return None
    for parse in (datetime.fromisoformat, parsedate_to_datetime):
        try:
            parsed = parse(value)
            return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
        except (ValueError, TypeError):
            continue
    raise ImportRejected(f"cannot read the time {value!r} (use ISO 8601, e.g. 2024-05-01T10:00:00Z)")


def article_for_url(url: str | None, article_ids: set[str]) -> str | None:
    """The article a URL points at: its last path segment matched against the article ids."""
    slug = slugify((url or "").rstrip("/").rsplit("/", 1)[-1])
    if not slug:
        return None
    return next((a for a in sorted(article_ids) if a == slug or a.endswith("-" + slug)), slug)


def _record(row: dict, n: int, article_ids: set[str]) -> CommentRecord:
    text = str(row.get("text") or row.get("content") or "").strip()
    author = str(row.get("author") or "").strip()
    if not text or not author:
        raise ImportRejected(f"record {n}: author and text are required")
    article = (row.get("article_id") or "").strip() or article_for_url(row.get("article_url") or row.get("url"),
                                                                       article_ids)
    external = str(row.get("external_id") or row.get("id") or "").strip()
    if not external:
        raise ImportRejected(f"record {n}: external_id is required (it keeps re-imports from duplicating)")
    return CommentRecord(external, author, text, article or None, parse_time(row.get("posted_at")))


def parse_json(data: bytes, article_ids: set[str] = frozenset()) -> list[CommentRecord]:
    try:
        rows = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError) as exc:
        raise ImportRejected(f"not valid JSON: {exc}") from exc
    if isinstance(rows, dict):
        rows = rows.get("comments", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ImportRejected("JSON must be a list of comment objects (or {\"comments\": [...]})")
    return [_record(r, n, article_ids) for n, r in enumerate(rows, 1)]


def parse_csv(data: bytes, article_ids: set[str] = frozenset()) -> list[CommentRecord]:
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportRejected(f"not valid CSV: {exc}") from exc
    missing = {"author", "text", "external_id"} - set(reader.fieldnames or [])
    if missing:
        raise ImportRejected(f"CSV is missing the column(s): {', '.join(sorted(missing))}")
    return [_record(r, n, article_ids) for n, r in enumerate(rows, 1)]


def _text(el, path: str) -> str:
    found = el.find(path, NS)
    return (found.text or "").strip() if found is not None else ""


def parse_wxr(data: bytes) -> tuple[list[ArticleRecord], list[CommentRecord]]:
    """Posts and their comments from a WordPress export; entity tricks and DTDs are rejected, never expanded."""
    if len(data) > MAX_BYTES:
        raise ImportRejected("the export is too large")
    try:
        root = SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ImportRejected(f"unsafe XML rejected ({type(exc).__name__}): entity declarations and DTDs are not "
                           "allowed in an import") from exc
    except SafeET.ParseError as exc:
        raise ImportRejected(f"not valid XML: {exc}") from exc
    channel = root.find("channel")
    if channel is None:
        raise ImportRejected("not a WordPress export (no <channel>)")
    publication = _text(channel, "title")
    display = {_text(a, "wp:author_login"): _text(a, "wp:author_display_name")
               for a in channel.findall("wp:author", NS)}
    articles, records = [], []
    for item in channel.findall("item"):
        if _text(item, "wp:post_type") not in ("post", ""):
            continue
        creator = _text(item, "dc:creator")
        author = display.get(creator) or creator
        article_id = slugify(f"{author} {_text(item, 'wp:post_name') or _text(item, 'title')}")
        articles.append(ArticleRecord(article_id, _text(item, "title"), author, _text(item, "link") or None,
                                      _text(item, "content:encoded"), publication))
        for c in item.findall("wp:comment", NS):
            approved = _text(c, "wp:comment_approved")
            status = {"1": "approved", "0": "pending", "spam": "spam"}.get(approved, "trash")
            if status == "trash":
                continue
            name = _text(c, "wp:comment_author")
            by_coach = name in (author, creator) or (_text(c, "wp:comment_user_id") not in ("", "0") and
                                                      display.get(creator) == name)
            parent = _text(c, "wp:comment_parent")
            records.append(CommentRecord(_text(c, "wp:comment_id"), name, _text(c, "wp:comment_content"), article_id,
                                         parse_time(_text(c, "wp:comment_date_gmt") or _text(c, "wp:comment_date")),
                                         status, by_coach, parent if parent not in ("", "0") else None))
    return articles, records


def write_articles(articles: list[ArticleRecord], folder: Path) -> list[Path]:
    """Markdown files with the corpus's front matter; existing files are left alone."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for a in articles:
        path = folder / f"{a.id}.md"
        if path.exists():
            continue
        body = re.sub(r"<[^>]+>", "", a.content).strip()
        front = yaml.safe_dump({"id": a.id, "title": a.title, "author": a.author, "publication": a.publication,
                                "url": a.url or ""}, sort_keys=False, allow_unicode=True)
        path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
        written.append(path)
    return written


def import_records(store: CommentStore, records: list[CommentRecord], source: str, drafter=None) -> ImportResult:
    """Store each comment once (source + external id) with its triage; pending questions get a draft."""
    result = ImportResult()
    pipeline = drafter.pipeline if drafter is not None else None
    for r in records:
        if r.by_coach and r.status == "approved":
            kind, level, status, checked = "example", "none", "published", None
        elif r.status == "spam":
            kind, level, status, checked = "spam", "none", "spam", None
        else:
            checked = triage(r.text, pipeline)
            kind, level = checked.kind, checked.risk_level
            status = "pending" if r.status == "pending" else "published"
            if kind == "spam":
                status = "spam"
        comment_id, created = store.add_comment(
            source=source, external_id=r.external_id, article_id=r.article_id, author=r.author, text=r.text,
            posted_at=r.posted_at, kind=kind, risk_level=level, status=status,
            parent_external_id=r.parent_external_id)
        if not created:
            result.skipped += 1
            continue
        result.created += 1
        result.spam += kind == "spam"
        result.examples += kind == "example"
        result.urgent += level == "urgent"
        if status == "pending" and kind != "spam" and drafter is not None:
            draft = drafter.draft(r.author, r.text, r.article_id, checked)
            store.set_draft(comment_id, draft.text)
    return result


def import_file(store: CommentStore, data: bytes, fmt: str, drafter=None, source: str | None = None,
                articles_dir: Path | None = None) -> ImportResult:
    """One file in json, csv or wxr format; `source` defaults to the format (external ids are per source)."""
    article_ids = drafter.pipeline.kb.article_ids if drafter is not None else set()
    fmt = fmt.lower()
    if fmt == "json":
        articles, records = [], parse_json(data, article_ids)
    elif fmt == "csv":
        articles, records = [], parse_csv(data, article_ids)
    elif fmt in ("wxr", "xml"):
        articles, records = parse_wxr(data)
        fmt = "wxr"
    else:
        raise ImportRejected("format must be json, csv or wxr")
    result = import_records(store, records, source or fmt, drafter)
    result.articles = articles
    if articles_dir is not None and articles:
        write_articles(articles, articles_dir)
    return result
