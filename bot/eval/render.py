"""A Report as plain-text tables for the terminal, and as Markdown for BENCHMARKS.md."""

from __future__ import annotations

import unicodedata
from collections.abc import Sequence

from bot.eval.dataset import LABELS, MAX_UNCLEAR, MIN_ACCURACY, MIN_NON_REQUESTS_UNCLEAR, NONE
from bot.eval.metrics import Report

SHORT = {
    "ChangeReservation": "예약변경",
    "ReportTrouble": "트러블신고",
    "AddOnService": "부가서비스",
    NONE: "unclear",
}


def percent(value: float) -> str:
    return f"{value * 100:.1f} %"


def headline(report: Report) -> list[list[str]]:
    met = report.targets_met
    return [
        ["figure", "value", "target", ""],
        [
            f"accuracy on the three intents ({report.requests} requests)",
            percent(report.accuracy),
            f">= {percent(MIN_ACCURACY)}",
            _verdict(met["accuracy"]),
        ],
        [
            "requests answered unclear",
            percent(report.unclear_rate),
            f"<= {percent(MAX_UNCLEAR)}",
            _verdict(met["unclear"]),
        ],
        [
            f"non-requests answered unclear ({report.non_requests})",
            percent(report.non_requests_unclear),
            f">= {percent(MIN_NON_REQUESTS_UNCLEAR)}",
            _verdict(met["nonRequests"]),
        ],
    ]


def per_intent(report: Report) -> list[list[str]]:
    rows = [["answer", "messages", "precision", "recall"]]
    for label in LABELS:
        name = f"{label} ({SHORT[label]})" if label != NONE else "unclear (422)"
        rows.append(
            [
                name,
                str(report.count(expected=label)),
                percent(report.precision(label)),
                percent(report.recall(label)),
            ]
        )
    return rows


def confusion(report: Report) -> list[list[str]]:
    rows = [["expected \\ answered", *(SHORT[label] for label in LABELS)]]
    for expected in LABELS:
        rows.append([SHORT[expected], *(str(report.confusion[(expected, answered)]) for answered in LABELS)])
    return rows


def text_table(rows: Sequence[Sequence[str]]) -> str:
    widths = [max(_width(row[column]) for row in rows) for column in range(len(rows[0]))]
    lines = []
    for index, row in enumerate(rows):
        lines.append("  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip())
        if index == 0:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)


def markdown_table(rows: Sequence[Sequence[str]]) -> list[str]:
    lines = ["| " + " | ".join(cell.replace("|", "\\|") for cell in row) + " |" for row in rows]
    lines.insert(1, "|" + "---|" * len(rows[0]))
    return lines


def _verdict(met: bool) -> str:
    return "met" if met else "MISSED"


def _width(text: str) -> int:
    """Terminal columns: wide characters (Hangul) take two."""
    return sum(2 if unicodedata.east_asian_width(ch) in ("W", "F") else 1 for ch in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
