"""Jinja2 templates from prompts/, rendered with StrictUndefined so a missing variable fails loudly."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

from jinja2 import Environment, FileSystemLoader, StrictUndefined

# The languages the reader-facing templates (urgent, check_in, language_note) are written in; any other gets English.
TEMPLATE_LANGUAGES = frozenset({"en", "es", "fr", "de", "pt", "it", "nl"})


@lru_cache(maxsize=4)
def environment(prompts_dir: Path) -> Environment:
    return Environment(loader=FileSystemLoader(str(prompts_dir)), undefined=StrictUndefined,
                       autoescape=False, keep_trailing_newline=False, trim_blocks=False)


def render(prompts_dir: Path, name: str, **variables) -> str:
    return environment(prompts_dir).get_template(name).render(**variables).strip()
