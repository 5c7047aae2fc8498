"""`unclear [--day D] [--limit N] [--json]`: the messages the intent step did not understand on a
KST day, newest first: candidates for new sample utterances in bot/ko_KR.json."""

from __future__ import annotations

import argparse

from ops import render
from ops.arguments import day
from ops.context import Context
from runtime.domain.kst import KST


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "unclear",
        help="the customers' messages the intent step did not understand",
        description="List the messages the intent step did not understand on a KST day (they are kept "
        "two weeks, filed by the KST day they arrived), newest first. Phone and reservation numbers "
        "were replaced when they were stored.",
    )
    parser.add_argument("--day", type=day, help="a KST day, YYYY-MM-DD; default today (KST)")
    parser.add_argument("--limit", type=_positive, help="at most this many, newest first")
    parser.add_argument("--json", action="store_true", help="one JSON object per line, for programs")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, context: Context) -> int:
    on = args.day or context.now().astimezone(KST).date()
    found = context.repository.recent_unclear(on, args.limit)
    if args.json:
        for message in found:
            line = {"id": message.message_id, "at": render.iso(message.at), "text": message.text}
            print(render.json_line(line), file=context.out)
        return 0
    if not found:
        print(f"No unclear messages on {on} (KST).", file=context.out)
        return 0
    rows = [(render.kst(message.at), message.text) for message in found]
    print(render.table(("AT (KST)", "MESSAGE"), rows), file=context.out)
    plural = "message" if len(found) == 1 else "messages"
    print(f"\n{len(found)} unclear {plural} on {on} (KST), newest first.", file=context.out)
    return 0


def _positive(text: str) -> int:
    try:
        value = int(text)
    except ValueError:
        value = 0
    if value < 1:
        raise argparse.ArgumentTypeError(f"not a positive number: {text!r}")
    return value
