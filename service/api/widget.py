"""The reader's widget: the demo blog page at / and the embeddable /widget.js."""
from __future__ import annotations

import hashlib
import json
import logging
import re
from functools import lru_cache
from pathlib import Path

import yaml
from litestar import Controller, HttpMethod, Request, Response, get, route
from litestar.response import Template
from litestar.status_codes import HTTP_304_NOT_MODIFIED

from ..errors import CorpusError, Unavailable
from ..guardrails.resources import ResourceDirectory
from ..knowledge.articles import Article, load_articles, parse_article
from ..settings import Settings
from .dependencies import SettingsDep

log = logging.getLogger("coach")
STATIC_DIR = Path(__file__).resolve().parents[1] / "static"
DEMO_ARTICLE = "zan-what-is-the-no-contact-rule.md"
WIDGET_CACHE = "public, max-age=3600"


RETENTION_SLOT = "var RETENTION_DAYS = 30;"  # widget.js's placeholder for COACH_RETENTION_DAYS
FALLBACK_SLOT = "var FALLBACK = null;"  # widget.js's placeholder for the crisis table it carries
FALLBACK_COUNTRY_LINES = 4  # emergency, the abuse line, a line to call and one to text: what fits on a phone
RISK_WORDS = "widget_risk_words.yaml"


def _files(settings: Settings) -> tuple[Path, ...]:
    """What /widget.js is built from: the script, the crisis lines and the risk words (coach-editable)."""
    return STATIC_DIR / "widget.js", settings.knowledge_dir / "resources.yaml", settings.knowledge_dir / RISK_WORDS


def fallback_table(knowledge_dir: Path) -> dict:
    """The crisis help the widget shows when the coach can't be reached: each country's lines for an urgent
    message (and the international ones), the language -> country map, and the risk words."""
    directory = ResourceDirectory.load(knowledge_dir / "resources.yaml")

    def lines(country: str | None) -> list[list]:
        found = directory.for_risk("urgent", ["abuse"], country)[:FALLBACK_COUNTRY_LINES]
        return [[r.name, r.contact, r.url] for r in found]

    words = yaml.safe_load((knowledge_dir / RISK_WORDS).read_text(encoding="utf-8"))["words"]
    return {"countries": {code: lines(code) for code in sorted(directory.countries)}, "international": lines(None),
            "languages": directory.languages, "words": [str(w).lower() for w in words]}


@lru_cache(maxsize=4)
def _widget(stamps: tuple[int, ...], script: Path, knowledge_dir: Path,
            retention_days: int) -> tuple[bytes, str]:  # stamps: cache key
    text = script.read_text(encoding="utf-8")
    table = json.dumps(fallback_table(knowledge_dir), ensure_ascii=False, separators=(",", ":"))
    text = text.replace(RETENTION_SLOT, f"var RETENTION_DAYS = {int(retention_days)};", 1)
    body = text.replace(FALLBACK_SLOT, f"var FALLBACK = {table};", 1).encode("utf-8")
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
    def demo(self, settings: SettingsDep) -> Template:
        return Template(template_name="demo.html.j2", context=_page_context(_demo_article(settings)),
                        headers={"Cache-Control": "no-cache"})

    @route("/widget.js", http_method=[HttpMethod.GET, HttpMethod.HEAD], sync_to_thread=False,
           summary="The embeddable widget script, with the crisis lines it shows when the coach can't be reached")
    def widget_js(self, request: Request, settings: SettingsDep) -> Response:
        files = _files(settings)
        try:
            body, etag = _widget(tuple(f.stat().st_mtime_ns for f in files), files[0], settings.knowledge_dir,
                                 settings.retention_days)
        except (OSError, KeyError, TypeError, yaml.YAMLError) as exc:
            log.exception("the widget script could not be built")
            raise Unavailable("the widget is not available right now") from exc
        headers = {"Cache-Control": WIDGET_CACHE, "ETag": etag, "X-Content-Type-Options": "nosniff",
                   "Cross-Origin-Resource-Policy": "cross-origin"}
        if etag in (request.headers.get("if-none-match") or ""):
            return Response(b"", status_code=HTTP_304_NOT_MODIFIED, headers=headers)
        return Response(body, media_type="text/javascript", headers=headers)
