"""One row per check, and the table they make."""

from __future__ import annotations

from collections.abc import Sequence

import attrs


@attrs.frozen
class Row:
    name: str
    figure: str
    passed: bool
    seconds: float = 0.0
    problems: tuple[str, ...] = ()


def table(rows: Sequence[Row]) -> str:
    """A Markdown table, readable on a console and pasteable into the README."""
    header = ("check", "figure", "result", "s")
    lines = [(row.name, row.figure, "pass" if row.passed else "FAIL", f"{row.seconds:.1f}") for row in rows]
    widths = [max(len(cells[i]) for cells in [header, *lines]) for i in range(len(header))]

    def line(cells: Sequence[str]) -> str:
        return "| " + " | ".join(cell.ljust(width) for cell, width in zip(cells, widths, strict=True)) + " |"

    separator = "|" + "|".join("-" * (width + 2) for width in widths) + "|"
    return "\n".join([line(header), separator, *(line(cells) for cells in lines)])


def problems(rows: Sequence[Row], limit: int = 10) -> str:
    """What went wrong in the failed rows, a few lines each."""
    lines = []
    for row in rows:
        if not row.passed:
            lines.append(f"{row.name}:")
            lines += [f"  - {problem}" for problem in row.problems[:limit]]
            if len(row.problems) > limit:
                lines.append(f"  ... and {len(row.problems) - limit} more")
    return "\n".join(lines)
