"""The figures as a console table and as BENCHMARKS.md, each beside its baseline ("before") value."""

from __future__ import annotations

import json
import os
import platform
import subprocess
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import attrs

from bench.figures import Figure, Section

COMMAND = "make bench"
KIB = 1024


@attrs.frozen
class Machine:
    cpu: str
    cores: int
    python: str

    def describe(self) -> str:
        return f"{self.cpu}, {self.cores} cores, Python {self.python} ({platform.system()})"


@attrs.frozen
class Baseline:
    recorded: str
    commit: str
    machine: str
    values: Mapping[str, float]


def this_machine() -> Machine:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text(encoding="utf-8").splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    return Machine(cpu=cpu, cores=os.cpu_count() or 1, python=platform.python_version())


def commit_of(root: Path) -> str:
    try:
        found = subprocess.run(
            ["git", "-C", str(root), "describe", "--always", "--dirty"],
            capture_output=True,
            text=True,
            timeout=10,
            check=True,
        )
    except (OSError, subprocess.SubprocessError):
        return "unknown"
    return found.stdout.strip()


# --- values as people read them ----------------------------------------------------------------


_SHOWN = {
    "x": lambda value: f"{value:.2f}×",
    "ms": lambda value: f"{value:.0f} ms",
    "bytes": lambda value: f"{value / KIB:.1f} KiB" if value >= KIB else f"{value:.0f} B",
    "flows/s": lambda value: f"{value:.2f}/s",
    "chars": lambda value: f"{value:.0f} chars",
    "%": lambda value: f"{value * 100:.1f} %",  # a share, 0 to 1
}


def show(value: float, unit: str) -> str:
    return _SHOWN.get(unit, lambda v: f"{v:g}")(value)


def show_budget(figure: Figure) -> str:
    if figure.budget is None:
        return ""
    return f"{'≥' if figure.at_least else '≤'} {show(figure.budget, figure.unit)}"


def verdict(figure: Figure) -> str:
    return {None: "", True: "met", False: "MISSED"}[figure.met]


def rows(figures: Sequence[Figure], baseline: Baseline | None) -> list[list[str]]:
    before = baseline.values if baseline else {}
    return [
        [
            figure.label,
            show(before[figure.key], figure.unit) if figure.key in before else "—",
            show(figure.value, figure.unit),
            show_budget(figure),
            verdict(figure),
        ]
        for figure in figures
    ]


HEADER = ["figure", "before", "now", "budget", ""]


def console_table(sections: Sequence[Section], baseline: Baseline | None) -> str:
    """One plain-text table for the terminal, a title line before each section's figures."""
    body = {section.title: rows(section.figures, baseline) for section in sections}
    every_row = [HEADER, *(row for section_rows in body.values() for row in section_rows)]
    widths = [max(len(row[column]) for row in every_row) for column in range(len(HEADER))]

    def line(row: Sequence[str]) -> str:
        return "  ".join(cell.ljust(width) for cell, width in zip(row, widths, strict=True)).rstrip()

    lines = [line(HEADER), line(["-" * width for width in widths])]
    for title, section_rows in body.items():
        lines.append(f"[{title}]")
        lines += [line(row) for row in section_rows]
    return "\n".join(lines)


def markdown_table(figures: Sequence[Figure], baseline: Baseline | None) -> list[str]:
    table = [HEADER, *rows(figures, baseline)]
    lines = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in table]
    lines.insert(1, "|" + "---|" * len(HEADER))
    return lines


def missed(sections: Sequence[Section]) -> list[Figure]:
    return [figure for section in sections for figure in section.figures if figure.met is False]


# --- beside the Powertools peer -----------------------------------------------------------------

# Our chat and the peer that does its job with AWS Lambda Powertools (bench/peer/): (what, ours, the peer's).
PEER_ROWS = (
    ("cold start", "cold.chat", "cold.chat-peer"),
    ("AWS calls, one submit", "calls.submit.chat", "calls.submit.chat-peer"),
    ("AWS calls, that submit again", "calls.submit.chat.retried", "calls.submit.chat-peer.retried"),
)
FLOOR = "cold.floor"


def peer_comparison(sections: Sequence[Section]) -> list[str]:
    """Our chat's figures beside the peer's, from this run, and what the comparison means (nothing
    when the run measured neither)."""
    figures = {figure.key: figure for section in sections for figure in section.figures}
    rows = [
        (what, figures[ours], figures[theirs])
        for what, ours, theirs in PEER_ROWS
        if ours in figures and theirs in figures
    ]
    if not rows:
        return []
    floor_ms = figures[FLOOR].value if FLOOR in figures else None
    lines = [
        "## Beside a Powertools peer",
        "",
        "`bench/peer/chat.py` does our chat's job the way most Python Lambda teams write it today, with "
        "AWS Lambda Powertools: Logger (Lambda context, correlation id), Metrics (embedded metric format) "
        "and Idempotency on this table, keyed by the `Idempotency-Key` header. It keeps the product's "
        "rules (the same validation, the same classifier, the request, its event and its due marker in "
        "one conditional transaction) and answers the same, so what differs is the plumbing alone. It "
        "is measured in the same runs as ours (see *Cold start* and *AWS calls per flow*) and never "
        "ships.",
        "",
        "| | our chat | Powertools peer |",
        "|---|---|---|",
    ]
    for what, ours, theirs in rows:
        lines.append(f"| {what} | {_beside(ours, floor_ms)} | {_beside(theirs, floor_ms)} |")
    lines += ["", _meaning(rows, floor_ms)]
    return lines


def _beside(figure: Figure, floor_ms: float | None) -> str:
    if figure.unit == "x" and floor_ms is not None:
        return f"{figure.value * floor_ms:.0f} ms ({show(figure.value, 'x')} the floor)"
    return show(figure.value, figure.unit)


def _meaning(rows: Sequence[tuple[str, Figure, Figure]], floor_ms: float | None) -> str:
    said = []
    for what, ours, theirs in rows:
        gap = theirs.value - ours.value
        if ours.unit == "x":
            amount = f"{abs(gap) * floor_ms:.0f} ms" if floor_ms else f"{abs(gap):.2f}× the floor"
            said.append(f"our chat's {what} is {amount} {'shorter' if gap > 0 else 'longer'} than the peer's")
        else:
            calls = f"{abs(gap):g} {'fewer' if gap > 0 else 'more'} calls" if gap else "as many calls"
            said.append(f"{what.removeprefix('AWS calls, ')} costs ours {calls}")
    return (
        f"In this run {'; '.join(said)}. A cold start shorter than the peer's means our plumbing "
        "(structlog, attrs and cattrs, our entry point and metric writer) costs less than Powertools' "
        "for the same job; a longer one, that the product would start sooner written with Powertools. "
        "The calls show where each keeps an idempotency key: ours in the request's own transaction, "
        "Powertools in a record of its own, written before and after the handler."
    )


# --- BENCHMARKS.md -----------------------------------------------------------------------------


def benchmarks_markdown(
    sections: Sequence[Section],
    *,
    baseline: Baseline | None,
    machine: Machine,
    measured_at: datetime,
    commit: str,
    seconds: float,
) -> str:
    lines = [
        "# Benchmarks",
        "",
        f"Written by `{COMMAND}` (`bench/`); every figure below is measured again on each run.",
        "",
        f"- **Machine:** {machine.describe()}",
        f"- **Date:** {measured_at.astimezone(UTC).strftime('%Y-%m-%d %H:%M UTC')}",
        f"- **Command:** `{COMMAND}` (took {seconds / 60:.1f} min), code at `{commit}`",
    ]
    if baseline:
        lines.append(
            f"- **Before:** `bench/baseline.json`, recorded {baseline.recorded} at `{baseline.commit}` "
            f"on {baseline.machine} (`python -m bench --save-baseline` records a new one)"
        )
    else:
        lines.append("- **Before:** no `bench/baseline.json` yet (`python -m bench --save-baseline`)")
    failed = missed(sections)
    lines += [
        "",
        f"Budgets missed: {', '.join(f.label for f in failed)}." if failed else "Every budget is met.",
        "Timings depend on the machine; compare runs made on the same one.",
    ]
    peer = peer_comparison(sections)
    if peer:
        lines += ["", *peer]
    for section in sections:
        lines += ["", f"## {section.title}", "", *markdown_table(section.figures, baseline)]
        if section.details:
            lines += ["", *section.details]
    return "\n".join(lines) + "\n"


def save_baseline(path: Path, sections: Sequence[Section], *, machine: Machine, commit: str) -> None:
    document: dict[str, Any] = {
        "recorded": datetime.now(UTC).strftime("%Y-%m-%d"),
        "commit": commit,
        "machine": machine.describe(),
        "figures": {figure.key: figure.value for section in sections for figure in section.figures},
    }
    path.write_text(json.dumps(document, ensure_ascii=False, indent=2) + "\n", encoding="utf-8")


def load_baseline(path: Path) -> Baseline | None:
    if not path.is_file():
        return None
    document = json.loads(path.read_text(encoding="utf-8"))
    return Baseline(
        recorded=document["recorded"],
        commit=document["commit"],
        machine=document["machine"],
        values=document["figures"],
    )
