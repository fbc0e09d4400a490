"""The coach's workspace pages under /coach: sign-in, queue, one comment's draft, export, metrics, feedback."""
from __future__ import annotations

from datetime import datetime
from pathlib import Path
from typing import Annotated

import anyio
from litestar import Controller, Request, Response, Router, get, post
from litestar.datastructures import CacheControlHeader, ResponseHeader
from litestar.enums import RequestEncodingType
from litestar.exceptions import ClientException, NotFoundException
from litestar.params import Body, FromPath, FromQuery
from litestar.response import Redirect, Template
from litestar.static_files import create_static_files_router

from ..errors import ImportRejected, NotFound, Unavailable, VersionConflict
from ..settings import Settings
from ..tokens import verify_token
from ..workspace.comments import CommentStore
from ..workspace.drafting import draft_missing
from ..workspace.metrics import metrics
from ..workspace.queue import QueueView
from .dependencies import (
    CommentStoreDep,
    DrafterDep,
    FeedbackStoreDep,
    ImportJobsDep,
    MaybePipelineDep,
    SettingsDep,
    TitlesDep,
)
from .workspace import MAX_IMPORT_BYTES, export_response, gaps_report, job_view, start_import
from .workspace_cards import CardPagesController
from .workspace_queue import QueuePagesController
from .workspace_session import (
    PREFIX,
    SESSION_STORE,
    UI_EXCEPTION_HANDLERS,
    require_coach_session,
    safe_next,
    sign_in,
    signed_in,
    ui_middleware,
)
from .workspace_views import metrics_view, page, queue_item, when
from .workspace_views import notice as _notice

STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
MAX_TEXT = 20000
FORMATS = {".json": "json", ".csv": "csv", ".wxr": "wxr", ".xml": "wxr"}
Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]
# Scripts only from our own files (the queue's keys); forms post only here; never framed (clickjacking).
SECURITY_HEADERS = [
    ResponseHeader(name="Content-Security-Policy", value="default-src 'none'; script-src 'self'; style-src 'self'; "
                   "img-src 'self'; "
                   "form-action 'self'; frame-ancestors 'none'; base-uri 'none'"),
    ResponseHeader(name="X-Frame-Options", value="DENY"),
    ResponseHeader(name="X-Content-Type-Options", value="nosniff"),
    ResponseHeader(name="Referrer-Policy", value="same-origin"),
    ResponseHeader(name="Cache-Control", value="no-store"),
]


def _get(store: CommentStore, comment_id: int) -> dict:
    try:
        return store.get(comment_id)
    except NotFound as exc:
        raise NotFoundException(detail=f"There is no comment {comment_id}.") from exc


def _draft_input(data: dict[str, str]) -> tuple[str, int]:
    """The edited text (browsers send CRLF line ends; the draft keeps LF) and the version it started from."""
    try:
        version = int(data.get("version", ""))
    except ValueError as exc:
        raise ClientException(detail="The form lost the draft's version: reload the page.") from exc
    return (data.get("text") or "").replace("\r\n", "\n"), version


class WorkspacePagesController(Controller):
    """Every page needs the coach's session except the sign-in form (opt public)."""

    path = "/"
    guards = [require_coach_session]
    include_in_schema = False

    @get("/login", opt={"public": True}, sync_to_thread=False)
    def login_form(self, request: Request, settings: SettingsDep, next: FromQuery[str | None] = None) -> Response:
        if signed_in(request.scope):
            return Redirect(safe_next(next), status_code=303)
        return self._login(request, settings, next)

    @post("/login", opt={"public": True}, status_code=303)
    async def login(self, request: Request, settings: SettingsDep, data: Form) -> Response:
        password = data.get("password") or ""
        # scrypt is deliberately slow: off the event loop.
        if not await anyio.to_thread.run_sync(verify_token, password, settings.coach_token_hash):
            return self._login(request, settings, data.get("next"), "That password is not right.", 401)
        sign_in(request)
        sessions = request.app.stores.get(SESSION_STORE)
        if hasattr(sessions, "delete_expired"):  # session files are swept here; Redis expires keys by itself
            await sessions.delete_expired()
        return Redirect(safe_next(data.get("next")), status_code=303)

    @staticmethod
    def _login(request: Request, settings: Settings, next: str | None, error: str | None = None,
               status: int = 200) -> Template:
        closed = not settings.coach_token_hash
        return page(request, "login.html.j2", status, next=safe_next(next), error=error, closed=closed)

    @post("/logout", status_code=303, sync_to_thread=False)
    def logout(self, request: Request) -> Redirect:
        request.clear_session()
        return Redirect(f"{PREFIX}/login", status_code=303)

    @post("/import", status_code=303, request_max_body_size=MAX_IMPORT_BYTES)
    async def import_comments(self, request: Request, comment_store: CommentStoreDep, drafter: DrafterDep,
                              import_jobs: ImportJobsDep, settings: SettingsDep) -> Redirect:
        form = await request.form()
        upload = form.get("file")
        if upload is None or isinstance(upload, str) or not upload.filename:
            _notice(request, "Choose a file to import first.", "error")
            return Redirect(PREFIX, status_code=303)
        fmt = form.get("format")
        if not isinstance(fmt, str) or fmt == "auto":
            fmt = FORMATS.get(Path(upload.filename).suffix.lower(), "")
        data = await upload.read()
        try:
            job_id = await anyio.to_thread.run_sync(
                lambda: start_import(import_jobs, comment_store, drafter, data, fmt or "unknown", upload.filename,
                                     coach_names=settings.coach_author_names))
        except ImportRejected as exc:
            _notice(request, f"{upload.filename} was not imported: {exc}", "error")
            return Redirect(PREFIX, status_code=303)
        return Redirect(f"{PREFIX}/imports/{job_id}", status_code=303)

    @get("/imports/{job_id:str}", sync_to_thread=True)
    def import_job(self, request: Request, import_jobs: ImportJobsDep, job_id: FromPath[str]) -> Template:
        return page(request, "import.html.j2", job=job_view(import_jobs.get(job_id)))

    @get("/comments/{comment_id:int}", sync_to_thread=True)
    def comment(self, request: Request, comment_store: CommentStoreDep, titles: TitlesDep,
                comment_id: FromPath[int]) -> Template:
        return self._comment(request, titles, _get(comment_store, comment_id))

    @staticmethod
    def _comment(request: Request, titles: dict[str, str], row: dict, status: int = 200,
                 problem: dict | None = None) -> Template:
        item = queue_item(row, titles)
        store = request.app.state.comment_store
        editable = row["status"] == "pending" and row["version"] is not None
        above, below = QueueView(store.engine).thread(row)
        return page(request, "comment.html.j2", status, c=item, editable=editable, problem=problem,
                    missing_draft=row["version"] is None and store.needs_draft(row["id"]),
                    above=[queue_item(r, titles) for r in above], below=[queue_item(r, titles) for r in below],
                    edited=row["draft_text"] is not None and row["draft_text"] != row["generated_text"],
                    updated=when(row["updated_at"]))

    def _refuse(self, request: Request, titles: dict[str, str], row: dict, mine: str | None, status: int,
                title: str, message: str) -> Template:
        return self._comment(request, titles, row, status, {"title": title, "message": message, "mine": mine})

    def _unchangeable(self, request: Request, titles: dict[str, str], row: dict,
                      mine: str | None) -> Template | None:
        if row["version"] is None:
            return self._refuse(request, titles, row, mine, 400, "Nothing to edit.", "This comment has no draft.")
        if row["status"] != "pending":
            return self._refuse(request, titles, row, mine, 409, f"This comment is already {row['status']}.",
                                "Nothing was changed.")
        return None

    def _conflict(self, request: Request, store: CommentStore, titles: dict[str, str], comment_id: int,
                  mine: str | None) -> Template:
        row = _get(store, comment_id)
        return self._refuse(request, titles, row, mine, 409, "Not saved: someone else changed this draft.",
                            f"The draft is now at version {row['version']}; the editor shows that text. "
                            "Your text is kept beside it, unsaved: copy what you need into the editor and try again.")

    @post("/comments/{comment_id:int}/save", status_code=303, sync_to_thread=True)
    def save(self, request: Request, comment_store: CommentStoreDep, titles: TitlesDep, comment_id: FromPath[int],
             data: Form) -> Response:
        return self._write(request, comment_store, titles, comment_id, data, approve=False)

    @post("/comments/{comment_id:int}/approve", status_code=303, sync_to_thread=True)
    def approve(self, request: Request, comment_store: CommentStoreDep, titles: TitlesDep,
                comment_id: FromPath[int], data: Form) -> Response:
        return self._write(request, comment_store, titles, comment_id, data, approve=True)

    def _write(self, request: Request, store: CommentStore, titles: dict[str, str], comment_id: int, data: dict,
               *, approve: bool) -> Response:
        """Save or approve the text at the version the coach started from; a stale version is a 409 page."""
        row = _get(store, comment_id)
        text, version = _draft_input(data)
        refused = self._unchangeable(request, titles, row, text) or self._empty(request, titles, row, text)
        if refused:
            return refused
        try:
            new = store.approve(comment_id, version, text) if approve else store.edit(comment_id, text, version)
        except VersionConflict:
            return self._conflict(request, store, titles, comment_id, text)
        if approve:
            following = QueueView(store.engine).next_pending(row)
            _notice(request, f"Approved the reply to {row['author']}. It is in the Approved list and the exports."
                             + (" Here is the next comment." if following else " The queue is empty."))
            return Redirect(f"{PREFIX}/comments/{following}" if following else PREFIX, status_code=303)
        _notice(request, f"Saved (version {new}).")
        return Redirect(f"{PREFIX}/comments/{comment_id}", status_code=303)

    def _empty(self, request: Request, titles: dict[str, str], row: dict, text: str) -> Template | None:
        if not text.strip():
            return self._refuse(request, titles, row, text, 400, "The reply is empty.",
                                "Write the reply, then save it.")
        if len(text) > MAX_TEXT:
            return self._refuse(request, titles, row, text, 400, "The reply is too long.",
                                f"Keep it under {MAX_TEXT:,} characters.")
        return None

    @post("/comments/{comment_id:int}/regenerate", status_code=303, sync_to_thread=True)
    def regenerate(self, request: Request, comment_store: CommentStoreDep, titles: TitlesDep, drafter: DrafterDep,
                   comment_id: FromPath[int], data: Form) -> Response:
        row = _get(comment_store, comment_id)
        text, version = _draft_input(data)
        refused = self._unchangeable(request, titles, row, text)
        if refused:
            return refused
        if row["version"] != version:  # a fresh draft would silently drop the other person's edit
            return self._conflict(request, comment_store, titles, comment_id, text)
        draft = drafter.draft(row["author"], row["text"], row["article_id"])
        try:  # an edit saved in another tab while the draft was being written wins
            comment_store.set_draft(comment_id, draft.text, expected_version=version)
        except VersionConflict:
            return self._conflict(request, comment_store, titles, comment_id, text)
        _notice(request, "A fresh draft replaced the previous one.")
        return Redirect(f"{PREFIX}/comments/{comment_id}", status_code=303)

    @post("/comments/{comment_id:int}/draft", status_code=303, sync_to_thread=True)
    def write_missing_draft(self, request: Request, comment_store: CommentStoreDep, drafter: DrafterDep,
                            comment_id: FromPath[int]) -> Response:
        """The repair path: a queued comment whose drafting was cut short gets a draft (once, whoever clicks)."""
        row = _get(comment_store, comment_id)
        if draft_missing(comment_store, drafter, [comment_id]):
            _notice(request, f"Wrote a draft for {row['author']}'s comment.")
        elif row["status"] != "pending":
            _notice(request, f"This comment is {row['status']}: nothing was written.", "error")
        else:
            _notice(request, "This comment already has a draft: nothing was written.")
        return Redirect(f"{PREFIX}/comments/{comment_id}", status_code=303)

    @post("/comments/{comment_id:int}/discard", status_code=303, sync_to_thread=True)
    def discard(self, request: Request, comment_store: CommentStoreDep, titles: TitlesDep,
                comment_id: FromPath[int]) -> Response:
        row = _get(comment_store, comment_id)
        if row["status"] != "pending":
            return self._refuse(request, titles, row, None, 409, f"This comment is already {row['status']}.",
                                "Nothing was changed.")
        comment_store.discard(comment_id)
        _notice(request, f"Discarded the comment from {row['author']}.")
        return Redirect(PREFIX, status_code=303)

    @get("/export", sync_to_thread=True)
    def export(self, comment_store: CommentStoreDep, titles: TitlesDep, format: FromQuery[str] = "json") -> Response:
        return export_response(comment_store, titles, format)

    @get("/metrics", sync_to_thread=True)
    def metrics_page(self, request: Request, comment_store: CommentStoreDep,
                     feedback_store: FeedbackStoreDep) -> Template:
        usage = feedback_store.model_usage() if feedback_store is not None else None
        return page(request, "metrics.html.j2", metrics=metrics_view(metrics(comment_store)), usage=usage)

    @get("/gaps", sync_to_thread=True)
    def gaps(self, request: Request, feedback_store: FeedbackStoreDep, pipeline: MaybePipelineDep) -> Template:
        report = gaps_report(feedback_store, pipeline, 100)
        topics = [{**t, "when": when(datetime.fromisoformat(t["last_seen"])) if t["last_seen"] else ""}
                  for t in report["topics"]]
        return page(request, "gaps.html.j2", topics=topics, questions=report["questions"])

    @get("/feedback", sync_to_thread=True)
    def feedback(self, request: Request, feedback_store: FeedbackStoreDep) -> Template:
        if feedback_store is None:
            raise Unavailable("the workspace is not ready")
        rows = feedback_store.reviews("down", 200)
        return page(request, "feedback.html.j2", items=[{**r, "when": when(r["created_at"])} for r in rows])


def workspace_page_routers(settings: Settings) -> list[Router]:
    """The UI (its own session, gate and CSRF, so the JSON APIs are untouched) and its stylesheet."""
    ui = Router(path=PREFIX, route_handlers=[WorkspacePagesController, QueuePagesController, CardPagesController],
                middleware=ui_middleware(settings),
                exception_handlers=UI_EXCEPTION_HANDLERS, response_headers=SECURITY_HEADERS,
                include_in_schema=False)
    static = create_static_files_router(path=f"{PREFIX}/static", directories=[STATIC_DIR], opt={"public": True},
                                        cache_control=CacheControlHeader(max_age=3600), name="coach-static")
    return [ui, static]
