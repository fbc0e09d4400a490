"""Pattern lists kept as coach-reviewable YAML in knowledge/: fragments expanded, each list compiled once."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml


@lru_cache(maxsize=8)
def load_pattern_file(path: Path) -> dict:
    """The file's data with every `{name}` of its `fragments:` mapping replaced by that fragment."""
    data = yaml.safe_load(path.read_text(encoding="utf-8")) or {}
    fragments = {f"{{{name}}}": value for name, value in (data.pop("fragments", None) or {}).items()}
    return _expand(data, fragments)


def _expand(value, fragments: dict[str, str]):
    if isinstance(value, str):
        for placeholder, fragment in fragments.items():
            value = value.replace(placeholder, fragment)
        return value
    if isinstance(value, list):
        return [_expand(v, fragments) for v in value]
    if isinstance(value, dict):
        return {k: _expand(v, fragments) for k, v in value.items()}
    return value
