"""WordPress exports (WXR 1.0-1.2, http or https namespaces, WordPress.com quirks) read the way WordPress's own
importer reads them: strict XML first, then with undeclared prefixes declared, then a lenient tag reader.

Elements are matched by local name, so every export version and namespace spelling reads the same. Entity
declarations and DTDs are refused before any parser sees the file (nothing is ever expanded)."""
from __future__ import annotations

import re
from collections.abc import Callable
from dataclasses import dataclass, field
from functools import partial
from html import unescape
from urllib.parse import urlsplit

import defusedxml.ElementTree as SafeET
from defusedxml import DefusedXmlException

from ..errors import ImportRejected
from .html_text import readable_text

MAX_BYTES = 20 * 1024 * 1024
# URIs for prefixes WordPress.com exports use without declaring them (WordPress's importer tolerates these).
KNOWN_PREFIXES = {"wp": "http://wordpress.org/export/1.2/", "content": "http://purl.org/rss/1.0/modules/content/",
                  "excerpt": "http://wordpress.org/export/1.2/excerpt/", "dc": "http://purl.org/dc/elements/1.1/",
                  "wfw": "http://wellformedweb.org/CommentAPI/", "atom": "http://www.w3.org/2005/Atom",
                  "media": "http://search.yahoo.com/mrss/", "georss": "http://www.georss.org/georss",
                  "geo": "http://www.w3.org/2003/01/geo/wgs84_pos#", "slash": "http://purl.org/rss/1.0/modules/slash/",
                  "itunes": "http://www.itunes.com/dtds/podcast-1.0.dtd"}
READER_TYPES = frozenset({"", "comment", "review"})  # pingback, trackback, webmention and plugin notes are not
STATUSES = {"1": "approved", "approve": "approved", "0": "pending", "hold": "pending", "spam": "spam",
            "trash": "trash", "post-trashed": "trash"}


@dataclass
class WxrAuthor:
    user_id: str
    login: str
    email: str
    names: set[str]  # display name, login, "first last"


@dataclass
class WxrComment:
    comment_id: str
    author: str
    email: str
    user_id: str
    text: str  # readable text: entities decoded, markup turned into line breaks
    date: str
    status: str  # approved | pending | spam | trash
    comment_type: str  # "comment" for reader comments; pingback, trackback, ...
    parent_id: str | None


@dataclass
class WxrItem:
    post_id: str
    post_type: str
    title: str
    slug: str
    link: str
    creator: str
    content: str  # the post's HTML
    status: str
    comments: list[WxrComment] = field(default_factory=list)


@dataclass
class WxrExport:
    site: str  # the channel link without scheme or trailing slash: what keeps ids apart across blogs
    title: str
    authors: list[WxrAuthor]
    items: list[WxrItem]
    parser: str  # strict | declared-prefixes | lenient: how it had to be read

    @property
    def comment_count(self) -> int:
        return sum(len(i.comments) for i in self.items)


def site_key(link: str) -> str:
    parts = urlsplit(link.strip())
    host = (parts.netloc or "").lower().removeprefix("www.")
    return (host + parts.path.rstrip("/")) or link.strip()


def read_wxr(data: bytes) -> WxrExport:
    """The export's authors, items and comments; ImportRejected with a reason a coach can act on."""
    if len(data) > MAX_BYTES:
        raise ImportRejected(f"the export is larger than {MAX_BYTES // (1024 * 1024)} MB: split it in WordPress "
                             "(Tools > Export, one date range at a time)")
    head = data[:4096].lower()
    if b"<!doctype" in head or b"<!entity" in data.lower():
        raise ImportRejected("unsafe XML rejected: entity declarations and DTDs are not allowed in an import")
    try:
        return _from_tree(_parse(data), "strict")
    except SafeET.ParseError as first:
        declared = _declare_missing_prefixes(data)
        if declared is not None:
            try:
                return _from_tree(_parse(declared), "declared-prefixes")
            except SafeET.ParseError:
                pass
        export = _lenient(data)
        if export is None:
            raise ImportRejected(f"not a readable WordPress export: {first} (and no <item> or <channel> could be "
                                 "read leniently); export it again from Tools > Export") from first
        return export


def _parse(data: bytes):
    try:
        return SafeET.fromstring(data, forbid_dtd=True, forbid_entities=True, forbid_external=True)
    except DefusedXmlException as exc:
        raise ImportRejected(f"unsafe XML rejected ({type(exc).__name__}): entity declarations and DTDs are not "
                             "allowed in an import") from exc


def _local(tag) -> str:
    return tag.rsplit("}", 1)[-1] if isinstance(tag, str) else ""


def _ns(tag) -> str:
    return tag[1:].split("}", 1)[0] if isinstance(tag, str) and tag.startswith("{") else ""


def _children(el, name: str) -> list:
    return [c for c in el if _local(c.tag) == name]


def _text(el, name: str, ns_hint: str | None = None) -> str:
    """A child's text by local name; `ns_hint` tells content:encoded from excerpt:encoded."""
    for c in el:
        if _local(c.tag) == name and (ns_hint is None or ns_hint in _ns(c.tag)):
            return (c.text or "").strip()
    return ""


def _from_tree(root, parser: str) -> WxrExport:
    channel = root if _local(root.tag) == "channel" else next(iter(_children(root, "channel")), None)
    if channel is None:
        raise ImportRejected("not a WordPress export (no <channel>): export it from Tools > Export in WordPress")
    authors = [_author(partial(_text, a)) for a in _children(channel, "author") if _text(a, "author_login") or
               _text(a, "author_display_name")]
    items = [_item(partial(_text, i), _text(i, "encoded", "content"),
                   [_comment(partial(_text, c)) for c in _children(i, "comment")]) for i in _children(channel, "item")]
    return WxrExport(site_key(_text(channel, "link") or _text(channel, "base_blog_url")), _text(channel, "title"),
                     authors, items, parser)


# Built from a getter (a child's text by name), so the XML tree and the lenient reader fill them the same way.

def _author(get: Callable[[str], str]) -> WxrAuthor:
    first, last = get("author_first_name"), get("author_last_name")
    names = {get("author_display_name"), get("author_login"), f"{first} {last}".strip()} - {""}
    return WxrAuthor(get("author_id"), get("author_login"), get("author_email").lower(), names)


def _item(get: Callable[[str], str], content: str, comments: list[WxrComment]) -> WxrItem:
    return WxrItem(get("post_id"), get("post_type") or "post", unescape(get("title")), get("post_name"),
                   get("link"), get("creator"), content, get("status"), comments)


def _comment(get: Callable[[str], str]) -> WxrComment:
    parent = get("comment_parent")
    return WxrComment(get("comment_id"), readable_text(get("comment_author")), get("comment_author_email").lower(),
                      get("comment_user_id"), readable_text(get("comment_content")),
                      get("comment_date_gmt") or get("comment_date"),
                      STATUSES.get(get("comment_approved").lower(), "pending"),
                      get("comment_type").lower() or "comment", parent if parent not in ("", "0") else None)


def _declare_missing_prefixes(data: bytes) -> bytes | None:
    """The export with every used-but-undeclared prefix declared on its root element (WordPress.com exports
    often use atom: without declaring it); None when nothing was missing or there is no root element."""
    text = data.decode("utf-8", errors="replace")
    declared = set(re.findall(r"xmlns:([\w.-]+)\s*=", text))
    used = set(re.findall(r"</?([A-Za-z_][\w.-]*):[A-Za-z_]", text)) - {"xml", "xmlns"}
    missing = sorted(used - declared)
    root = re.search(r"<(rss|channel)\b", text)
    if not missing or root is None:
        return None
    extra = "".join(f' xmlns:{p}="{KNOWN_PREFIXES.get(p, "urn:undeclared:" + p)}"' for p in missing)
    at = root.end()
    return (text[:at] + extra + text[at:]).encode("utf-8")


# -- the lenient reader: tags by name, as WordPress's WXR_Parser_Regex does, for files no XML parser accepts --

_CDATA = re.compile(r"<!\[CDATA\[(.*?)\]\]>", re.S)


def _tag(block: str, name: str) -> str:
    m = re.search(rf"<(?:[\w.-]+:)?{name}(?:\s[^>]*)?>(.*?)</(?:[\w.-]+:)?{name}>", block, re.S)
    if m is None:
        return ""
    value = m.group(1)
    return _CDATA.sub(lambda c: c.group(1), value).strip() if "<![CDATA[" in value else unescape(value.strip())


def _blocks(text: str, name: str) -> list[str]:
    return re.findall(rf"<(?:[\w.-]+:)?{name}>(.*?)</(?:[\w.-]+:)?{name}>", text, re.S)


def _lenient(data: bytes) -> WxrExport | None:
    text = data.decode("utf-8", errors="replace")
    items = re.findall(r"<item>(.*?)</item>", text, re.S)
    if not items:  # a cut-off or foreign file: better refused with the parser's reason than "0 imported"
        return None
    head = text.split("<item>", 1)[0]
    authors = [_author(partial(_tag, a)) for a in _blocks(head, "wp:author") or _blocks(head, "author")]
    out = []
    for block in items:
        comments = _blocks(block, "wp:comment") or _blocks(block, "comment")
        body = re.sub(r"<(?:[\w.-]+:)?comment>.*?</(?:[\w.-]+:)?comment>", "", block, flags=re.S)
        out.append(_item(partial(_tag, body), _tag(body, "content:encoded") or _tag(body, "encoded"),
                         [_comment(partial(_tag, c)) for c in comments]))
    return WxrExport(site_key(_tag(head, "link")), _tag(head, "title"), authors, out, "lenient")
