"""What every section of the bench returns: measured figures with their budgets, and notes for people."""

from __future__ import annotations

import attrs


@attrs.frozen
class Figure:
    """One measured number. `key` is stable across runs: the baseline is keyed by it."""

    key: str
    label: str
    value: float
    unit: str  # see report.show for how each unit is written
    budget: float | None = None
    at_least: bool = False  # the budget is a floor (e.g. files compiled), not a ceiling

    @property
    def met(self) -> bool | None:
        """None when the figure has no budget (it is reported for information)."""
        if self.budget is None:
            return None
        return self.value >= self.budget if self.at_least else self.value <= self.budget


@attrs.frozen
class Section:
    """A part of BENCHMARKS.md: its figures, then `details` (Markdown) saying how they were measured."""

    title: str
    figures: tuple[Figure, ...]
    details: tuple[str, ...] = ()
