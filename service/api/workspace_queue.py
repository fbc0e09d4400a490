"""The queue page: views with counts, filters, search, pages of 50, bulk approve/discard/spam/restore (CSRF-checked
forms), keyboard shortcuts (static/queue.js); and the same queue and bulk moves for the JSON API."""
from __future__ import annotations

from urllib.parse import urlencode

import anyio
from litestar import Controller, Request, get, post
from litestar.exceptions import ClientException
from litestar.params import FromQuery
from litestar.response import Redirect, Template
from msgspec import Struct

from ..errors import BadInput
from ..workspace.comments import CommentStore
from ..workspace.drafting import Drafter, draft_missing
from ..workspace.metrics import metrics
from ..workspace.queue import PAGE_SIZE, VIEWS, QueueFilter, QueueView
from .dependencies import CommentStoreDep, DrafterDep, TitlesDep
from .workspace_session import PREFIX, require_coach_session
from .workspace_views import metrics_view, page, queue_item
from .workspace_views import notice as _notice

LABELS = {"pending": "Pending", "urgent": "Urgent", "approved": "Approved", "answered": "Answered on the blog",
          "discarded": "Discarded", "spam": "Spam", "examples": "Your replies"}
KINDS = ("question", "thanks", "spam", "ping", "example")


class BulkIn(Struct, forbid_unknown_fields=True):
    action: str
    ids: list[int]


def queue_filter(status: str, article: str | None, kind: str | None, q: str | None, page_number: int) -> QueueFilter:
    if kind and kind not in KINDS:
        raise BadInput(f"kind must be one of {', '.join(KINDS)}")
    return QueueFilter(status, article or None, kind or None, (q or "").strip() or None, page_number).checked()


def bulk_move(store: CommentStore, drafter: Drafter, action: str, ids: list[int]) -> dict[str, list[int]]:
    result = QueueView(store.engine).move(action, ids)
    if action == "restore":
        draft_missing(store, drafter, result["moved"])
    return result


class QueuePagesController(Controller):
    path = "/"
    guards = [require_coach_session]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def queue(self, request: Request, comment_store: CommentStoreDep, titles: TitlesDep,
              status: FromQuery[str] = "pending", article: FromQuery[str | None] = None,
              kind: FromQuery[str | None] = None, q: FromQuery[str | None] = None,
              page_number: FromQuery[int] = 1) -> Template:
        try:
            f = queue_filter(status, article, kind, q, page_number)
        except BadInput as exc:
            raise ClientException(detail=exc.detail) from exc
        view = QueueView(comment_store.engine)
        rows, total = view.page(f)
        pages = max(1, -(-total // PAGE_SIZE))
        here = {k: v for k, v in (("status", f.view), ("article", f.article), ("kind", f.kind), ("q", f.search))
                if v}

        def link(n: int) -> str:
            return f"{PREFIX}?{urlencode({**here, 'page_number': n})}"

        return page(request, "queue.html.j2", status_filter=f.view, filters=f, views=[(v, LABELS[v]) for v in VIEWS],
                    items=[queue_item(r, titles) for r in rows], counts=view.counts(), total=total, pages=pages,
                    newer=link(f.page - 1) if f.page > 1 else None, older=link(f.page + 1) if f.page < pages else None,
                    here=f"{PREFIX}?{urlencode({**here, 'page_number': f.page})}", kinds=KINDS,
                    articles=[(a, titles.get(a) or a) for a in view.articles()],
                    metrics=metrics_view(metrics(comment_store)))

    @post("/bulk", status_code=303)
    async def bulk(self, request: Request, comment_store: CommentStoreDep, drafter: DrafterDep) -> Redirect:
        form = await request.form()
        back = form.get("back") if str(form.get("back", "")).startswith(f"{PREFIX}?") else PREFIX
        try:
            ids = [int(i) for i in form.getall("ids")] if "ids" in form else []
        except ValueError:
            ids = []
        action = str(form.get("action") or "")
        if not ids:
            _notice(request, "Select at least one comment first.", "error")
            return Redirect(back, status_code=303)
        try:
            result = await anyio.to_thread.run_sync(bulk_move, comment_store, drafter, action, ids)
        except BadInput as exc:
            _notice(request, exc.detail, "error")
            return Redirect(back, status_code=303)
        done = {"approve": "Approved", "discard": "Discarded", "spam": "Marked as spam",
                "restore": "Restored to the queue"}[action]
        skipped = f" {len(result['skipped'])} had moved already and were left as they are." if result["skipped"] else ""
        _notice(request, f"{done}: {len(result['moved'])} comment{'s' if len(result['moved']) != 1 else ''}.{skipped}")
        return Redirect(back, status_code=303)
