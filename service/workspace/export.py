"""Approved replies as CSV or JSON, safe to open in a spreadsheet."""
from __future__ import annotations

import csv
import io
import json

from .comments import CommentStore

EXPORT_FIELDS = ["comment_id", "external_id", "source", "article_id", "article_title", "author", "comment", "reply",
                 "approved_at"]


def cell(value):
    """A reader's text starting with = + - @ would run as a formula in a spreadsheet: prefix it with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_rows(store: CommentStore, titles: dict[str, str]) -> list[dict]:
    """One row per approved reply, with its comment and article."""
    return [{"comment_id": r["id"], "external_id": r["external_id"], "source": r["source"],
             "article_id": r["article_id"], "article_title": titles.get(r["article_id"]),
             "author": r["author"], "comment": r["text"], "reply": r["draft_text"],
             "approved_at": r["approved_at"].isoformat() if r["approved_at"] else None}
            for r in store.queue("approved")]


def to_csv(rows: list[dict]) -> str:
    buffer = io.StringIO()
    writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
    writer.writeheader()
    writer.writerows([{k: cell(v) for k, v in row.items()} for row in rows])
    return buffer.getvalue()


def to_json(rows: list[dict]) -> str:
    return json.dumps({"replies": rows})
