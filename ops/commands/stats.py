"""`stats --day D [--json]`: requests by status for a UTC day, and the partners' answer times."""

from __future__ import annotations

import argparse
import statistics

from ops import render
from ops.arguments import DAY_HELP, day
from ops.context import Context
from ops.queries import day_figures
from runtime.domain.model import Status


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "stats",
        help="a day's requests by status, and the partners' median answer time",
        description="Count the requests by the status they reached on a UTC day (and are still in), "
        "and the partners' median answer time (SMS sent to answer recorded) of that day's answers.",
    )
    parser.add_argument("--day", type=day, help=f"{DAY_HELP}; default today")
    parser.add_argument("--json", action="store_true", help="one JSON object, for programs")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, context: Context) -> int:
    figures = day_figures(context.repository, args.day or context.now().date())
    median = figures.median_answer_seconds
    partners = {
        partner: {"answers": len(times), "medianAnswerSeconds": round(statistics.median(times), 1)}
        for partner, times in sorted(figures.answer_seconds.items())
    }
    if args.json:
        print(
            render.json_line(
                {
                    "day": figures.day.isoformat(),
                    "counts": {str(status): figures.counts[status] for status in Status},
                    "total": figures.total,
                    "answers": len(figures.all_answer_seconds),
                    "medianAnswerSeconds": round(median, 1) if median is not None else None,
                    "partners": partners,
                }
            ),
            file=context.out,
        )
        return 0
    rows = [(str(status), str(figures.counts[status])) for status in Status]
    print(f"Requests by the status they reached on {figures.day} (UTC)\n", file=context.out)
    print(render.table(("STATUS", "REQUESTS"), [*rows, ("total", str(figures.total))]), file=context.out)
    if median is None:
        print("\nNo partner answers recorded that day.", file=context.out)
        return 0
    answers = len(figures.all_answer_seconds)
    print(f"\nPartners' median answer time: {_duration(median)} over {answers} answers\n", file=context.out)
    partner_rows = [
        (partner, str(found["answers"]), _duration(float(found["medianAnswerSeconds"])))
        for partner, found in partners.items()
    ]
    print(render.table(("PARTNER", "ANSWERS", "MEDIAN"), partner_rows), file=context.out)
    return 0


def _duration(seconds: float) -> str:
    minutes, rest = divmod(round(seconds), 60)
    return f"{minutes}m {rest}s" if minutes else f"{seconds:.1f}s"
