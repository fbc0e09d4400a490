"""Every answered question and readers' thumbs up/down on it, stored with SQLAlchemy Core.

SQLite at `settings.data_dir / "coach.db"` by default; any SQLAlchemy URL via COACH_DATABASE_URL. The coach
reviews thumbs-down answers with their question, answer id and generator (`FeedbackStore.reviews`).
"""
from __future__ import annotations

import logging
import queue
import threading
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy import (CheckConstraint, Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text,
                        create_engine, event, select)
from sqlalchemy.engine import Engine, make_url
from sqlalchemy.exc import IntegrityError

if TYPE_CHECKING:
    from .coach import Reply
    from .settings import Settings

log = logging.getLogger("coach")

RATINGS = ("up", "down")
MAX_COMMENT_CHARS = 2000

metadata = MetaData()

replies = Table(
    "replies", metadata,
    Column("id", String(64), primary_key=True),  # the reply id the API returns
    Column("question", Text, nullable=False),
    Column("answer", Text, nullable=False),
    Column("generator", String(16), nullable=False),
    Column("scope", String(8), nullable=False),
    Column("safety_level", String(8), nullable=False),
    Column("created_at", DateTime(timezone=True), nullable=False, index=True),
)

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


def _now() -> datetime:
    return datetime.now(timezone.utc)


class FeedbackStore:
    """Thread-safe (one engine, a connection per call): used from the API's worker threads."""

    def __init__(self, url: str):
        self.url = url
        parsed = make_url(url)
        if parsed.get_backend_name() == "sqlite" and parsed.database not in (None, "", ":memory:"):
            Path(parsed.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        self.engine: Engine = create_engine(url, pool_pre_ping=True)
        if parsed.get_backend_name() == "sqlite":
            event.listen(self.engine, "connect", _sqlite_pragmas)
        self._pending: queue.Queue = queue.Queue()
        self._writer: threading.Thread | None = None
        self._writer_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "FeedbackStore":
        return cls(settings.db_url)

    def create_tables(self) -> None:
        """Bring the database to the newest migration (all the service's tables, not only these)."""
        from .migrate import upgrade_database

        upgrade_database(self.url)

    def dispose(self) -> None:
        self.flush()
        self.engine.dispose()

    def record_reply(self, question: str, reply: Reply) -> None:
        with self.engine.begin() as conn:
            conn.execute(replies.insert(), [_reply_row(question, reply)])

    def record_reply_soon(self, question: str, reply: Reply) -> None:
        """Queue the row for the writer thread, which stores what has queued up in one transaction: a
        request no longer waits for (or spends its CPU on) its own insert and commit."""
        self._pending.put(_reply_row(question, reply))
        if self._writer is None:
            with self._writer_lock:
                if self._writer is None:
                    self._writer = threading.Thread(target=self._write_pending, name="reply-writer", daemon=True)
                    self._writer.start()

    def flush(self) -> None:
        """Wait until every queued reply is stored (feedback may refer to one at once)."""
        if self._writer is not None:
            self._pending.join()

    def _write_pending(self) -> None:
        while True:
            rows = [self._pending.get()]
            while len(rows) < 500:
                try:
                    rows.append(self._pending.get_nowait())
                except queue.Empty:
                    break
            try:
                with self.engine.begin() as conn:
                    conn.execute(replies.insert(), rows)
            except Exception:  # noqa: BLE001 - the readers already have their answers; the log keeps the cause
                log.exception("could not store %d replies", len(rows))
            finally:
                for _ in rows:
                    self._pending.task_done()

    def add_feedback(self, reply_id: str, rating: str, comment: str | None = None) -> int | None:
        """Store (or replace) the reader's rating of one reply; None when no such reply was given."""
        if rating not in RATINGS:
            raise ValueError(f"rating must be one of {RATINGS}")
        comment = (comment or "").strip()[:MAX_COMMENT_CHARS] or None
        self.flush()  # the reply being rated may still be queued for the writer thread
        # A concurrent first rating of the same reply may win the insert: then the retry updates it.
        for attempt in range(2):
            try:
                with self.engine.begin() as conn:
                    if conn.execute(select(replies.c.id).where(replies.c.id == reply_id)).first() is None:
                        return None
                    existing = conn.execute(select(feedback.c.id, feedback.c.comment)
                                            .where(feedback.c.reply_id == reply_id)).first()
                    if existing is not None:
                        conn.execute(feedback.update().where(feedback.c.id == existing.id).values(
                            rating=rating, comment=comment if comment is not None else existing.comment,
                            created_at=_now()))
                        return int(existing.id)
                    result = conn.execute(feedback.insert().values(
                        reply_id=reply_id, rating=rating, comment=comment, created_at=_now()))
                    return int(result.inserted_primary_key[0])
            except IntegrityError:
                if attempt:
                    raise
        return None

    def reviews(self, rating: str = "down", limit: int = 100) -> list[dict]:
        """Newest feedback with its question, answer, answer id and generator (for the coach's review)."""
        self.flush()
        query = (select(feedback.c.id, feedback.c.rating, feedback.c.comment, feedback.c.created_at,
                        replies.c.id.label("reply_id"), replies.c.question, replies.c.answer,
                        replies.c.generator, replies.c.scope, replies.c.safety_level)
                 .join(replies, replies.c.id == feedback.c.reply_id)
                 .where(feedback.c.rating == rating)
                 .order_by(feedback.c.created_at.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


def _reply_row(question: str, reply: Reply) -> dict:
    return {"id": reply.id, "question": question, "answer": reply.answer, "generator": reply.generator,
            "scope": reply.scope, "safety_level": reply.safety.level, "created_at": _now()}


def _sqlite_pragmas(dbapi_connection, _record) -> None:
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA busy_timeout=5000")
    # WAL: readers don't block the writer and a commit costs no fsync of the main file (~1.5 -> ~0.2 ms).
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.close()
