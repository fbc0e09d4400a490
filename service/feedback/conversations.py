"""Readers' data: a conversation exported or deleted at a reader's request, and everything erased after the
retention period (questions, answers and comments; the anonymous counts stay)."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import delete, select, update
from sqlalchemy.engine import Engine

from ..db.tables import feedback, replies

REDACTED = ""  # what an erased question or answer holds (the columns are NOT NULL)


def _replies_of(conn, reply_id: str) -> list:
    """Every reply of the conversation `reply_id` belongs to, oldest first ([] for an unknown id)."""
    row = conn.execute(select(replies.c.id, replies.c.conversation_id).where(replies.c.id == reply_id)).first()
    if row is None:
        return []
    where = replies.c.conversation_id == row.conversation_id if row.conversation_id else replies.c.id == row.id
    query = (select(replies, feedback.c.rating, feedback.c.comment.label("feedback_comment"))
             .outerjoin(feedback, feedback.c.reply_id == replies.c.id).where(where)
             .order_by(replies.c.created_at, replies.c.id))
    return list(conn.execute(query))


def export_conversation(engine: Engine, reply_id: str) -> dict | None:
    """The conversation as stored (what a reader asking for their data gets); None if no such reply."""
    with engine.connect() as conn:
        rows = _replies_of(conn, reply_id)
    if not rows:
        return None
    turns = [{"reply_id": r.id, "asked_at": r.created_at.isoformat(), "question": r.question, "answer": r.answer,
              "safety_level": r.safety_level, "generator": r.generator, "rating": r.rating,
              "feedback_comment": r.feedback_comment, "erased": r.redacted_at is not None} for r in rows]
    return {"conversation_id": rows[0].conversation_id, "replies": turns}


def delete_conversation(engine: Engine, reply_id: str) -> int:
    """Delete every reply of the conversation and its feedback; the number of replies deleted (0: unknown id)."""
    with engine.begin() as conn:
        ids = [r.id for r in _replies_of(conn, reply_id)]
        if ids:
            conn.execute(delete(feedback).where(feedback.c.reply_id.in_(ids)))
            conn.execute(delete(replies).where(replies.c.id.in_(ids)))
    return len(ids)


def erase_older_than(engine: Engine, days: int, now: datetime | None = None) -> int:
    """Erase the questions, answers, fallback reasons and feedback comments of replies older than `days` (crisis
    disclosures included); the rows stay for the counts. Returns how many replies were erased now."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=days)
    old = select(replies.c.id).where(replies.c.created_at < cutoff)  # a comment left after the erasure too
    with engine.begin() as conn:
        conn.execute(update(feedback).where(feedback.c.reply_id.in_(old), feedback.c.comment.is_not(None))
                     .values(comment=None))
        result = conn.execute(update(replies).where(replies.c.created_at < cutoff, replies.c.redacted_at.is_(None))
                              .values(question=REDACTED, answer=REDACTED, fallback_reason=None,
                                      redacted_at=now or datetime.now(UTC)))
    return result.rowcount or 0
