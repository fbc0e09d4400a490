"""Compare a run's summary with a baseline: each metric's change, and which drops exceed their tolerance."""
from __future__ import annotations

import fnmatch
from dataclasses import dataclass
from pathlib import Path

import yaml

TOLERANCES = Path(__file__).resolve().parent / "tolerances.yaml"


@dataclass
class Change:
    metric: str
    baseline: float
    current: float | None
    tolerance: float | None  # None: reported, never gating (e.g. latency, which depends on the machine)
    lower_is_better: bool

    @property
    def delta(self) -> float | None:
        return None if self.current is None else self.current - self.baseline

    @property
    def regressed(self) -> bool:
        if self.current is None or self.tolerance is None:
            return False
        worse = self.baseline - self.current if not self.lower_is_better else self.current - self.baseline
        return worse > self.tolerance + 1e-9

    @property
    def status(self) -> str:
        if self.current is None:
            return "not run"
        if self.regressed:
            return "REGRESSED"
        if self.tolerance is None:
            return "info"
        return "ok"


def load_tolerances(path: Path = TOLERANCES) -> dict:
    return yaml.safe_load(path.read_text(encoding="utf-8")) or {}


def _rule(metric: str, config: dict) -> tuple[float | None, bool]:
    """(tolerance, lower_is_better) for a metric: the first matching pattern in the file, else the default."""
    for pattern, rule in (config.get("metrics") or {}).items():
        if fnmatch.fnmatch(metric, pattern):
            rule = rule if isinstance(rule, dict) else {"tolerance": rule}
            return rule.get("tolerance"), bool(rule.get("lower_is_better", False))
    return config.get("default_tolerance", 0.0), False


def compare(current: dict, baseline: dict, config: dict) -> list[Change]:
    """One Change per baseline metric; metrics of suites that were not run come back as `not run`."""
    now = current.get("metrics", {})
    changes = []
    for metric, base in sorted(baseline.get("metrics", {}).items()):
        tolerance, lower = _rule(metric, config)
        changes.append(Change(metric, float(base), now.get(metric), tolerance, lower))
    return changes


def format_changes(changes: list[Change]) -> str:
    lines = [f"{'metric':34s} {'baseline':>9s} {'now':>9s} {'change':>8s} {'allowed':>8s}  status"]
    for c in changes:
        now = "-" if c.current is None else f"{c.current:9.3f}"
        delta = "-" if c.delta is None else f"{c.delta:+8.3f}"
        allowed = "-" if c.tolerance is None else f"{c.tolerance:8.3f}"
        lines.append(f"{c.metric:34s} {c.baseline:9.3f} {now:>9s} {delta:>8s} {allowed:>8s}  {c.status}")
    return "\n".join(lines)
