"""The datasets index (evals/datasets/index.yaml): which set feeds which suite, trains what, and its role."""
from __future__ import annotations

from functools import lru_cache
from pathlib import Path

import yaml

DATASETS = Path(__file__).resolve().parent / "datasets"
ROLES = ("tuning", "blind", "held_out")


@lru_cache(maxsize=1)
def index() -> dict[str, dict]:
    """Set name -> {role, suites, trains}, in the file's order."""
    sets = yaml.safe_load((DATASETS / "index.yaml").read_text(encoding="utf-8"))["sets"]
    for name, entry in sets.items():
        if entry.get("role") not in ROLES:
            raise ValueError(f"evals/datasets/index.yaml: {name} has role {entry.get('role')!r}, not one of {ROLES}")
        entry.setdefault("suites", [])
        entry.setdefault("trains", [])
    return sets


def sets_for(suite: str) -> tuple[str, ...]:
    """The sets a `coach eval` suite reads, in the index's order."""
    return tuple(name for name, entry in index().items() if suite in entry["suites"])


def sets_training(what: str) -> tuple[str, ...]:
    """The sets that train `what` (risk_net, ordinary), in the index's order."""
    return tuple(name for name, entry in index().items() if what in entry["trains"])


def sets_with_role(role: str, among: tuple[str, ...] | None = None) -> tuple[str, ...]:
    names = among if among is not None else tuple(index())
    return tuple(name for name in names if index()[name]["role"] == role)


def load_cases(name: str) -> list[dict]:
    """The `cases` list of evals/datasets/NAME.yaml."""
    return yaml.safe_load((DATASETS / f"{name}.yaml").read_text(encoding="utf-8"))["cases"]


def history_of(case: dict) -> list[dict]:
    """A case's earlier turns as the API takes them (a bare string is one of the reader's messages)."""
    return [{"role": "user", "content": h} if isinstance(h, str) else h for h in case.get("history") or []]
