"""Every table of the service's database in one MetaData (the schema itself comes from Alembic migrations)."""
from __future__ import annotations

from sqlalchemy import (
    CheckConstraint,
    Column,
    DateTime,
    Float,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
)

RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 2000

metadata = MetaData()

# Every answered question, so a reader's rating can point at it.
replies = Table(
    "replies", metadata,
    Column("id", String(64), primary_key=True),  # the reply id the API returns
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("generator", String(16), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("safety_level", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    # How far the articles covered it (covered | partial | not_covered | none) and the card, situation or gap it
    # drew on; why a model's answer was replaced by the grounded one. The coach's content-gap report reads these.
    Column("coverage", String(12), nullable=True, index=True),
    Column("topic", String(100), nullable=True),
    Column("fallback_reason", Text, nullable=True),
    # The widget's conversation (random, per browser tab): the coach exports or deletes a conversation by any of
    # its reply ids. After COACH_RETENTION_DAYS the question and answer are erased (redacted_at); what remains is
    # anonymous (time, coverage, topic, safety level) and keeps the counts.
    Column("conversation_id", String(64), nullable=True, index=True),
    Column("redacted_at", DateTime(timezone=True), nullable=True),
    # What a model-written reply cost (the endpoint's token counts, when it reports them, and its timing).
    Column("model_prompt_tokens", Integer, nullable=True),
    Column("model_completion_tokens", Integer, nullable=True),
    Column("model_first_text_ms", Float, nullable=True),
    Column("model_total_ms", Float, nullable=True),
)

# Readers' thumbs up/down from the widget.
feedback = Table(
    "feedback", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    # One row per reply: a later rating or comment on the same reply replaces the earlier one.
    Column("reply_id", String(64), ForeignKey("replies.id", ondelete="CASCADE"), nullable=False, unique=True),
    Column("rating", String(4), CheckConstraint("rating IN ('up', 'down')", name="feedback_rating"),
           nullable=False),
    Column("comment", String(MAX_COMMENT_CHARS), nullable=True),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

# Blog comments imported into the coach's workspace.
comments = Table(
    "comments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(200), nullable=False),  # json | csv | wxr:<the blog's address> | a name given
    Column("external_id", String(128), nullable=False),
    Column("article_id", String(200), nullable=True),
    Column("author", String(200), nullable=False),
    Column("text", Text, nullable=False),
    Column("posted_at", DateTime(timezone=True), nullable=True),
    Column("kind", String(16), nullable=False),  # question | thanks | spam | example (the coach's own reply)
    Column("risk_level", String(8), nullable=False, default="none"),
    Column("imported_at", DateTime(timezone=True), nullable=False),
    Column("status", String(16), nullable=False, default="pending", index=True),
    Column("parent_external_id", String(128), nullable=True),
    UniqueConstraint("source", "external_id", name="comments_source_external_id"),
    Index("ix_comments_queue", "status", "risk_level", "posted_at"),
)

# The coach's draft reply to a comment, versioned so concurrent edits never overwrite each other.
drafts = Table(
    "drafts", metadata,
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("text", Text, nullable=False),
    Column("generated_text", Text, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=True),
)

# A WordPress (or JSON/CSV) import running in the background: the coach's page and the API poll its progress.
import_jobs = Table(
    "import_jobs", metadata,
    Column("id", String(32), primary_key=True),
    Column("filename", String(300), nullable=False),
    Column("status", String(12), nullable=False),  # running | done | failed
    Column("total", Integer, nullable=False, default=0),
    Column("done", Integer, nullable=False, default=0),
    Column("result", Text, nullable=True),  # ImportResult.as_dict() as JSON, when done
    Column("error", Text, nullable=True),  # shown to the coach: never a stack trace
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
    Column("finished_at", DateTime(timezone=True), nullable=True),
    Column("updated_at", DateTime(timezone=True), nullable=True),  # the heartbeat: a stale running job has died
    Column("owner", String(300), nullable=True),  # host:pid running it: on this host, a dead pid means a dead job
)

