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
    """Resources by country with an international fallback."""

    def __init__(self, data: dict):
        self.languages = {k.lower(): v.upper() for k, v in (data.get("languages") or {}).items()}
        self.international = _entries(data["international"])
        self.countries = {code.upper(): _entries(v) for code, v in (data.get("countries") or {}).items()}

    @classmethod
    def load(cls, path: Path) -> ResourceDirectory:
        return cls(yaml.safe_load(path.read_text(encoding="utf-8")))

    def country_for(self, locale: str | None = None, accept_language: str | None = None) -> str | None:
        """'en-GB' -> GB; 'de' -> DE; Accept-Language tried in q order; unknown -> None (international)."""
        tags = [locale] if locale else []
        tags += _accept_language_tags(accept_language or "")
        for tag in tags:
            parts = re.split(r"[-_]", tag.strip())
            if len(parts) > 1 and parts[-1].upper() in self.countries:
                return parts[-1].upper()
            if len(parts) > 1 and len(parts[-1]) == 2 and parts[-1].upper() == "UK":
                return "GB"
            if parts[0].lower() in self.languages:
                return self.languages[parts[0].lower()]
        return None

    def for_risk(self, level: str, categories: list[str], country: str | None) -> list[Resource]:
        """Urgent: emergency first, then abuse lines (for abuse/threats/stalking) and crisis lines."""
        if level == "none":
            return []
        local = self.countries.get(country or "", {})
        intl = self.international
        crisis = local.get("crisis", []) + intl["crisis"][:1]
        abuse = local.get("abuse", []) + intl["abuse"]
        if level == "support":
            return local.get("crisis", []) + intl.get("support", []) + intl["crisis"][:1]
        emergency = local.get("emergency", intl["emergency"])
        violent = {"abuse", "threat", "stalking"} & set(categories)
        ordered = emergency + (abuse + crisis if violent else crisis)
        seen, out = set(), []
        for r in ordered:
            if r.name not in seen:
                seen.add(r.name)
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
