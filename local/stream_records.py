"""GetRecords for the emulator's DynamoDB stream, written as the service's JSON directly.

moto 5 answers every action through a generic serializer that walks the service model for each
value; a stream record carries whole items (old and new images), so one GetRecords of a few hundred
records cost the emulator tens of milliseconds of its one core, and the stream is read all the time.
DynamoDB Streams speaks JSON (protocol `json`) and moto keeps each record in its wire form already,
so the answer here is that form, with the one value that is not JSON as stored (the record's
creation time, sent as epoch seconds, as the JSON protocol sends timestamps).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from moto.dynamodbstreams.responses import DynamoDBStreamsHandler


def wire_record(record: Mapping[str, Any]) -> dict[str, Any]:
    """A stored record as the service sends it (moto keeps its creation time as a naive UTC datetime)."""
    stream = dict(record["dynamodb"])
    created = stream.get("ApproximateCreationDateTime")
    if isinstance(created, datetime):
        aware = created if created.tzinfo else created.replace(tzinfo=UTC)
        stream["ApproximateCreationDateTime"] = aware.timestamp()
    return {**record, "dynamodb": stream}


def get_records_body(found: Mapping[str, Any]) -> str:
    return json.dumps(
        {
            "NextShardIterator": found["NextShardIterator"],
            "Records": [wire_record(record) for record in found["Records"]],
        }
    )


def install() -> None:
    def get_records(self: DynamoDBStreamsHandler) -> str:
        limit = self._get_param("Limit")
        found = self.backend.get_records(self._get_param("ShardIterator"), 1000 if limit is None else limit)
        return get_records_body(found)

    # Replacing moto's handler method is the point; mypy refuses assignments to methods.
    DynamoDBStreamsHandler.get_records = get_records  # type: ignore[method-assign,assignment]
