"""Comment HTML as the text a person reads: entities decoded, markup dropped, paragraphs and breaks kept."""
from __future__ import annotations

import re
from html.parser import HTMLParser

BREAKS = frozenset({"br", "p", "div", "li", "blockquote", "tr", "h1", "h2", "h3", "h4", "h5", "h6"})
SKIPPED = frozenset({"script", "style"})


class _TextOnly(HTMLParser):
    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.parts: list[str] = []
        self.skipping = 0

    def handle_starttag(self, tag, attrs):
        if tag in SKIPPED:
            self.skipping += 1
        elif tag in BREAKS:
            self.parts.append("\n")

    def handle_endtag(self, tag):
        if tag in SKIPPED:
            self.skipping = max(0, self.skipping - 1)
        elif tag in BREAKS and tag != "br":
            self.parts.append("\n")

    def handle_data(self, data):
        if not self.skipping:
            self.parts.append(data)


def readable_text(html: str) -> str:
    """'we&#8217;re<br />fine' -> 'we’re\\nfine'; at most one blank line in a row, no trailing spaces."""
    if not html:
        return ""
    parser = _TextOnly()
    text = html.replace("\r\n", "\n").replace("\r", "\n")
    parser.feed(re.sub(r"<br\s*/?>[ \t]*\n", "\n", text, flags=re.I))  # WordPress writes "<br />" + newline: one break
    parser.close()
    text = "".join(parser.parts).replace("\xa0", " ")
    text = re.sub(r"[ \t]+\n", "\n", text)
    return re.sub(r"\n{3,}", "\n\n", text).strip()
