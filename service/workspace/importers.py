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

from ..errors import ImportRejected
from .comments import CommentStore
from .drafting import draft_missing
from .html_text import readable_text
from .records import ArticleRecord, CommentRecord, ImportResult
from .triage import kind_of, triage
from .wxr import READER_TYPES, WxrComment, WxrExport, read_wxr


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


STRING_FIELDS = ("author", "text", "content", "article_id", "article_url", "url", "posted_at")
ID_FIELDS = ("external_id", "id")  # a number is fine for an id (many exports number their comments)
MAX_REPORTED = 20
FIELD_LIMITS = {"author": 200, "external_id": 128, "article_id": 200}  # the comments table's column sizes


def _field(row: dict, name: str) -> str:
    """A text field as sent: only text (or, for ids, a whole number) is accepted, never a coerced list or object."""
    value = row.get(name)
    if value is None:
        return ""
    if isinstance(value, str):
        return value.strip()
    if name in ID_FIELDS and isinstance(value, int) and not isinstance(value, bool):
        return str(value)
    kinds = {bool: "true/false", int: "a number", float: "a number", list: "a list", dict: "an object"}
    raise ImportRejected(f"{name} must be text, not {kinds.get(type(value), type(value).__name__)}")


def _record(row: dict, article_ids: set[str]) -> CommentRecord:
    fields = {name: _field(row, name) for name in (*STRING_FIELDS, *ID_FIELDS)}
    text = fields["text"] or fields["content"]
    author = fields["author"]
    if not text or not author:
        raise ImportRejected("author and text are required")
    article = fields["article_id"] or article_for_url(fields["article_url"] or fields["url"], article_ids)
    external = fields["external_id"] or fields["id"]
    if not external:
        raise ImportRejected("external_id is required (it keeps re-imports from duplicating)")
    for name, value in (("author", author), ("external_id", external), ("article_id", article or "")):
        limit = FIELD_LIMITS[name]
        if len(value) > limit:  # the database's column size, enforced the same on SQLite and PostgreSQL
            raise ImportRejected(f"{name} is {len(value)} characters long; the limit is {limit}")
    return CommentRecord(external, author, text, article or None, parse_time(fields["posted_at"]))


def _records(rows: list[dict], article_ids: set[str]) -> list[CommentRecord]:
    """Every row checked; any bad row rejects the file with a report naming each one (nothing half-imported)."""
    records, problems = [], []
    for n, row in enumerate(rows, 1):
        try:
            records.append(_record(row, article_ids))
        except ImportRejected as exc:
            problems.append(f"record {n}: {exc.detail}")
    if problems:
        more = f"; and {len(problems) - MAX_REPORTED} more" if len(problems) > MAX_REPORTED else ""
        raise ImportRejected(f"{len(problems)} of {len(rows)} records can't be imported: "
                             + "; ".join(problems[:MAX_REPORTED]) + more,
                             extra={"errors": problems[:200]})
    return records


def parse_json(data: bytes, article_ids: set[str] = frozenset()) -> list[CommentRecord]:
    try:
        rows = json.loads(data.decode("utf-8"))
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError) as exc:
        raise ImportRejected(f"not valid JSON: {str(exc)[:200] or 'nested too deeply'}") from exc
    if isinstance(rows, dict):
        rows = rows.get("comments", [])
    if not isinstance(rows, list) or not all(isinstance(r, dict) for r in rows):
        raise ImportRejected("JSON must be a list of comment objects (or {\"comments\": [...]})")
    return _records(rows, article_ids)


def parse_csv(data: bytes, article_ids: set[str] = frozenset()) -> list[CommentRecord]:
    try:
        reader = csv.DictReader(io.StringIO(data.decode("utf-8-sig")))
        rows = list(reader)
    except (UnicodeDecodeError, csv.Error) as exc:
        raise ImportRejected(f"not valid CSV: {exc}") from exc
    missing = {"author", "text", "external_id"} - set(reader.fieldnames or [])
    if missing:
        raise ImportRejected(f"CSV is missing the column(s): {', '.join(sorted(missing))}")
    return _records(rows, article_ids)


def coach_matcher(export: WxrExport, names: tuple[str, ...] = ()):
    """Whether a comment is the coach's: written by one of the blog's authors (user id, e-mail or name) or under
    a name the coach set in COACH_AUTHOR_NAMES."""
    ids = {a.user_id for a in export.authors if a.user_id not in ("", "0")}
    emails = {a.email for a in export.authors if a.email}
    known = {n.casefold() for a in export.authors for n in a.names} | {n.strip().casefold() for n in names if n.strip()}

    def is_coach(c: WxrComment) -> bool:
        return (c.user_id not in ("", "0") and c.user_id in ids) or (c.email and c.email in emails) or \
            c.author.strip().casefold() in known
    return is_coach


def parse_wxr(data: bytes, coach_names: tuple[str, ...] = ()) -> tuple[WxrExport, list[ArticleRecord],
                                                                        list[CommentRecord]]:
    """Posts (the articles) and the comments on every kind of item (posts, pages, products, attachments), with
    their threads: a reader comment the coach already replied to is marked answered."""
    export = read_wxr(data)
    display = {a.login: next(iter(sorted(a.names - {a.login})), a.login) for a in export.authors}
    is_coach = coach_matcher(export, coach_names)
    articles, records = [], []
    for item in export.items:
        author = display.get(item.creator) or item.creator
        article_id = slugify(f"{author} {item.slug or item.title}") if item.post_type == "post" else \
            slugify(f"{item.post_type} {item.slug or item.title or item.post_id}")
        if item.post_type == "post" and item.content:
            articles.append(ArticleRecord(article_id, item.title, author, item.link or None, item.content,
                                          export.title))
        coach_ids = {c.comment_id for c in item.comments if is_coach(c)}
        replied_to = {c.parent_id for c in item.comments if c.comment_id in coach_ids and c.status == "approved"}
        for c in item.comments:
            if not c.comment_id or not (c.text or c.comment_type not in READER_TYPES):
                continue
            records.append(CommentRecord(
                c.comment_id, c.author or "Anonymous", c.text or "(empty)", article_id, _wxr_time(c.date),
                c.status, c.comment_id in coach_ids, c.parent_id,
                kind_hint=None if c.comment_type in READER_TYPES else "ping",
                answered=c.comment_id in replied_to))
    return export, articles, records


def _wxr_time(value: str) -> datetime | None:
    try:
        return parse_time(value)
    except ImportRejected:
        return None  # a date WordPress wrote oddly never costs the comment


def write_articles(articles: list[ArticleRecord], folder: Path) -> list[Path]:
    """Markdown files with the corpus's front matter; existing files are left alone."""
    import yaml

    folder.mkdir(parents=True, exist_ok=True)
    written = []
    for a in articles:
        path = folder / f"{a.id}.md"
        if path.exists():
            continue
        body = readable_text(a.content)
        front = yaml.safe_dump({"id": a.id, "title": a.title, "author": a.author, "publication": a.publication,
                                "url": a.url or ""}, sort_keys=False, allow_unicode=True)
        path.write_text(f"---\n{front}---\n\n{body}\n", encoding="utf-8")
        written.append(path)
    return written


def import_records(store: CommentStore, records: list[CommentRecord], source: str, drafter=None,
                   progress=None) -> ImportResult:
    """Store each comment once (source + external id) with its triage; every reader comment the coach has not
    answered yet is queued with a draft, whether the blog shows it already or holds it for moderation. A re-import
    adds nothing twice: it moves a queued comment the blog has since answered, spammed or trashed, and drafts one
    an interrupted import left without a draft."""
    result = ImportResult()
    pipeline = drafter.pipeline if drafter is not None else None
    for n, r in enumerate(records, 1):
        existing = store.find(source, r.external_id)
        if existing is not None:
            result.skipped += 1
            result.updated += store.refresh_status(existing, _blog_status(r))
            if drafter is not None:
                result.repaired += len(draft_missing(store, drafter, [existing]))
        else:
            kind, level, status, checked = _filed(r, pipeline)
            comment_id, created = store.add_comment(
                source=source, external_id=r.external_id, article_id=r.article_id, author=r.author, text=r.text,
                posted_at=r.posted_at, kind=kind, risk_level=level, status=status,
                parent_external_id=r.parent_external_id)
            result.created += created
            result.skipped += not created
            if created:
                result.spam += kind == "spam"
                result.examples += kind == "example"
                result.pings += kind == "ping"
                result.answered += status == "answered"
                result.urgent += level == "urgent"
                result.queued += status == "pending"
                if status == "pending" and drafter is not None:
                    store.set_draft(comment_id, drafter.draft(r.author, r.text, r.article_id, checked).text)
        if progress is not None:
            progress(n, len(records))
    return result


def _pattern_level(text: str, pipeline) -> str:
    if pipeline is None:
        return triage(text).risk_level
    return pipeline.safety.patterns.classify(text)[0]


def _blog_status(r: CommentRecord) -> str:
    """Where the blog has put a comment, in workspace terms (pending: still waiting for the coach)."""
    if r.by_coach:
        return "published"
    if r.kind_hint == "ping":
        return "ignored"
    return {"trash": "discarded", "spam": "spam"}.get(r.status, "answered" if r.answered else "pending")


def _filed(r: CommentRecord, pipeline) -> tuple[str, str, str, object]:
    """(kind, risk level, workspace status, triage) for a new record."""
    if r.by_coach:
        return "example", "none", "published" if r.status == "approved" else "discarded", None
    if r.kind_hint == "ping":
        return "ping", "none", "ignored", None
    if r.status == "trash":
        return kind_of(r.text)[0], "none", "discarded", None
    if r.answered:  # the coach has replied on the blog already: never queued, so its words are enough to file it
        kind, level = kind_of(r.text)[0], _pattern_level(r.text, pipeline)
        return ("question" if kind == "spam" else kind), level, "answered", None
    checked = triage(r.text, pipeline)  # blog spam too: a person at risk is never left in a spam folder
    if r.status == "spam" and not checked.urgent:
        return "spam", "none", "spam", None
    kind = "question" if r.status == "spam" else checked.kind
    return kind, checked.risk_level, "spam" if kind == "spam" else "pending", checked


@dataclass
class PreparedImport:
    """A file read and checked (so a bad one is refused at once), ready to be filed in the background."""

    records: list[CommentRecord]
    source: str
    articles: list[ArticleRecord] = field(default_factory=list)


def prepare_import(data: bytes, fmt: str, article_ids: set[str] = frozenset(), source: str | None = None,
                   coach_names: tuple[str, ...] = ()) -> PreparedImport:
    """Read one file in json, csv or wxr format. External ids are per source: the blog's address for a WordPress
    export (two blogs' comment 12 never collide), else `source` or the format."""
    fmt = fmt.lower()
    if fmt == "json":
        return PreparedImport(parse_json(data, article_ids), source or fmt)
    if fmt == "csv":
        return PreparedImport(parse_csv(data, article_ids), source or fmt)
    if fmt in ("wxr", "xml"):
        export, articles, records = parse_wxr(data, coach_names)
        return PreparedImport(records, source or (f"wxr:{export.site}" if export.site else "wxr"), articles)
    raise ImportRejected("format must be json, csv or wxr")


def import_file(store: CommentStore, data: bytes, fmt: str, drafter=None, source: str | None = None,
                articles_dir: Path | None = None, coach_names: tuple[str, ...] = (), progress=None) -> ImportResult:
    """Read and file one file in the calling thread (the CLI, tests); the service runs file_import in a job."""
    article_ids = drafter.pipeline.kb.article_ids if drafter is not None else set()
    prepared = prepare_import(data, fmt, article_ids, source, coach_names)
    return file_import(store, prepared, drafter, articles_dir, progress)


def file_import(store: CommentStore, prepared: PreparedImport, drafter=None, articles_dir: Path | None = None,
                progress=None) -> ImportResult:
    result = import_records(store, prepared.records, prepared.source, drafter, progress)
    result.articles = prepared.articles
    if articles_dir is not None and prepared.articles:
        write_articles(prepared.articles, articles_dir)
    return result
