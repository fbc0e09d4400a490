"""The coach's answer cards in the workspace: the JSON API (/api/coach/cards, bearer token) and the pages
(/coach/cards, the session). Each save is checked against the articles (workspace/cards.py)."""
from __future__ import annotations

from typing import Annotated

from litestar import Controller, Request, Response, get, post, put
from litestar.enums import RequestEncodingType
from litestar.params import Body, FromPath, JSONBody
from litestar.response import Redirect, Template

from ..answering.question_kind import KINDS
from ..errors import BadInput
from .dependencies import CardEditorDep
from .schemas import CardIn
from .workspace import require_coach_token
from .workspace_session import PREFIX, require_coach_session
from .workspace_views import notice, page

Form = Annotated[dict[str, str], Body(media_type=RequestEncodingType.URL_ENCODED)]


class CardsApiController(Controller):
    path = "/api/coach/cards"
    tags = ["coach workspace"]
    guards = [require_coach_token]
    security = [{"BearerToken": []}]

    @get("/", sync_to_thread=True, summary="Every answer card and what is wrong with it (such a card is not used)")
    def cards(self, card_editor: CardEditorDep) -> dict:
        cards = card_editor.cards()
        return {"count": len(cards), "cards": cards}

    @get("/{card_id:str}", sync_to_thread=True, summary="One answer card")
    def card(self, card_editor: CardEditorDep, card_id: FromPath[str]) -> dict:
        return card_editor.card(card_id)

    @put("/{card_id:str}", sync_to_thread=True,
         summary="Create or replace a card; 422 when a quote or verdict sentence drifts from the articles")
    def save(self, card_editor: CardEditorDep, card_id: FromPath[str], data: JSONBody[CardIn]) -> dict:
        return card_editor.save(card_id, data.kind, data.examples, data.verdict,
                                [{"article": q.article, "quote": q.quote} for q in data.support])


def _support_lines(text: str) -> list[dict]:
    """'article-id | quote' per line, as the edit form writes them."""
    out = []
    for line in text.replace("\r\n", "\n").splitlines():
        if line.strip():
            article, sep, quote = line.partition("|")
            if not sep:
                raise BadInput(f"each quote line is 'article-id | quote': {line[:60]!r}")
            out.append({"article": article.strip(), "quote": quote.strip()})
    return out


class CardPagesController(Controller):
    path = "/cards"
    guards = [require_coach_session]
    include_in_schema = False

    @get("/", sync_to_thread=True)
    def cards(self, request: Request, card_editor: CardEditorDep) -> Template:
        return page(request, "cards.html.j2", cards=card_editor.cards())

    @get("/{card_id:str}", sync_to_thread=True)
    def card(self, request: Request, card_editor: CardEditorDep, card_id: FromPath[str]) -> Template:
        card = {"id": "", "kind": "yes_no", "examples": [], "verdict": "", "support": [], "problems": []} \
            if card_id == "new" else card_editor.card(card_id)
        return page(request, "card.html.j2", card=card, kinds=KINDS, error=None)

    @post("/", status_code=303, sync_to_thread=True)
    def save(self, request: Request, card_editor: CardEditorDep, data: Form) -> Response:
        """Save from the form; a card that drifts (or bad input) shows the form again with the coach's text kept."""
        card_id = (data.get("id") or "").strip()
        form = {"id": card_id, "kind": data.get("kind", ""), "verdict": data.get("verdict", ""),
                "examples": [e for e in (data.get("examples") or "").replace("\r\n", "\n").splitlines() if e.strip()],
                "support": [], "problems": []}
        try:
            form["support"] = _support_lines(data.get("support") or "")
            card_editor.save(card_id, form["kind"], form["examples"], form["verdict"], form["support"])
        except BadInput as exc:
            if not form["support"]:
                form["support_text"] = data.get("support") or ""
            return page(request, "card.html.j2", status=exc.status_code, card=form, kinds=KINDS, error=exc.detail)
        notice(request, f"Saved the card {card_id!r}: answers use it from now on.")
        return Redirect(f"{PREFIX}/cards/{card_id}", status_code=303)
