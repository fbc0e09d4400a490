"""POST /api/feedback: a reader's thumbs up or down (and an optional comment) on one answer."""
from __future__ import annotations

import logging
import re
from typing import Annotated

from litestar import Controller, Request, post
from litestar.params import Body
from litestar.status_codes import HTTP_201_CREATED
from sqlalchemy.exc import SQLAlchemyError

from ..errors import BadInput, NotFound, Unavailable
from .ask import require_json
from .dependencies import FeedbackStoreDep
from .schemas import FeedbackIn, FeedbackOut, error_responses

log = logging.getLogger("coach")
NOT_STORED = "feedback cannot be stored right now; please try again"


class FeedbackController(Controller):
    path = "/api"
    tags = ["coach"]

    @post("/feedback", status_code=HTTP_201_CREATED, sync_to_thread=True,
          summary="A reader's thumbs up/down (and optional comment) on one answer",
          responses=error_responses(400, 404, 413, 415, 429, 503))
    def feedback(self, data: Annotated[FeedbackIn, Body()], request: Request,
                 feedback_store: FeedbackStoreDep) -> FeedbackOut:
        require_json(request)
        reply_id = data.reply_id.strip()
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", reply_id):
            raise BadInput("reply_id is not an answer id")
        if feedback_store is None:
            raise Unavailable(NOT_STORED)
        try:
            feedback_id = feedback_store.add_feedback(reply_id, data.rating, data.comment)
        except SQLAlchemyError as exc:  # the log keeps the cause; the reader gets a 503, never a 500
            log.exception("could not store feedback for %s", reply_id)
            raise Unavailable(NOT_STORED) from exc
        if feedback_id is None:
            raise NotFound("no answer with this reply_id")
        return FeedbackOut(id=feedback_id, reply_id=reply_id, rating=data.rating)
