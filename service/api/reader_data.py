"""A reader's data on request: the coach exports or deletes one widget conversation by any of its reply ids (the
widget shows the id under each answer)."""
from __future__ import annotations

from typing import Annotated

from litestar import Controller, delete, get
from litestar.params import Parameter

from ..errors import NotFound, Unavailable
from ..feedback.conversations import delete_conversation, export_conversation
from .dependencies import FeedbackStoreDep
from .schemas import error_responses
from .workspace import require_coach_token

ReplyId = Annotated[str, Parameter(min_length=1, max_length=64, pattern=r"^[0-9a-f]+$")]


class ReaderDataController(Controller):
    path = "/api/coach/conversations"
    tags = ["coach workspace"]
    guards = [require_coach_token]
    security = [{"BearerToken": []}]

    @get("/{reply_id:str}", sync_to_thread=True,
         summary="Export the conversation a reply belongs to: every question, answer, rating and comment kept",
         responses=error_responses(400, 401, 404, 503))
    def export(self, feedback_store: FeedbackStoreDep, reply_id: ReplyId) -> dict:
        store = _store(feedback_store)
        found = export_conversation(store.engine, reply_id)
        if found is None:
            raise NotFound(f"no reply {reply_id} (deleted, or never stored)")
        return found

    @delete("/{reply_id:str}", status_code=200, sync_to_thread=True,
            summary="Delete the conversation a reply belongs to, with its ratings and comments",
            responses=error_responses(400, 401, 404, 503))
    def remove(self, feedback_store: FeedbackStoreDep, reply_id: ReplyId) -> dict:
        store = _store(feedback_store)
        deleted = delete_conversation(store.engine, reply_id)
        if not deleted:
            raise NotFound(f"no reply {reply_id} (deleted, or never stored)")
        return {"deleted_replies": deleted}


def _store(feedback_store):
    if feedback_store is None:
        raise Unavailable("the database is not ready")
    feedback_store.flush()  # the reply asked about may still be queued for the writer thread
    return feedback_store
