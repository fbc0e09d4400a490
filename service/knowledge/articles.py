"""Read knowledge/articles/*.md into Articles: front matter, sections, paragraphs, reader Q&A threads."""
from __future__ import annotations

import re
from dataclasses import dataclass, field
from pathlib import Path

import yaml

from ..errors import CorpusError

QA_SECTION = "reader q&a"

@dataclass(frozen=True)
class Block:
    """A paragraph, a list (with the sentence that introduces it) or a table."""

    text: str
    role: str = "body"  # body | comment | reply


@dataclass
class Section:
    heading: str
    kind: str  # article | reader_qa
    blocks: list[Block] = field(default_factory=list)
    commenter: str | None = None


@dataclass
class Article:
    id: str
    title: str
    author: str
    publication: str
    url: str | None
    sections: list[Section]
    path: Path | None = None


_FRONT_MATTER = re.compile(r"\A---\s*\n(.*?)\n---\s*\n", re.S)
_HEADING = re.compile(r"^(#{2,4})\s+(.*)$")


def parse_article(path: Path) -> Article:
    """Parse one Markdown article with YAML front matter (id, title, author, publication, url)."""
    raw = path.read_text(encoding="utf-8")
    match = _FRONT_MATTER.match(raw)
    if not match:
        raise CorpusError(f"{path.name}: missing YAML front matter (--- id/title/author/publication/url ---)")
    meta = yaml.safe_load(match.group(1)) or {}
    missing = [k for k in ("title", "author") if not meta.get(k)]
    if missing:
        raise CorpusError(f"{path.name}: front matter lacks {', '.join(missing)}")
    body = raw[match.end():]
    return Article(
        id=str(meta.get("id") or path.stem),
        title=str(meta["title"]),
        author=str(meta["author"]),
        publication=str(meta.get("publication") or ""),
        url=str(meta["url"]) if meta.get("url") else None,
        sections=_sections(body, str(meta["title"])),
        path=path,
    )


def _sections(body: str, title: str) -> list[Section]:
    sections = [Section(heading=title, kind="article")]
    in_qa = False
    role = "body"
    for chunk in re.split(r"\n\s*\n", body):
        chunk = chunk.strip()
        if not chunk:
            continue
        heading = _HEADING.match(chunk.splitlines()[0])
        if heading:
            level, text = len(heading.group(1)), heading.group(2).strip()
            rest = "\n".join(chunk.splitlines()[1:]).strip()
            if level == 2:
                in_qa = text.lower() == QA_SECTION
                sections.append(Section(heading=text, kind="reader_qa" if in_qa else "article"))
                role = "body"
            elif in_qa and level == 3:
                commenter = re.sub(r"^comment from\s+", "", text, flags=re.I)
                sections.append(Section(heading=text, kind="reader_qa", commenter=commenter))
                role = "comment"
            elif in_qa and level == 4:
                role = "reply"
            else:
                sections.append(Section(heading=text, kind="article"))
                role = "body"
            if rest:
                _add_block(sections[-1], rest, role)
            continue
        _add_block(sections[-1], chunk, role)
    return [s for s in sections if s.blocks]


def _add_block(section: Section, chunk: str, role: str) -> None:
    lines = [ln.strip() for ln in chunk.splitlines() if ln.strip()]
    if lines[0].startswith("|"):
        rows = [ln for ln in lines if not re.fullmatch(r"\|[\s\-|]+", ln)]
        text = "\n".join(" / ".join(c.strip() for c in row.strip("|").split("|") if c.strip()) + "." for row in rows)
    elif lines[0].startswith("- "):
        text = "\n".join(ln[2:].strip() for ln in lines)
    else:
        text = " ".join(ln.lstrip("> ").strip() for ln in lines)
    prev = section.blocks[-1] if section.blocks else None
    # A list belongs with the sentence that introduces it ("I forced myself to:").
    if prev is not None and prev.role == role and prev.text.rstrip().endswith(":") and lines[0].startswith("- "):
        section.blocks[-1] = Block(prev.text + "\n" + text, role)
    else:
        section.blocks.append(Block(text, role))


def load_articles(directory: Path) -> list[Article]:
    """Every *.md file in the folder is an article; ids must be unique."""
    if not directory.is_dir():
        raise CorpusError(f"articles folder not found: {directory}")
    articles = [parse_article(p) for p in sorted(directory.glob("*.md")) if not p.name.startswith("_")]
    seen: dict[str, Path | None] = {}
    for a in articles:
        if a.id in seen:
            raise CorpusError(f"duplicate article id {a.id!r} in {a.path} and {seen[a.id]}")
        seen[a.id] = a.path
    return articles
