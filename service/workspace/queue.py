"""The coach's queue at blog scale: one page at a time, filtered and searched in SQL, counts in one query, bulk moves,
restore from spam or discarded, the thread around a comment and the next one to answer."""
from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import case, func, or_, select
from sqlalchemy.engine import Engine

from ..db.tables import comments, drafts
from ..errors import BadInput
from .comments import QUEUE_ORDER, VIEWS, _row, in_view, now, with_drafts

PAGE_SIZE = 50
MAX_SEARCH = 200
BULK_ACTIONS = ("approve", "discard", "spam", "restore")
MAX_BULK = 500


@dataclass(frozen=True)
class QueueFilter:
    view: str = "pending"
    article: str | None = None
    kind: str | None = None  # question | thanks | spam | ping | example
    search: str | None = None  # words in the comment or the author's name
    page: int = 1

    def checked(self) -> QueueFilter:
        if self.view not in VIEWS:
            raise BadInput(f"view must be one of {', '.join(VIEWS)}")
        if self.page < 1 or self.page > 100_000:
            raise BadInput("page must be between 1 and 100000")
        if self.search is not None and len(self.search) > MAX_SEARCH:
            raise BadInput(f"search for at most {MAX_SEARCH} characters")
        return self


class QueueView:
    """Read and move comments in bulk (each call one transaction)."""

    def __init__(self, engine: Engine):
        self.engine = engine

    def page(self, f: QueueFilter) -> tuple[list[dict], int]:
        """One page of the view (urgent first, then newest) and how many match in all."""
        where = in_view(f.view)
        if f.article:
            where &= comments.c.article_id == f.article
        if f.kind:
            where &= comments.c.kind == f.kind
        if f.search and f.search.strip():
            for word in f.search.split()[:8]:
                like = f"%{word.replace('%', '').replace('_', '')}%"
                where &= or_(comments.c.text.ilike(like), comments.c.author.ilike(like))
        query = with_drafts().where(where).order_by(*QUEUE_ORDER).limit(PAGE_SIZE).offset((f.page - 1) * PAGE_SIZE)
        with self.engine.connect() as conn:
            total = int(conn.execute(select(func.count()).select_from(comments).where(where)).scalar_one())
            return [_row(r) for r in conn.execute(query)], total

    def counts(self) -> dict[str, int]:
        """How many comments each view holds, in one query."""
        columns = [func.sum(case((in_view(v), 1), else_=0)).label(v) for v in VIEWS]
        with self.engine.connect() as conn:
            row = conn.execute(select(*columns).select_from(comments)).first()
        return {v: int(getattr(row, v) or 0) for v in VIEWS}

    def articles(self) -> list[str]:
        """Article ids that have comments waiting, for the filter."""
        with self.engine.connect() as conn:
            rows = conn.execute(select(comments.c.article_id).where(in_view("pending"))
                                .group_by(comments.c.article_id).order_by(comments.c.article_id))
            return [r.article_id for r in rows if r.article_id]

    def move(self, action: str, ids: list[int]) -> dict[str, list[int]]:
        """approve (each draft as it stands), discard, spam or restore (back to pending) the given comments;
        {"moved": [...], "skipped": [...]}: a comment not in a state the action applies to is skipped, not an
        error (another tab may have moved it)."""
        if action not in BULK_ACTIONS:
            raise BadInput(f"action must be one of {', '.join(BULK_ACTIONS)}")
        if not ids or len(ids) > MAX_BULK:
            raise BadInput(f"choose between 1 and {MAX_BULK} comments")
        moved, skipped = [], []
        with self.engine.begin() as conn:
            rows = conn.execute(select(comments.c.id, comments.c.status, comments.c.kind, drafts.c.version)
                                .select_from(comments.outerjoin(drafts, drafts.c.comment_id == comments.c.id))
                                .where(comments.c.id.in_(ids)).order_by(comments.c.id)).all()
            for r in rows:
                if action == "restore":
                    ok = r.status in ("spam", "discarded") or (r.kind == "spam" and r.status == "pending")
                    values = {"status": "pending", "kind": "question" if r.kind in ("spam", "ping") else r.kind}
                else:
                    ok = r.status == "pending" and r.kind not in ("example",) and \
                        (action != "approve" or r.version is not None)
                    values = {"status": {"approve": "approved", "discard": "discarded", "spam": "spam"}[action]}
                if ok and action == "approve":  # only the version read here: an edit saved meanwhile is not approved
                    ok = conn.execute(drafts.update().where(
                        (drafts.c.comment_id == r.id) & (drafts.c.version == r.version)).values(
                        version=r.version + 1, updated_at=now(), approved_at=now())).rowcount == 1
                if not ok:
                    skipped.append(r.id)
                    continue
                conn.execute(comments.update().where(comments.c.id == r.id).values(**values))
                moved.append(r.id)
        found = {r.id for r in rows}
        return {"moved": moved, "skipped": skipped + [i for i in ids if i not in found]}

    def thread(self, row: dict) -> tuple[list[dict], list[dict]]:
        """The comments above this one (oldest first) and the replies under it, from the same blog."""
        above, parent = [], row.get("parent_external_id")
        with self.engine.connect() as conn:
            while parent and len(above) < 20:
                found = conn.execute(select(comments).where((comments.c.source == row["source"]) &
                                                            (comments.c.external_id == parent))).first()
                if found is None:
                    break
                above.insert(0, _row(found))
                parent = found.parent_external_id
            below = conn.execute(select(comments).where(
                (comments.c.source == row["source"]) & (comments.c.parent_external_id == row["external_id"]))
                .order_by(comments.c.posted_at, comments.c.id).limit(50)).all()
        return above, [_row(r) for r in below]

    def next_pending(self, after: dict) -> int | None:
        """The comment to answer after this one, in queue order (urgent first, then newest)."""
        rows, _ = self.page(QueueFilter("pending"))
        return next((r["id"] for r in rows if r["id"] != after["id"]), None)
