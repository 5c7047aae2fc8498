"""`requests --status S [--day D | --since D] [--json]`: requests in a status, by the day they
reached it, from the table's status index."""

from __future__ import annotations

import argparse

from ops import render
from ops.arguments import DAY_HELP, day, status
from ops.context import Context
from ops.queries import days_from, requests_in


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "requests",
        help="list the requests in a status",
        description="List the requests now in STATUS that reached it on a UTC day (default: today), "
        "or on every day since one. Newest days last; oldest created first within a day.",
    )
    parser.add_argument(
        "--status", required=True, type=status, help="Created, SMSSent, Opened, Responded, Timeout or Failed"
    )
    when = parser.add_mutually_exclusive_group()
    when.add_argument("--day", type=day, help=f"{DAY_HELP}; default today")
    when.add_argument("--since", type=day, help="every UTC day from this one to today")
    parser.add_argument("--json", action="store_true", help="one JSON object per line, for programs")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, context: Context) -> int:
    today = context.now().date()
    days = days_from(args.since, today) if args.since else [args.day or today]
    now = context.now()
    found = list(requests_in(context.repository, [args.status], days))
    if args.json:
        for request in found:
            print(render.json_line(render.summary(request, now)), file=context.out)
        return 0
    span = f"on {days[0]}" if len(days) == 1 else f"from {days[0]} to {days[-1]}"
    if not found:
        print(f"No requests reached {args.status} {span} (UTC) and are still in it.", file=context.out)
        return 0
    print(render.table(render.SUMMARY_HEADERS, (render.summary_row(r, now) for r in found)), file=context.out)
    plural = "request" if len(found) == 1 else "requests"
    print(f"\n{len(found)} {plural} in {args.status}, reached {span} (UTC).", file=context.out)
    return 0
