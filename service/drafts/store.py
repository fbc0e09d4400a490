"""Comments and drafts in the same database as the feedback (SQLAlchemy Core); versioned edits."""
from __future__ import annotations

from datetime import datetime, timezone

from sqlalchemy import (Column, DateTime, ForeignKey, Integer, MetaData, String, Table, Text, UniqueConstraint,
                        case, func, select)
from sqlalchemy.exc import IntegrityError

from ..feedback import FeedbackStore

metadata = MetaData()
STATUSES = ("pending", "approved", "discarded", "published", "spam")

comments = Table(
    "comments", metadata,
    Column("id", Integer, primary_key=True, autoincrement=True),
    Column("source", String(32), nullable=False),  # json | csv | wxr | a file name
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
)

drafts = Table(
    "drafts", metadata,
    Column("comment_id", Integer, ForeignKey("comments.id", ondelete="CASCADE"), primary_key=True),
    Column("text", Text, nullable=False),
    Column("generated_text", Text, nullable=False),
    Column("version", Integer, nullable=False, default=1),
    Column("updated_at", DateTime(timezone=True), nullable=False),
    Column("approved_at", DateTime(timezone=True), nullable=True),
)


class VersionConflict(Exception):
    """The draft changed since the version the edit was based on."""

    def __init__(self, current: int):
        super().__init__(f"the draft is at version {current}; reload it and apply your edit again")
        self.current = current


class NotFound(Exception):
    """No comment with this id."""


def now() -> datetime:
    return datetime.now(timezone.utc)


def _aware(value: datetime | None) -> datetime | None:
    return value.replace(tzinfo=timezone.utc) if value is not None and value.tzinfo is None else value


class DraftStore:
    """Shares the feedback store's engine (settings.db_url); each call is one transaction."""

    def __init__(self, feedback_store: FeedbackStore):
        self.feedback = feedback_store
        self.engine = feedback_store.engine

    @classmethod
    def from_url(cls, url: str) -> "DraftStore":
        return cls(FeedbackStore(url))

    def create_tables(self) -> None:
        """Bring the database to the newest migration (service/migrate.py)."""
        from ..migrate import upgrade_database

        upgrade_database(self.feedback.url)

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
        query = (select(comments, drafts.c.text.label("draft_text"), drafts.c.generated_text, drafts.c.version,
                        drafts.c.updated_at, drafts.c.approved_at)
                 .select_from(comments.outerjoin(drafts, drafts.c.comment_id == comments.c.id))
                 .where(comments.c.id == comment_id))
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        if row is None:
            raise NotFound(comment_id)
        return _row(row)

    def queue(self, status: str = "pending") -> list[dict]:
        """pending (urgent first, then oldest), urgent only, approved, discarded, spam or examples."""
        query = (select(comments, drafts.c.text.label("draft_text"), drafts.c.generated_text, drafts.c.version,
                        drafts.c.updated_at, drafts.c.approved_at)
                 .select_from(comments.outerjoin(drafts, drafts.c.comment_id == comments.c.id)))
        if status == "urgent":
            query = query.where((comments.c.status == "pending") & (comments.c.risk_level == "urgent"))
        elif status == "spam":
            query = query.where(comments.c.kind == "spam")
        elif status == "examples":
            query = query.where(comments.c.kind == "example")
        elif status == "pending":
            query = query.where((comments.c.status == "pending") & (comments.c.kind.notin_(["spam", "example"])))
        else:
            query = query.where((comments.c.status == status) & (comments.c.kind != "example"))
        urgent_first = case((comments.c.risk_level == "urgent", 0), else_=1)
        query = query.order_by(urgent_first, comments.c.posted_at, comments.c.id)
        with self.engine.connect() as conn:
            return [_row(r) for r in conn.execute(query)]

    def count(self) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(comments)).scalar_one())

    def _require(self, conn, comment_id: int) -> None:
        if conn.execute(select(comments.c.id).where(comments.c.id == comment_id)).first() is None:
            raise NotFound(comment_id)

    def _version(self, conn, comment_id: int) -> int:
        row = conn.execute(select(drafts.c.version).where(drafts.c.comment_id == comment_id)).first()
        return int(row.version) if row else 0


def _row(row) -> dict:
    d = dict(row._mapping)
    for key in ("posted_at", "imported_at", "updated_at", "approved_at"):
        d[key] = _aware(d.get(key))
    return d
