"""Percentiles for the eval and benchmark reports."""
from __future__ import annotations

import numpy as np


def percentiles(samples_ms: list[float]) -> tuple[float, float]:
    """(p50, p95)."""
    return float(np.percentile(samples_ms, 50)), float(np.percentile(samples_ms, 95))
