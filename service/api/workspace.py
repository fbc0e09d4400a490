"""The coach's workspace API under /api/coach: import, queue, drafts, approval, export, metrics. Bearer token only."""
from __future__ import annotations

from typing import Annotated

import anyio
from litestar import Controller, Request, Response, get, post, put
from litestar.connection import ASGIConnection
from litestar.exceptions import NotAuthorizedException
from litestar.handlers.base import BaseRouteHandler
from litestar.params import Body, FromPath, FromQuery, JSONBody, Parameter

from ..answering.pipeline import AnswerPipeline
from ..errors import BadInput, Unavailable
from ..feedback.gaps import content_gaps
from ..feedback.store import FeedbackStore
from ..tokens import verify_token
from ..workspace.comments import CommentStore
from ..workspace.drafting import Drafter
from ..workspace.export import export_rows, to_csv, to_json
from ..workspace.importers import file_import, prepare_import
from ..workspace.jobs import ImportJobs
from ..workspace.metrics import metrics
from ..workspace.queue import PAGE_SIZE, QueueView
from .dependencies import (
    CommentStoreDep,
    DrafterDep,
    FeedbackStoreDep,
    ImportJobsDep,
    MaybePipelineDep,
    SettingsDep,
    TitlesDep,
)
from .schemas import ApproveIn, EditIn
from .workspace_queue import BulkIn, bulk_move, queue_filter

MAX_IMPORT_BYTES = 20 * 1024 * 1024


def start_import(jobs: ImportJobs, store: CommentStore, drafter: Drafter, data: bytes, fmt: str, filename: str,
                 source: str | None = None, coach_names: tuple[str, ...] = ()) -> str:
    """Read and check the file now (a bad one is refused with its reason), then file it in the background."""
    prepared = prepare_import(data, fmt, drafter.pipeline.kb.article_ids, source, coach_names)
    return jobs.start(filename, len(prepared.records),
                      lambda progress: file_import(store, prepared, drafter, progress=progress))


def job_view(job: dict) -> dict:
    """An import job as the API and the progress page show it."""
    return {"job_id": job["id"], "filename": job["filename"], "status": job["status"], "total": job["total"],
            "done": job["done"], "result": job["result"], "error": job["error"],
            "created_at": job["created_at"], "finished_at": job["finished_at"]}


def require_coach_token(connection: ASGIConnection, _: BaseRouteHandler) -> None:
    """401 unless `Authorization: Bearer TOKEN` matches the configured hash (no hash configured: always 401)."""
    settings = connection.app.state.settings
    scheme, _, token = (connection.headers.get("authorization") or "").partition(" ")
    if scheme.lower() != "bearer" or not verify_token(token.strip(), settings.coach_token_hash):
        raise NotAuthorizedException(detail="a valid coach token is required",
                                     headers={"WWW-Authenticate": 'Bearer realm="coach"'})


def out(row: dict) -> dict:
    """A row as JSON-ready values (datetimes as ISO 8601)."""
    return {k: (v.isoformat() if hasattr(v, "isoformat") else v) for k, v in row.items()}


def gaps_report(feedback_store: FeedbackStore | None, pipeline: AnswerPipeline | None, limit: int = 50) -> dict:
    """The content-gap report (feedback/gaps.py) for the API and the workspace page."""
    if feedback_store is None or pipeline is None:
        raise Unavailable("the workspace is not ready")
    if not 1 <= limit <= 500:
        raise BadInput("limit must be between 1 and 500")
    return content_gaps(feedback_store, pipeline.embedder, pipeline.topic_labels(), limit)


def export_response(store: CommentStore, titles: dict[str, str], fmt: str) -> Response:
    """Approved replies as a CSV download or a JSON object (the API and the workspace pages both serve this)."""
    rows = export_rows(store, titles)
    if fmt == "csv":
        return Response(to_csv(rows), media_type="text/csv",
                        headers={"Content-Disposition": 'attachment; filename="approved-replies.csv"'})
    if fmt != "json":
        raise BadInput("format must be csv or json")
    return Response(to_json(rows), media_type="application/json")


class WorkspaceApiController(Controller):
    path = "/api/coach"
    tags = ["coach workspace"]
    guards = [require_coach_token]
    security = [{"BearerToken": []}]

    @post("/import", status_code=202, request_max_body_size=MAX_IMPORT_BYTES,
          summary="Import comments in the background: raw body or multipart `file`, ?format=json|csv|wxr; "
                  "202 with a job to poll (?wait=true: 201 once it is done)")
    async def import_comments(self, request: Request, comment_store: CommentStoreDep, drafter: DrafterDep,
                              import_jobs: ImportJobsDep, settings: SettingsDep, format: FromQuery[str] = "json",
                              source: FromQuery[str | None] = None, wait: FromQuery[bool] = False) -> Response:
        filename = f"upload.{format}"
        if request.content_type[0] == "multipart/form-data":
            form = await request.form()
            upload = form.get("file")
            if upload is None or isinstance(upload, str):
                raise BadInput("send the file in a multipart field called `file`")
            filename = upload.filename or filename
            data = await upload.read()
        else:
            data = await request.body()
        if not data:
            raise BadInput("the import is empty")
        job_id = await anyio.to_thread.run_sync(
            lambda: start_import(import_jobs, comment_store, drafter, data, format, filename, source,
                                 settings.coach_author_names))
        job = await anyio.to_thread.run_sync(import_jobs.wait, job_id, 600.0) if wait else import_jobs.get(job_id)
        status = 201 if job["status"] == "done" else 422 if job["status"] == "failed" else 202
        return Response(job_view(job), status_code=status, headers={"Location": f"/api/coach/imports/{job_id}"})

    @get("/imports/{job_id:str}", sync_to_thread=True, summary="An import's progress, and its result once done")
    def import_job(self, import_jobs: ImportJobsDep, job_id: FromPath[str]) -> dict:
        return job_view(import_jobs.get(job_id))

    @get("/queue", sync_to_thread=True,
         summary="A page of comments (50) by status: pending (urgent first, then newest), urgent, approved, answered, "
                 "discarded, spam, examples; filter by article or kind, search words with q")
    def queue(self, comment_store: CommentStoreDep, titles: TitlesDep, status: FromQuery[str] = "pending",
              article: FromQuery[str | None] = None, kind: FromQuery[str | None] = None,
              q: FromQuery[str | None] = None, page: FromQuery[int] = 1) -> dict:
        f = queue_filter(status, article, kind, q, page)
        rows, total = QueueView(comment_store.engine).page(f)
        items = [{**out(r), "article_title": titles.get(r["article_id"]), "urgent": r["risk_level"] == "urgent"}
                 for r in rows]
        return {"status": f.view, "count": total, "page": f.page, "pages": max(1, -(-total // PAGE_SIZE)),
                "items": items}

    @post("/comments/bulk", status_code=200, sync_to_thread=True,
          summary="Approve (drafts as they stand), discard, mark as spam or restore many comments at once")
    def bulk(self, comment_store: CommentStoreDep, drafter: DrafterDep, data: JSONBody[BulkIn]) -> dict:
        return bulk_move(comment_store, drafter, data.action, data.ids)

    @get("/comments/{comment_id:int}", sync_to_thread=True, summary="One comment with its draft and article")
    def comment(self, comment_store: CommentStoreDep, titles: TitlesDep, comment_id: FromPath[int]) -> dict:
        row = comment_store.get(comment_id)
        return {**out(row), "article_title": titles.get(row["article_id"]), "urgent": row["risk_level"] == "urgent"}

    @put("/comments/{comment_id:int}/draft", sync_to_thread=True, summary="Save an edit (409 on a stale version)")
    def edit(self, comment_store: CommentStoreDep, comment_id: FromPath[int],
             data: Annotated[EditIn, Body()]) -> dict:
        comment_store.get(comment_id)
        return {"id": comment_id, "version": comment_store.edit(comment_id, data.text, data.version)}

    @post("/comments/{comment_id:int}/regenerate", status_code=200, sync_to_thread=True,
          summary="A fresh draft (a new version)")
    def regenerate(self, comment_store: CommentStoreDep, drafter: DrafterDep, comment_id: FromPath[int]) -> dict:
        row = comment_store.get(comment_id)
        if row["kind"] in ("spam", "example"):
            raise BadInput(f"a {row['kind']} comment gets no draft")
        draft = drafter.draft(row["author"], row["text"], row["article_id"])
        # The coach may have edited the draft while this one was being written: then a 409.
        comment_store.set_draft(comment_id, draft.text, expected_version=row["version"])
        return out(comment_store.get(comment_id))

    @post("/comments/{comment_id:int}/approve", status_code=200, sync_to_thread=True,
          summary="Approve the draft at `version` (optionally with final text); 409 on a stale version")
    def approve(self, comment_store: CommentStoreDep, comment_id: FromPath[int],
                data: Annotated[ApproveIn, Body()]) -> dict:
        row = comment_store.get(comment_id)
        if row["version"] is None:
            raise BadInput("this comment has no draft to approve")
        version = comment_store.approve(comment_id, data.version, data.text)
        return {"id": comment_id, "status": "approved", "version": version}

    @post("/comments/{comment_id:int}/discard", status_code=200, sync_to_thread=True, summary="Discard a comment")
    def discard(self, comment_store: CommentStoreDep, comment_id: FromPath[int]) -> dict:
        comment_store.get(comment_id)
        comment_store.discard(comment_id)
        return {"id": comment_id, "status": "discarded"}

    @get("/export", sync_to_thread=True, summary="Approved replies as CSV or JSON")
    def export(self, comment_store: CommentStoreDep, titles: TitlesDep, format: FromQuery[str] = "json") -> Response:
        return export_response(comment_store, titles, format)

    @get("/metrics", sync_to_thread=True, summary="Approved unchanged, edit distance, hours to approval")
    def metrics(self, comment_store: CommentStoreDep) -> dict:
        return metrics(comment_store)

    @get("/model-usage", sync_to_thread=True,
         summary="What the model endpoint cost over the last N days: calls, fallbacks, tokens, time")
    def model_usage(self, feedback_store: FeedbackStoreDep,
                    days: Annotated[int, Parameter(ge=1, le=3650)] = 30) -> dict:
        if feedback_store is None:
            raise Unavailable("the workspace is not ready")
        return feedback_store.model_usage(days)

    @get("/gaps", sync_to_thread=True,
         summary="What readers ask that the articles don't answer: topics, example questions, count, last seen")
    def gaps(self, feedback_store: FeedbackStoreDep, pipeline: MaybePipelineDep, limit: FromQuery[int] = 50) -> dict:
        return gaps_report(feedback_store, pipeline, limit)

    @get("/feedback", sync_to_thread=True, summary="Readers' rated answers from the widget (default: thumbs down)")
    def feedback(self, feedback_store: FeedbackStoreDep, rating: FromQuery[str] = "down",
                 limit: FromQuery[int] = 100) -> dict:
        if rating not in ("up", "down"):
            raise BadInput("rating must be up or down")
        if feedback_store is None:
            raise Unavailable("the workspace is not ready")
        items = [out(r) for r in feedback_store.reviews(rating, min(max(limit, 1), 500))]
        return {"rating": rating, "count": len(items), "items": items}
