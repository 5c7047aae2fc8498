"""`dead-letters [--json]`: what the stream consumers could not process after every retry, with the
requests it was about (while the table's stream still holds the records: 24 hours)."""

from __future__ import annotations

import argparse

from ops import render
from ops.context import Context
from ops.dead_letter_queue import DeadLetter, read_dead_letters
from runtime.contract import StackOutput


def add_parser(commands: argparse._SubParsersAction) -> None:
    parser = commands.add_parser(
        "dead-letters",
        help="the stream consumers' dead-letter queue, with the requests its batches were about",
        description="List the messages in the stream consumers' dead-letter queue without removing "
        "them: the function, the stream batch each names and, while the table's stream keeps its "
        "records (24 hours), the records and their request ids.",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per message, for programs")
    parser.set_defaults(run=run)


def run(args: argparse.Namespace, context: Context) -> int:
    queue_url = context.target.require(StackOutput.DEAD_LETTER_QUEUE_URL)
    letters = read_dead_letters(
        context.client("sqs"),
        context.client("dynamodbstreams"),
        queue_url,
        stream_arn=context.target.stream_arn,
    )
    if args.json:
        for letter in letters:
            print(render.json_line(_as_json(letter)), file=context.out)
        return 0
    if not letters:
        print(f"The dead-letter queue is empty ({queue_url}).", file=context.out)
        return 0
    for number, letter in enumerate(letters, start=1):
        print(_as_text(letter, number, len(letters)), file=context.out)
    ids = list(dict.fromkeys(rid for letter in letters for rid in letter.request_ids))
    option = context.target.option
    print(
        "What next: each request above was ended (or will be, at its due time) by the sweeper, with a "
        f"message to its customer. Read why its function failed in its logs (every line carries "
        f"requestId), fix the cause, `python -m ops {option} show ID` each request "
        f"({len(ids)} named), redrive the ones that deserve a fresh attempt, then delete the message "
        "(aws sqs delete-message).",
        file=context.out,
    )
    return 0


def _as_json(letter: DeadLetter) -> dict[str, object]:
    return {
        "messageId": letter.message_id,
        "sentAt": render.iso(letter.sent_at),
        "receiveCount": letter.receive_count,
        "function": letter.function,
        "condition": letter.condition,
        "batch": letter.batch,
        "requestIds": letter.request_ids,
        "records": [
            {
                "sequenceNumber": record.sequence,
                "eventName": record.event_name,
                "PK": record.partition_key,
                "SK": record.sort_key,
                "requestId": record.request_id,
                "oldStatus": record.old_status,
                "newStatus": record.new_status,
            }
            for record in letter.records
        ],
        "recordsUnavailable": letter.records_unavailable,
        "message": letter.body,
    }


def _as_text(letter: DeadLetter, number: int, total: int) -> str:
    batch = letter.batch
    lines = [
        f"Message {number} of {total}  {letter.message_id}",
        f"  sent       {render.kst(letter.sent_at)} (read {letter.receive_count} times)",
        f"  function   {letter.function or '-'}  {letter.condition}",
        f"  batch      shard {batch.get('shardId', '-')}, sequence {batch.get('startSequenceNumber', '-')}"
        f" to {batch.get('endSequenceNumber', '-')}, {batch.get('batchSize', '?')} records",
    ]
    if letter.records_unavailable:
        lines.append(f"  records    {letter.records_unavailable}")
    for index, record in enumerate(letter.records):
        change = " -> ".join(s for s in (record.old_status, record.new_status) if s) or "-"
        lines.append(
            f"  {'records' if index == 0 else '':<9}  {record.sequence}  {record.event_name:<6}  "
            f"{record.partition_key}/{record.sort_key}  {change}"
        )
    if letter.request_ids:
        lines.append(f"  requests   {', '.join(letter.request_ids)}")
    return "\n".join(lines) + "\n"
