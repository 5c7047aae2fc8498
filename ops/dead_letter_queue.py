"""The stream consumers' dead-letter queue, read without taking anything out of it.

Each message is what Lambda sends for a stream batch that failed every retry: where the records are
(`DDBStreamBatchInfo`: the stream, the shard, the first and last sequence number), not the records.
The table's stream keeps records 24 hours; within them the batch's records are read back
(GetShardIterator AT_SEQUENCE_NUMBER, then GetRecords up to the last sequence number), which names
the requests they are about.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import attrs
from botocore.exceptions import ClientError

from runtime.adapters import dynamo_keys as keys
from runtime.adapters.dynamo_expressions import plain
from runtime.contract import REQUEST_PREFIX, STATUS_ATTRIBUTE

# Messages looked at in one run; a queue holding more has a cause to fix before anything else.
MAX_MESSAGES = 100
# How long the messages read stay hidden from other readers (made visible again at once after).
_PEEK_SECONDS = 30
_MAX_RECORD_READS = 20
# Errors of GetShardIterator / GetRecords that mean the records are gone, not that AWS failed.
_GONE = {
    "TrimmedDataAccessException": "no longer in the stream (it keeps records 24 hours)",
    "ExpiredIteratorException": "no longer in the stream (it keeps records 24 hours)",
    "ResourceNotFoundException": "the stream is gone (the table's stream was turned off or replaced)",
}


@attrs.frozen
class StreamRecord:
    sequence: str
    event_name: str
    partition_key: str
    sort_key: str
    old_status: str | None
    new_status: str | None

    @property
    def request_id(self) -> str | None:
        if self.partition_key.startswith(REQUEST_PREFIX):
            return self.partition_key.removeprefix(REQUEST_PREFIX)
        return None


@attrs.frozen
class DeadLetter:
    message_id: str
    sent_at: datetime | None
    receive_count: int
    body: dict[str, Any]
    records: tuple[StreamRecord, ...] = ()
    # Why the batch's records could not be read back (None: they were).
    records_unavailable: str | None = None

    @property
    def batch(self) -> dict[str, Any]:
        found = self.body.get("DDBStreamBatchInfo")
        return found if isinstance(found, dict) else {}

    @property
    def function(self) -> str:
        context = self.body.get("requestContext")
        return str(context.get("functionArn", "")) if isinstance(context, dict) else ""

    @property
    def condition(self) -> str:
        context = self.body.get("requestContext")
        return str(context.get("condition", "")) if isinstance(context, dict) else ""

    @property
    def request_ids(self) -> list[str]:
        return list(dict.fromkeys(r.request_id for r in self.records if r.request_id))


def read_dead_letters(sqs: Any, streams: Any, queue_url: str, *, stream_arn: str | None) -> list[DeadLetter]:
    """Every message in the queue (up to MAX_MESSAGES), oldest first, each with its batch's records
    where the stream still has them. The messages stay in the queue, visible again at once."""
    messages = _peek(sqs, queue_url)
    letters = []
    for message in messages:
        try:
            body = json.loads(message.get("Body") or "")
        except json.JSONDecodeError:
            body = {"unreadable": message.get("Body")}
        if not isinstance(body, dict):
            body = {"unreadable": body}
        attributes = message.get("Attributes", {})
        sent = attributes.get("SentTimestamp")
        letter = DeadLetter(
            message_id=message["MessageId"],
            sent_at=datetime.fromtimestamp(int(sent) / 1000, UTC) if sent else None,
            receive_count=int(attributes.get("ApproximateReceiveCount", 0)),
            body=body,
        )
        letters.append(_with_records(streams, letter, stream_arn))
    return sorted(letters, key=lambda letter: letter.sent_at or datetime.min.replace(tzinfo=UTC))


def _peek(sqs: Any, queue_url: str) -> list[dict[str, Any]]:
    seen: dict[str, dict[str, Any]] = {}
    try:
        while len(seen) < MAX_MESSAGES:
            found = sqs.receive_message(
                QueueUrl=queue_url,
                MaxNumberOfMessages=10,
                VisibilityTimeout=_PEEK_SECONDS,
                # Long polling asks every SQS server, so an empty answer means an empty queue.
                WaitTimeSeconds=1,
                MessageSystemAttributeNames=["SentTimestamp", "ApproximateReceiveCount"],
            )
            fresh = [m for m in found.get("Messages", []) if m["MessageId"] not in seen]
            if not fresh:
                break
            seen.update((message["MessageId"], message) for message in fresh)
    finally:
        for message in seen.values():
            sqs.change_message_visibility(
                QueueUrl=queue_url, ReceiptHandle=message["ReceiptHandle"], VisibilityTimeout=0
            )
    return list(seen.values())


def _with_records(streams: Any, letter: DeadLetter, stream_arn: str | None) -> DeadLetter:
    batch = letter.batch
    arn = batch.get("streamArn") or stream_arn
    if not arn or not batch.get("shardId") or not batch.get("startSequenceNumber"):
        return attrs.evolve(letter, records_unavailable="the message names no stream batch")
    try:
        records = _batch_records(
            streams, arn, batch["shardId"], str(batch["startSequenceNumber"]), batch.get("endSequenceNumber")
        )
    except ClientError as error:
        code = error.response.get("Error", {}).get("Code", "")
        if code in _GONE:
            return attrs.evolve(letter, records_unavailable=_GONE[code])
        raise
    if not records:
        return attrs.evolve(letter, records_unavailable=_GONE["TrimmedDataAccessException"])
    return attrs.evolve(letter, records=tuple(records))


def _batch_records(
    streams: Any, stream_arn: str, shard_id: str, start: str, end: str | None
) -> list[StreamRecord]:
    iterator = streams.get_shard_iterator(
        StreamArn=stream_arn,
        ShardId=shard_id,
        ShardIteratorType="AT_SEQUENCE_NUMBER",
        SequenceNumber=start,
    )["ShardIterator"]
    last = int(end) if end else int(start)
    found: list[StreamRecord] = []
    for _ in range(_MAX_RECORD_READS):
        page = streams.get_records(ShardIterator=iterator, Limit=1000)
        for record in page.get("Records", []):
            change = record.get("dynamodb", {})
            if int(change.get("SequenceNumber", 0)) > last:
                return found
            found.append(_record(record))
        iterator = page.get("NextShardIterator")
        if not page.get("Records") or not iterator:
            break
    return found


def _record(record: Mapping[str, Any]) -> StreamRecord:
    change = record.get("dynamodb", {})
    key = plain(change.get("Keys", {}))
    old = plain(change.get("OldImage", {}))
    new = plain(change.get("NewImage", {}))
    return StreamRecord(
        sequence=str(change.get("SequenceNumber", "")),
        event_name=str(record.get("eventName", "")),
        partition_key=str(key.get(keys.PK, "")),
        sort_key=str(key.get(keys.SK, "")),
        old_status=_text(old.get(STATUS_ATTRIBUTE)),
        new_status=_text(new.get(STATUS_ATTRIBUTE)),
    )


def _text(value: Any) -> str | None:
    return str(value) if value is not None else None
