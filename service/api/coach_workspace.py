"""The coach's workspace API under /api/coach: import, queue, drafts, approval, export, metrics. Bearer token only."""
from __future__ import annotations

import csv
import io
import json
from typing import Annotated

import anyio
import msgspec
from litestar import Controller, Request, Response, get, post, put
from litestar.connection import ASGIConnection
from litestar.exceptions import ClientException, HTTPException, NotAuthorizedException, NotFoundException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body, FromPath, FromQuery
from litestar.status_codes import HTTP_409_CONFLICT, HTTP_503_SERVICE_UNAVAILABLE

from ..drafts.auth import verify_token
from ..drafts.drafting import Drafter
from ..drafts.importers import ImportError_, import_file
from ..drafts.metrics import metrics
from ..drafts.store import DraftStore, NotFound, VersionConflict

MAX_IMPORT_BYTES = 20 * 1024 * 1024
QUEUE_FILTERS = ("pending", "urgent", "approved", "discarded", "spam", "examples")


def require_coach_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """401 unless `Authorization: Bearer TOKEN` matches the configured hash (no hash configured: always 401)."""
    settings = connection.app.state.settings
    scheme, _, token = (connection.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not verify_token(token.strip(), settings.coach_token_hash):
        raise NotAuthorizedException(detail="a valid coach token is required",
                                     headers={"WWW-Authenticate": 'Bearer realm="coach"'})


class EditIn(msgspec.Struct):
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)]
    version: int


class ApproveIn(msgspec.Struct):
    version: int
    text: Annotated[str, msgspec.Meta(min_length=1, max_length=20000)] | None = None


def _store(request: Request) -> DraftStore:
    store = request.app.state.get("draft_store")
    if store is None:
        raise HTTPException(status_code=HTTP_503_SERVICE_UNAVAILABLE, detail="the workspace is not ready")
    return store


def _drafter(request: Request) -> Drafter:
    state = request.app.state
    if state.get("drafter") is None:
        if state.get("coach") is None:
            raise HTTPException(status_code=HTTP_503_SERVICE_UNAVAILABLE, detail="the coach is still loading")
        state.drafter = Drafter(state.coach)
    return state.drafter


def _out(row: dict) -> dict:
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def _titles(request: Request) -> dict[str, str]:
    coach = request.app.state.get("coach")
    return {p.article_id: p.title for p in coach.kb.passages.values()} if coach is not None else {}


EXPORT_FIELDS = ["comment_id", "external_id", "source", "article_id", "article_title", "author", "comment", "reply",
                 "approved_at"]


def _cell(value):
    """A reader's text starting with = + - @ would run as a formula in a spreadsheet: prefix it with '."""
    if isinstance(value, str) and value[:1] in ("=", "+", "-", "@", "\t", "\r"):
        return "'" + value
    return value


def export_response(store: DraftStore, titles: dict[str, str], fmt: str) -> Response:
    """Approved replies as a CSV download or a JSON object (the API and the coach's UI both serve this)."""
    rows = [{"comment_id": r["id"], "external_id": r["external_id"], "source": r["source"],
             "article_id": r["article_id"], "article_title": titles.get(r["article_id"]),
             "author": r["author"], "comment": r["text"], "reply": r["draft_text"],
             "approved_at": r["approved_at"].isoformat() if r["approved_at"] else None}
            for r in store.queue("approved")]
    if fmt == "csv":
        buffer = io.StringIO()
        writer = csv.DictWriter(buffer, fieldnames=EXPORT_FIELDS)
        writer.writeheader()
        writer.writerows([{k: _cell(v) for k, v in row.items()} for row in rows])
        return Response(buffer.getvalue(), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="approved-replies.csv"'})
    if fmt != "json":
        raise ClientException(detail="format must be csv or json")
    return Response(json.dumps({"replies": rows}), media_type="application/json")


class CoachWorkspaceController(Controller):
    path = "/api/coach"
    tags = ["coach workspace"]
    guards = [require_coach_token]
    security = [{"BearerToken": []}]

    @post("/import", status_code=201, request_max_body_size=MAX_IMPORT_BYTES,
          summary="Import comments: raw body or multipart `file`, with ?format=json|csv|wxr")
    async def import_comments(self, request: Request, format: FromQuery[str] = "json",
                              source: FromQuery[str | None] = None) -> dict:
        store, drafter = _store(request), _drafter(request)
        if request.content_type[0] == "multipart/form-data":
            form = await request.form()
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise ClientException(detail="send the file in a multipart field called `file`")
            data = await upload.read()
        else:
            data = await request.body()
        if not data:
            raise ClientException(detail="the import is empty")
        try:
            result = await anyio.to_thread.run_sync(lambda: import_file(store, data, format, drafter, source))
        except ImportError_ as exc:
            raise ClientException(detail=str(exc)) from exc
        return result.as_dict()

    @get("/queue", sync_to_thread=True, summary="Comments by status: pending (urgent first), urgent, approved, ...")
    def queue(self, request: Request, status: FromQuery[str] = "pending") -> dict:
        if status not in QUEUE_FILTERS:
            raise ClientException(detail=f"status must be one of {', '.join(QUEUE_FILTERS)}")
        titles = _titles(request)
        items = [{**_out(r), "article_title": titles.get(r["article_id"]), "urgent": r["risk_level"] == "urgent"}
                 for r in _store(request).queue(status)]
        return {"status": status, "count": len(items), "items": items}

    @get("/comments/{comment_id:int}", sync_to_thread=True, summary="One comment with its draft and article")
    def comment(self, request: Request, comment_id: FromPath[int]) -> dict:
        row = self._get(request, comment_id)
        return {**_out(row), "article_title": _titles(request).get(row["article_id"]),
                "urgent": row["risk_level"] == "urgent"}

    @put("/comments/{comment_id:int}/draft", sync_to_thread=True, summary="Save an edit (409 on a stale version)")
    def edit(self, request: Request, comment_id: FromPath[int], data: Annotated[EditIn, Body()]) -> dict:
        store = _store(request)
        self._get(request, comment_id)
        try:
            version = store.edit(comment_id, data.text, data.version)
        except VersionConflict as exc:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(exc),
                                extra={"current_version": exc.current}) from exc
        return {"id": comment_id, "version": version}

    @post("/comments/{comment_id:int}/regenerate", status_code=200, sync_to_thread=True,
          summary="A fresh draft (a new version)")
    def regenerate(self, request: Request, comment_id: FromPath[int]) -> dict:
        row = self._get(request, comment_id)
        if row["kind"] in ("spam", "example"):
            raise ClientException(detail=f"a {row['kind']} comment gets no draft")
        draft = _drafter(request).draft(row["author"], row["text"], row["article_id"])
        try:  # the coach may have edited the draft while this one was being written
            _store(request).set_draft(comment_id, draft.text, expected_version=row["version"])
        except VersionConflict as exc:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(exc),
                                extra={"current_version": exc.current}) from exc
        return _out(self._get(request, comment_id))

    @post("/comments/{comment_id:int}/approve", status_code=200, sync_to_thread=True,
          summary="Approve the draft at `version` (optionally with final text); 409 on a stale version")
    def approve(self, request: Request, comment_id: FromPath[int], data: Annotated[ApproveIn, Body()]) -> dict:
        row = self._get(request, comment_id)
        if row["version"] is None:
            raise ClientException(detail="this comment has no draft to approve")
        try:
            version = _store(request).approve(comment_id, data.version, data.text)
        except VersionConflict as exc:
            raise HTTPException(status_code=HTTP_409_CONFLICT, detail=str(exc),
                                extra={"current_version": exc.current}) from exc
        return {"id": comment_id, "status": "approved", "version": version}

    @post("/comments/{comment_id:int}/discard", status_code=200, sync_to_thread=True, summary="Discard a comment")
    def discard(self, request: Request, comment_id: FromPath[int]) -> dict:
        self._get(request, comment_id)
        _store(request).discard(comment_id)
        return {"id": comment_id, "status": "discarded"}

    @get("/export", sync_to_thread=True, summary="Approved replies as CSV or JSON")
    def export(self, request: Request, format: FromQuery[str] = "json") -> Response:
        return export_response(_store(request), _titles(request), format)

    @get("/metrics", sync_to_thread=True, summary="Approved unchanged, edit distance, hours to approval")
    def metrics(self, request: Request) -> dict:
        return metrics(_store(request))

    @get("/feedback", sync_to_thread=True, summary="Readers' rated answers from the widget (default: thumbs down)")
    def feedback(self, request: Request, rating: FromQuery[str] = "down", limit: FromQuery[int] = 100) -> dict:
        if rating not in ("up", "down"):
            raise ClientException(detail="rating must be up or down")
        items = [_out(r) for r in _store(request).feedback.reviews(rating, min(max(limit, 1), 500))]
        return {"rating": rating, "count": len(items), "items": items}

    @staticmethod
    def _get(request: Request, comment_id: int) -> dict:
        try:
            return _store(request).get(comment_id)
        except NotFound as exc:
            raise NotFoundException(detail=f"no comment {comment_id}") from exc
