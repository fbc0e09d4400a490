"""Shared helpers for the eval scripts: dataset loading and percentiles."""
from __future__ import annotations

from pathlib import Path

import numpy as np
import yaml

DATASETS = Path(__file__).resolve().parent / "datasets"


def load_cases(name: str) -> list[dict]:
    """The `cases` list of evals/datasets/NAME.yaml."""
    return yaml.safe_load((DATASETS / f"{name}.yaml").read_text(encoding="utf-8"))["cases"]


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    return float(np.percentile(samples_ms, 50)), float(np.percentile(samples_ms, 95))
