"""How the workspace pages show rows and figures: dates, durations, queue items, the metrics panel, the page itself
with its one-time notice."""
from __future__ import annotations

from datetime import datetime

from litestar import Request
from litestar.response import Template

from .workspace_session import signed_in


def when(value: datetime | None) -> str:
    return value.strftime("%d %b %Y, %H:%M UTC") if value else "—"


def duration(hours: float | None) -> str:
    if hours is None:
        return "—"
    if hours < 1:
        return f"{round(hours * 60)} min"
    return f"{hours:.1f} h" if hours < 48 else f"{hours / 24:.1f} days"


def metrics_view(m: dict) -> list[dict]:
    """The numbers the coach reads, formatted, each with what it means."""
    share = m["share_approved_unchanged"]
    distance = m["mean_edit_distance"]
    return [
        {"label": "Pending", "value": m["pending"], "help": "comments waiting for a reply"},
        {"label": "Approved", "value": m["approved"], "help": "replies ready to publish"},
        {"label": "Approved unchanged", "value": "—" if share is None else f"{share:.0%}",
         "help": f"{m['approved_unchanged']} of {m['approved']} drafts approved without an edit"},
        {"label": "Mean edit distance", "value": "—" if distance is None else f"{distance:g} chars",
         "help": "characters changed between the draft and the approved reply"},
        {"label": "Import to approval", "value": duration(m["mean_hours_to_approval"]),
         "help": "mean time from import to approval"},
    ]


def queue_item(row: dict, titles: dict[str, str]) -> dict:
    text = " ".join(row["text"].split())
    return {**row, "article_title": titles.get(row["article_id"]) or row["article_id"] or "—",
            "urgent": row["risk_level"] == "urgent", "excerpt": text[:180] + ("…" if len(text) > 180 else ""),
            "posted": when(row["posted_at"]), "approved": when(row["approved_at"])}


def notice(request: Request, text: str, kind: str = "ok") -> None:
    """A one-time message for the next page (kept in the server-side session)."""
    request.session["notice"] = {"text": text, "kind": kind}


def page(request: Request, template: str, status: int = 200, **context) -> Template:
    message = request.session.pop("notice", None) if signed_in(request.scope) else None
    return Template(f"coach/{template}", status_code=status,
                    context={"notice": message, "signed_in": signed_in(request.scope), **context})
