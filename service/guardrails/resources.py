"""Crisis, abuse and emergency resources from knowledge/resources.yaml, chosen by locale."""
from __future__ import annotations

import re
from pathlib import Path

import msgspec
import yaml


class Resource(msgspec.Struct, frozen=True):
    """One line of help: what it is, what to dial or text, where to read more."""

    name: str
    contact: str
    url: str | None


class ResourceDirectory:
    """Resources by country with an international fallback (knowledge/resources.yaml)."""

    def __init__(self, data: dict):
        self.languages = {k.lower(): v.upper() for k, v in (data.get("languages") or {}).items()}
        self.international = _entries(data["international"])
        self.countries = {code.upper(): _entries(v) for code, v in (data.get("countries") or {}).items()}

    @classmethod
    def load(cls, path: Path) -> ResourceDirectory:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def country_for(self, locale: str | None = None, accept_language: str | None = None,
                    language: str | None = None) -> str | None:
        """'en-GB' -> GB; 'de' -> DE; Accept-Language in q order; then the message's language; None: international.

        A tag naming a country we have no lines for ("es-CO") gives None, never another country's lines."""
        tags = [locale] if locale else []
        tags += _accept_language_tags(accept_language or "")
        for tag in tags:
            parts = re.split(r"[-_]", tag.strip())
            region = parts[-1].upper() if len(parts) > 1 and len(parts[-1]) == 2 else None
            if region == "UK":
                region = "GB"
            if region is not None:
                return region if region in self.countries else None
            if parts[0].lower() in self.languages:
                return self.languages[parts[0].lower()]
        return self.languages.get((language or "").lower())

    def for_risk(self, level: str, categories: list[str], country: str | None) -> list[Resource]:
        """Urgent: emergency first, then the lines for what is happening (abuse, a child at risk), then crisis
        lines to call and to text. Support: lines to call and to text, and a doctor. Always a number to call and a
        line to text or chat, from the reader's country or the international list."""
        if level == "none":
            return []
        local = self.countries.get(country or "", {})
        intl = self.international

        def pick(kind: str) -> list[Resource]:
            return local.get(kind) or intl.get(kind, [])

        talk = pick("crisis") + pick("text")
        if level == "support":
            ordered = talk + intl.get("support", [])
        else:
            emergency = local.get("emergency", intl["emergency"])
            specific = []
            if {"abuse", "threat", "stalking"} & set(categories):
                specific += pick("abuse")
            if "child" in categories:
                specific += pick("child")
            ordered = emergency + specific + talk
        seen, out = set(), []
        for r in ordered:
            if (r.name, r.contact) not in seen:
                seen.add((r.name, r.contact))
                out.append(r)
        return out


def _entries(block: dict) -> dict[str, list[Resource]]:
    out: dict[str, list[Resource]] = {}
    for key, value in block.items():
        items = value if isinstance(value, list) else [value]
        out[key] = [Resource(i["name"], i["contact"], i.get("url")) for i in items]
    return out


def _accept_language_tags(header: str) -> list[str]:
    weighted = []
    for n, part in enumerate(header.split(",")):
        bits = part.strip().split(";")
        if not bits[0] or bits[0] == "*":
            continue
        q = 1.0
        for b in bits[1:]:
            if b.strip().startswith("q="):
                try:
                    q = float(b.strip()[2:])
                except ValueError:
                    q = 0.0
        weighted.append((-q, n, bits[0]))
    return [t for _, _, t in sorted(weighted)]
