"""The little arithmetic the figures need, kept apart so it can be tested without timing anything."""

from __future__ import annotations

import statistics
from collections.abc import Sequence


def median(values: Sequence[float]) -> float:
    if not values:
        raise ValueError("no measurements")
    return statistics.median(values)


def percentile(values: Sequence[float], percent: int) -> float:
    """Nearest-rank percentile: a value that was actually measured."""
    if not values:
        raise ValueError("no measurements")
    ordered = sorted(values)
    rank = max(1, -(-len(ordered) * percent // 100))  # ceil without floats
    return ordered[rank - 1]


def ratio(measured: float, floor: float) -> float:
    if floor <= 0:
        raise ValueError("the floor must be a positive duration")
    return measured / floor
