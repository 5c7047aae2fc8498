"""Lambda's DynamoDB stream batches in, partial batch responses out.

Each record's new image is turned into the entity it stores and handed to one use case, in order. The
first record that fails is reported back (`batchItemFailures`): Lambda retries the batch from it,
bisecting and finally sending it to the dead-letter queue, as the event source mapping says. Records
after a failure are left for that retry, so one request's records keep their order.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from typing import Any, TypeVar

import structlog

from runtime.adapters.dynamo_converter import from_item
from runtime.adapters.dynamo_expressions import plain

T = TypeVar("T")
log = structlog.get_logger()


def for_each_new_image(event: Mapping[str, Any], cls: type[T], action: Callable[[T], None]) -> dict[str, Any]:
    """Run `action` on each record's new image (as `cls`); answer Lambda's partial batch response."""
    for record in event.get("Records") or []:
        change = record.get("dynamodb") or {}
        sequence = str(change.get("SequenceNumber", ""))
        image = plain(change.get("NewImage") or {})
        # A number, not text: long digit runs in text are masked as if they were phone numbers.
        structlog.contextvars.bind_contextvars(
            requestId=image.get("requestId"), sequence=int(sequence) if sequence.isdigit() else sequence
        )
        try:
            action(from_item(image, cls))
        except Exception as error:  # noqa: BLE001 - any failure is retried by the event source mapping
            log.warning("record_failed", error=str(error), errorType=type(error).__name__)
            return {"batchItemFailures": [{"itemIdentifier": sequence}]}
    return {"batchItemFailures": []}
