"""The workspace's comments and their drafts (SQLAlchemy Core, the service's one database); versioned edits."""
from __future__ import annotations

from datetime import UTC, datetime

from sqlalchemy import case, func, select
from sqlalchemy.engine import Engine
from sqlalchemy.exc import IntegrityError

from ..db.tables import comments, drafts
from ..errors import NotFound, VersionConflict

NOT_QUEUED_KINDS = ("spam", "example", "ping")
BLOG_MOVES = frozenset({"answered", "spam", "discarded", "ignored"})


VIEWS = ("pending", "urgent", "approved", "answered", "discarded", "spam", "examples")
# The queue's order: urgent first, then newest.
QUEUE_ORDER = (case((comments.c.risk_level == "urgent", 0), else_=1), comments.c.posted_at.desc().nulls_last(),
               comments.c.id.desc())


def in_view(view: str):
    """The condition a comment meets to be in one of VIEWS."""
    pending = (comments.c.status == "pending") & comments.c.kind.notin_(NOT_QUEUED_KINDS)
    return {"pending": pending, "urgent": pending & (comments.c.risk_level == "urgent"),
            "spam": (comments.c.status == "spam") | ((comments.c.kind == "spam") & (comments.c.status != "discarded")),
            "examples": comments.c.kind == "example"}.get(
        view, (comments.c.status == view) & (comments.c.kind != "example"))


def with_drafts():
    """Comments with their draft's text, version and times."""
    return (select(comments, drafts.c.text.label("draft_text"), drafts.c.generated_text, drafts.c.version,
                   drafts.c.updated_at, drafts.c.approved_at)
            .select_from(comments.outerjoin(drafts, drafts.c.comment_id == comments.c.id)))


def now() -> datetime:
    return datetime.now(UTC)


def aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


class CommentStore:
    """Comments and drafts; each call is one transaction."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def add_comment(self, **values) -> tuple[int, bool]:
        """(id, created): an existing (source, external_id) is left as it is (re-imports add nothing)."""
        values.setdefault("imported_at", now())
        key = (comments.c.source == values["source"]) & (comments.c.external_id == values["external_id"])
        with self.engine.begin() as conn:
            row = conn.execute(select(comments.c.id).where(key)).first()
            if row is not None:
                return int(row.id), False
            try:
                result = conn.execute(comments.insert().values(**values))
            except IntegrityError:  # a concurrent import of the same comment
                conn.rollback()
                row = conn.execute(select(comments.c.id).where(key)).first()
                return int(row.id), False
            return int(result.inserted_primary_key[0]), True

    def find(self, source: str, external_id: str) -> int | None:
        """The id of an already imported comment."""
        with self.engine.connect() as conn:
            row = conn.execute(select(comments.c.id).where(
                (comments.c.source == source) & (comments.c.external_id == external_id))).first()
        return int(row.id) if row is not None else None

    def refresh_status(self, comment_id: int, status: str) -> bool:
        """A re-import's news from the blog: a comment still waiting in the queue moves when the blog has since
        answered, spammed or trashed it. Anything the coach already decided is left alone."""
        if status not in BLOG_MOVES:
            return False
        with self.engine.begin() as conn:
            moved = conn.execute(comments.update().where(
                (comments.c.id == comment_id) & (comments.c.status == "pending")).values(status=status))
            return moved.rowcount == 1

    def needs_draft(self, comment_id: int) -> bool:
        """A queued comment without a draft (its drafting was cut short: an import or a restore interrupted)."""
        with self.engine.connect() as conn:
            return conn.execute(self._without_draft(comment_id)).first() is not None

    @staticmethod
    def _without_draft(comment_id: int):
        return (select(comments.c.id).select_from(comments.outerjoin(drafts, drafts.c.comment_id == comments.c.id))
                .where((comments.c.id == comment_id) & (comments.c.status == "pending") &
                       comments.c.kind.notin_(NOT_QUEUED_KINDS) & drafts.c.comment_id.is_(None)))

    def add_missing_draft(self, comment_id: int, text: str) -> bool:
        """The first draft of a queued comment that has none; False (and nothing written) when it has one by now,
        written by another request meanwhile, or has left the queue. Never touches an existing draft."""
        try:
            with self.engine.begin() as conn:
                if conn.execute(self._without_draft(comment_id)).first() is None:
                    return False
                conn.execute(drafts.insert().values(comment_id=comment_id, text=text, generated_text=text,
                                                    version=1, updated_at=now()))
        except IntegrityError:  # two requests raced past the check: the first one's draft stays
            return False
        return True

    def set_draft(self, comment_id: int, text: str, expected_version: int | None = None) -> int:
        """A freshly generated draft (new or regenerated): bumps the version and returns it.

        With expected_version, the draft is replaced only if nobody changed it while this one was being
        written (a model draft takes seconds): otherwise VersionConflict, and the other edit is kept."""
        with self.engine.begin() as conn:
            row = conn.execute(select(drafts.c.version).where(drafts.c.comment_id == comment_id)).first()
            if row is None:
                conn.execute(drafts.insert().values(comment_id=comment_id, text=text, generated_text=text,
                                                    version=1, updated_at=now()))
                return 1
            base = row.version if expected_version is None else expected_version
            updated = conn.execute(drafts.update().where(
                (drafts.c.comment_id == comment_id) & (drafts.c.version == base)).values(
                text=text, generated_text=text, version=base + 1, updated_at=now(), approved_at=None))
            if updated.rowcount != 1:
                raise VersionConflict(self._version(conn, comment_id))
            return base + 1

    def edit(self, comment_id: int, text: str, version: int) -> int:
        """Save the coach's edit if the draft is still at `version`; the new version, else VersionConflict."""
        with self.engine.begin() as conn:
            self._require(conn, comment_id)
            result = conn.execute(drafts.update()
                                  .where((drafts.c.comment_id == comment_id) & (drafts.c.version == version))
                                  .values(text=text, version=version + 1, updated_at=now()))
            if result.rowcount != 1:
                raise VersionConflict(self._version(conn, comment_id))
            return version + 1

    def approve(self, comment_id: int, version: int, text: str | None = None) -> int:
        with self.engine.begin() as conn:
            self._require(conn, comment_id)
            values = {"version": version + 1, "updated_at": now(), "approved_at": now()}
            if text is not None:
                values["text"] = text
            result = conn.execute(drafts.update()
                                  .where((drafts.c.comment_id == comment_id) & (drafts.c.version == version))
                                  .values(**values))
            if result.rowcount != 1:
                raise VersionConflict(self._version(conn, comment_id))
            conn.execute(comments.update().where(comments.c.id == comment_id).values(status="approved"))
            return version + 1

    def discard(self, comment_id: int) -> None:
        with self.engine.begin() as conn:
            self._require(conn, comment_id)
            conn.execute(comments.update().where(comments.c.id == comment_id).values(status="discarded"))

    def get(self, comment_id: int) -> dict:
        with self.engine.connect() as conn:
            row = conn.execute(with_drafts().where(comments.c.id == comment_id)).first()
        if row is None:
            raise NotFound(f"no comment {comment_id}")
        return _row(row)

    def queue(self, status: str = "pending") -> list[dict]:
        """Every comment of a view (VIEWS), urgent first, then newest; queue.py pages through them instead."""
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(with_drafts().where(in_view(status)).order_by(*QUEUE_ORDER))]

    def count(self, view: str | None = None) -> int:
        """How many comments a view holds (all comments without one)."""
        query = select(func.count()).select_from(comments)
        with self.engine.connect() as conn:
            return int(conn.execute(query.where(in_view(view)) if view else query).scalar_one())

    def _require(self, conn, comment_id: int) -> None:
        if conn.execute(select(comments.c.id).where(comments.c.id == comment_id)).first() is None:
            raise NotFound(f"no comment {comment_id}")

    def _version(self, conn, comment_id: int) -> int:
        row = conn.execute(select(drafts.c.version).where(drafts.c.comment_id == comment_id)).first()
        return int(row.version) if row else 0


def _row(row) -> dict:
    d = dict(row._mapping)
    for key in ("posted_at", "imported_at", "updated_at", "approved_at"):
        d[key] = aware(d.get(key))
    return d
