"""Every answered question and readers' thumbs up/down on it (SQLAlchemy Core, the service's one database).

The coach reviews thumbs-down answers with their question, answer id and generator (`FeedbackStore.reviews`).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

from sqlalchemy import or_, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..answering.generators.base import Usage
from ..answering.reply import Reply
from ..db.tables import MAX_COMMENT_CHARS, RATINGS, feedback, replies
from .writer import BatchWriter


def _now() -> datetime:
    return datetime.now(UTC)


class FeedbackStore:
    """Thread-safe (one engine, a connection per call): used from the API's worker threads."""

    def __init__(self, engine: Engine):
        self.engine = engine
        self._writer = BatchWriter(engine, replies)

    def record_reply(self, question: str, reply: Reply, conversation_id: str | None = None) -> None:
        with self.engine.begin() as conn:
            conn.execute(replies.insert(), [_reply_row(question, reply, conversation_id)])

    def record_reply_soon(self, question: str, reply: Reply, conversation_id: str | None = None,
                          usage: Usage | None = None) -> None:
        """Queue the row for the writer thread: a request no longer waits for (or spends its CPU on) its own
        insert and commit."""
        self._writer.put(_reply_row(question, reply, conversation_id, usage))

    def flush(self) -> None:
        """Wait until every queued reply is stored (feedback may refer to one at once)."""
        self._writer.flush()

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


    def model_usage(self, days: int = 30) -> dict:
        """What the model endpoint cost over the last `days`: calls, how many answers were the model's and how many
        fell back to the grounded one, tokens (as the endpoint reported them) and time to first text and to the end."""
        self.flush()
        since = _now() - timedelta(days=days)
        called = replies.c.model_total_ms.is_not(None)
        query = select(replies.c.generator, replies.c.model_prompt_tokens, replies.c.model_completion_tokens,
                       replies.c.model_first_text_ms, replies.c.model_total_ms, replies.c.fallback_reason) \
            .where(replies.c.created_at >= since, or_(called, replies.c.fallback_reason.is_not(None)))
        with self.engine.connect() as conn:
            rows = [dict(r._mapping) for r in conn.execute(query)]
        timed = [r for r in rows if r["model_total_ms"] is not None]
        return {"days": days, "model_calls": len(timed),
                "model_answers": sum(r["generator"] == "llm" for r in rows),
                "fell_back": sum(r["fallback_reason"] is not None for r in rows),
                "prompt_tokens": sum(r["model_prompt_tokens"] or 0 for r in timed),
                "completion_tokens": sum(r["model_completion_tokens"] or 0 for r in timed),
                "first_text_ms_p50": _median([r["model_first_text_ms"] for r in timed]),
                "total_ms_p50": _median([r["model_total_ms"] for r in timed]),
                "total_ms_p95": _quantile([r["model_total_ms"] for r in timed], 0.95)}

    def gap_questions(self, limit: int = 2000) -> list[dict]:
        """The newest questions the articles didn't answer well: told a gap (partial, not covered, or declined as a
        lawyer's or doctor's question), a model's answer replaced for weak support, or rated thumbs down; with why,
        newest first."""
        self.flush()
        rating = feedback.c.rating
        query = (select(replies.c.id, replies.c.question, replies.c.coverage, replies.c.topic,
                        replies.c.fallback_reason, replies.c.created_at, rating)
                 .outerjoin(feedback, feedback.c.reply_id == replies.c.id)
                 .where(or_(replies.c.coverage.in_(("partial", "not_covered")), replies.c.fallback_reason.is_not(None),
                            rating == "down"), replies.c.redacted_at.is_(None))
                 .order_by(replies.c.created_at.desc()).limit(limit))
        with self.engine.connect() as conn:
            return [dict(row._mapping) for row in conn.execute(query)]


def _median(values: list[float | None]) -> float | None:
    return _quantile(values, 0.5)


def _quantile(values: list[float | None], q: float) -> float | None:
    present = sorted(v for v in values if v is not None)
    return round(present[min(len(present) - 1, int(q * len(present)))], 1) if present else None


def _reply_row(question: str, reply: Reply, conversation_id: str | None = None, usage: Usage | None = None) -> dict:
    usage = usage or Usage()
    return {"model_prompt_tokens": usage.prompt_tokens, "model_completion_tokens": usage.completion_tokens,
            "model_first_text_ms": usage.first_text_ms, "model_total_ms": usage.total_ms,
            "id": reply.id, "conversation_id": conversation_id, "question": question, "answer": reply.answer,
            "generator": reply.generator,
            "scope": reply.scope, "safety_level": reply.safety.level, "created_at": _now(),
            "coverage": reply.coverage, "topic": reply.topic, "fallback_reason": reply.fallback_reason}
