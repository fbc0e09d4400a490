"""The reader's widget: the demo blog page at /, the embeddable /widget.js and POST /api/feedback."""
from __future__ import annotations

import hashlib
import logging
import re
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

import msgspec
from litestar import Controller, Request, Response, get, post
from litestar.di import NamedDependency
from litestar.exceptions import ClientException, HTTPException, NotFoundException, ServiceUnavailableException
from litestar.params import Body
from litestar.response import Template
from litestar.status_codes import HTTP_201_CREATED, HTTP_304_NOT_MODIFIED, HTTP_415_UNSUPPORTED_MEDIA_TYPE
from sqlalchemy.exc import SQLAlchemyError

from ..corpus import Article, CorpusError, load_articles, parse_article
from ..feedback import MAX_COMMENT_CHARS, FeedbackStore
from ..settings import Settings

log = logging.getLogger("coach")
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
DEMO_ARTICLE = "zan-what-is-the-no-contact-rule.md"
WIDGET_CACHE = "public, max-age=3600"
NOT_STORED = "feedback cannot be stored right now; please try again"


class FeedbackIn(msgspec.Struct, forbid_unknown_fields=True):
    reply_id: Annotated[str, msgspec.Meta(min_length=1, max_length=64)]
    rating: Literal["up", "down"]
    comment: Annotated[str, msgspec.Meta(max_length=MAX_COMMENT_CHARS)] | None = None


class FeedbackOut(msgspec.Struct):
    id: int
    reply_id: str
    rating: str
    stored: bool = True


@lru_cache(maxsize=4)
def _widget(mtime_ns: int, path: Path) -> tuple[bytes, str]:
    body = path.read_bytes()
    return body, '"' + hashlib.sha256(body).hexdigest()[:32] + '"'


def _demo_article(settings: Settings) -> Article | None:
    """The demo page shows one article: the configured one, else the first one the coach has."""
    try:
        path = settings.articles_dir / DEMO_ARTICLE
        if path.is_file():
            return parse_article(path)
        articles = load_articles(settings.articles_dir)
        return articles[0] if articles else None
    except (CorpusError, OSError):
        log.exception("the demo page could not read an article")
        return None


def _blocks(section) -> list[dict]:
    """Paragraphs and lists for the template (the parser joins list items with newlines)."""
    out = []
    for block in section.blocks:
        lines = [ln.strip() for ln in block.text.split("\n") if ln.strip()]
        if len(lines) > 1 and lines[0].endswith(":"):
            out.append({"kind": "p", "text": lines[0], "role": block.role})
            out.append({"kind": "ul", "items": lines[1:], "role": block.role})
        elif len(lines) > 1:
            out.append({"kind": "ul", "items": lines, "role": block.role})
        else:
            out.append({"kind": "p", "text": lines[0] if lines else "", "role": block.role})
    return out


def _page_context(article: Article | None) -> dict:
    if article is None:
        return {"article": None, "sections": [], "comments": [], "bio": None}
    sections, comments, bio = [], [], None
    for i, section in enumerate(article.sections):
        if section.kind == "reader_qa":
            if section.commenter:
                comment = [b.text for b in section.blocks if b.role == "comment"]
                reply = [b.text for b in section.blocks if b.role == "reply"]
                comments.append({"name": section.commenter, "paragraphs": comment, "reply": reply})
            continue
        if section.heading.strip().lower() == "about the author":
            bio = [b.text for b in section.blocks]
            continue
        sections.append({"heading": None if i == 0 else section.heading, "blocks": _blocks(section),
                         "anchor": re.sub(r"[^a-z0-9]+", "-", section.heading.lower()).strip("-")})
    return {"article": article, "sections": sections, "comments": comments, "bio": bio}


class WidgetController(Controller):
    path = "/"
    tags = ["widget"]
    include_in_schema = False

    @get("/", sync_to_thread=True, summary="Demo: a blog article with the widget embedded")
    def demo(self, request: Request) -> Template:
        settings: Settings = request.app.state.settings
        return Template(template_name="demo.html.j2", context=_page_context(_demo_article(settings)),
                        headers={"Cache-Control": "no-cache"})

    @get("/widget.js", sync_to_thread=False, summary="The embeddable widget script")
    def widget_js(self, request: Request) -> Response:
        path = STATIC_DIR / "widget.js"
        try:
            body, etag = _widget(path.stat().st_mtime_ns, path)
        except OSError as exc:
            raise ServiceUnavailableException(detail="the widget is not available right now") from exc
        headers = {"Cache-Control": WIDGET_CACHE, "ETag": etag, "X-Content-Type-Options": "nosniff",
                   "Cross-Origin-Resource-Policy": "cross-origin"}
        if etag in (request.headers.get("if-none-match") or ""):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(body, media_type="text/javascript", headers=headers)


class FeedbackController(Controller):
    path = "/api"
    tags = ["coach"]

    @post("/feedback", status_code=HTTP_201_CREATED, sync_to_thread=True,
          summary="A reader's thumbs up/down (and optional comment) on one answer")
    def feedback(self, data: Annotated[FeedbackIn, Body()], request: Request,
                 feedback_store: NamedDependency[FeedbackStore | None]) -> FeedbackOut:
        if request.content_type[0] != "application/json":
            raise HTTPException(status_code=HTTP_415_UNSUPPORTED_MEDIA_TYPE,
                                detail="send JSON with Content-Type: application/json")
        reply_id = data.reply_id.strip()
        if not re.fullmatch(r"[A-Za-z0-9_-]{1,64}", reply_id):
            raise ClientException(detail="reply_id is not an answer id")
        if feedback_store is None:
            raise ServiceUnavailableException(detail=NOT_STORED)
        try:
            feedback_id = feedback_store.add_feedback(reply_id, data.rating, data.comment)
        except SQLAlchemyError as exc:  # the log keeps the cause; the reader gets a 503, never a 500
            log.exception("could not store feedback for %s", reply_id)
            raise ServiceUnavailableException(detail=NOT_STORED) from exc
        if feedback_id is None:
            raise NotFoundException(detail="no answer with this reply_id")
        return FeedbackOut(id=feedback_id, reply_id=reply_id, rating=data.rating)
