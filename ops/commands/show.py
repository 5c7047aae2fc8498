"""`show ID [--json] [--reveal]`: one request and its timeline. Phones are masked; `--reveal` shows
them, and is recorded (who, when, which request) before anything is shown."""

from __future__ import annotations

import argparse

from ops import audit, render
from ops.context import Context
from ops.errors import OpsError
from ops.queries import timeline


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "show",
        help="one request with its timeline",
        description="Show a request, its partner's answer, the customer's messages and every event "
        f"(times in KST). Phone numbers are masked unless --reveal, which is recorded in {audit.AUDIT_LOG}.",
    )
    parser.add_argument("request_id", metavar="REQUEST_ID")
    parser.add_argument("--json", action="store_true", help="the request and its events as one JSON object")
    parser.add_argument("--reveal", action="store_true", help="show full phone numbers (recorded)")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, context: Context) -> int:
    request, events = timeline(context.repository, args.request_id, where=context.target.source)
    if args.reveal:
        try:
            audit.record(
                "phones_revealed",
                operator=audit.identify(context.client("sts")),
                target=context.target,
                at=render.iso(context.now()) or "",
                err=context.err,
                requestId=request.request_id,
            )
        except OpsError as error:
            raise OpsError(f"{error}: phone numbers not revealed") from None
    if args.json:
        print(render.json_line(render.detail(request, events, reveal=args.reveal)), file=context.out)
    else:
        print(render.detail_text(request, events, reveal=args.reveal), file=context.out)
    return 0
