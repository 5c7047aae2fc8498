"""`export --since D --out FILE.csv`: one row per request, phones masked, with a progress bar."""

from __future__ import annotations

import argparse
import csv
import os
from collections.abc import Iterable
from datetime import date
from pathlib import Path

from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn

from ops import render
from ops.arguments import day
from ops.context import Context
from ops.errors import OpsError
from ops.queries import days_from, requests_in
from runtime.domain.model import Request, Status

# What a row holds: what happened to the request, not what the customer wrote (free text may name
# people) and never a token. Phones masked.
COLUMNS = (
    "requestId",
    "createdAt",
    "updatedAt",
    "status",
    "attempt",
    "failureReason",
    "intent",
    "intentSource",
    "reservationNumber",
    "customerPhone",
    "partnerId",
    "partnerName",
    "partnerPhone",
    "smsSentAt",
    "answer",
    "respondedAt",
    "answerSeconds",
    "alternativeTime",
    "notifiedAt",
    "messageSource",
)


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "export",
        help="write every request since a day to a CSV file",
        description="Write one CSV row per request that reached its current status on a UTC day from "
        "--since to today (every status), phone numbers masked, the customer's text left out.",
    )
    parser.add_argument("--since", required=True, type=day, help="the first UTC day, YYYY-MM-DD")
    parser.add_argument("--out", required=True, type=Path, metavar="FILE.csv")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, context: Context) -> int:
    out: Path = args.out
    if not out.parent.is_dir():
        raise OpsError(f"cannot write {out}: folder {out.parent} does not exist")
    days = days_from(args.since, context.now().date())
    partial = out.with_name(f".{out.name}.partial")
    count = 0
    with _progress(context) as progress:
        task = progress.add_task("status index", total=len(days) * len(Status), rows=0)

        def read(status: Status, on: date, found: int) -> None:
            progress.update(task, advance=1, rows=progress.tasks[task].fields["rows"] + found)

        try:
            with partial.open("w", newline="", encoding="utf-8") as file:
                writer = csv.DictWriter(file, fieldnames=COLUMNS)
                writer.writeheader()
                count = _write(writer, requests_in(context.repository, list(Status), days, on_partition=read))
        except BaseException:
            partial.unlink(missing_ok=True)
            raise
    os.replace(partial, out)
    plural = "request" if count == 1 else "requests"
    print(f"Wrote {count} {plural} ({days[0]} to {days[-1]}, UTC) to {out}", file=context.out)
    return 0


def row(request: Request) -> dict[str, object]:
    response = request.response
    answer_seconds = (
        round((response.responded_at - request.sms_sent_at).total_seconds(), 1)
        if response and request.sms_sent_at
        else None
    )
    told = request.notification
    return {
        "requestId": request.request_id,
        "createdAt": render.iso(request.created_at),
        "updatedAt": render.iso(request.updated_at),
        "status": str(request.status),
        "attempt": request.attempt,
        "failureReason": request.failure_reason or "",
        "intent": str(request.intent),
        "intentSource": str(request.intent_source),
        "reservationNumber": request.reservation_number,
        "customerPhone": render.phone(request.customer_phone),
        "partnerId": request.partner_id or "",
        "partnerName": request.partner_name or "",
        "partnerPhone": render.phone(request.partner_phone) or "",
        "smsSentAt": render.iso(request.sms_sent_at) or "",
        "answer": str(response.answer) if response else "",
        "respondedAt": render.iso(response.responded_at) if response else "",
        "answerSeconds": "" if answer_seconds is None else answer_seconds,
        "alternativeTime": render.iso(response.alternative_time) if response else "",
        "notifiedAt": render.iso(told.at) if told else "",
        "messageSource": str(told.source) if told else "",
    }


def _write(writer: csv.DictWriter, requests: Iterable[Request]) -> int:
    count = 0
    for request in requests:
        writer.writerow({name: value if value is not None else "" for name, value in row(request).items()})
        count += 1
    return count


def _progress(context: Context) -> Progress:
    """On stderr, so stdout stays for the summary line (and a pipe reads only that)."""
    return Progress(
        TextColumn("{task.description}"),
        BarColumn(),
        MofNCompleteColumn(),
        TextColumn("partitions, {task.fields[rows]} requests"),
        TimeElapsedColumn(),
        console=Console(file=context.err),
    )
