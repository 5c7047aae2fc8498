"""AWS End User Messaging SMS delivery events, as SNS hands them to Lambda, in; DeliveryOutcome out.

Each SNS record's Message is one SMS event (JSON; names as the service sends them: `eventType`,
`eventTimestamp` in epoch milliseconds, `messageId`, `messageStatus`, `context`...). The context is
the one the sender gave the SMS (runtime.adapters.end_user_messaging_sms). Only the event types the
configuration set subscribes to are outcomes; anything else, or a message that is not such an event,
is logged and left (retrying would not make it one). The destination number is never read.
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

import structlog

from runtime.contract import (
    SMS_CONTEXT_KIND,
    SMS_CONTEXT_LINK_ID,
    SMS_CONTEXT_REQUEST_ID,
    SMS_DELIVERED_EVENTS,
    SMS_UNDELIVERABLE_EVENTS,
)
from runtime.domain.model import DeliveryOutcome, SmsKind
from runtime.domain.validation import is_request_id

log = structlog.get_logger()
_KINDS = {str(kind): kind for kind in SmsKind}


def delivery_outcomes(event: Mapping[str, Any]) -> list[DeliveryOutcome]:
    """The outcomes in Lambda's SNS event (`Records[].Sns.Message`), in order."""
    found = []
    for record in event.get("Records") or []:
        message = (record.get("Sns") or {}).get("Message") if isinstance(record, Mapping) else None
        outcome = delivery_outcome(message) if isinstance(message, str) else None
        if outcome is not None:
            found.append(outcome)
    return found


def delivery_outcome(message: str) -> DeliveryOutcome | None:
    """One SMS event (the SNS message's text); None when it is not an outcome about a request."""
    try:
        event = json.loads(message)
    except ValueError:
        _ignored("not_json")
        return None
    if not isinstance(event, Mapping):
        _ignored("not_an_object")
        return None
    event_type = event.get("eventType")
    if event_type not in SMS_DELIVERED_EVENTS and event_type not in SMS_UNDELIVERABLE_EVENTS:
        _ignored("not_an_outcome", eventType=str(event_type)[:64])
        return None
    found_context = event.get("context")
    context: Mapping[str, Any] = found_context if isinstance(found_context, Mapping) else {}
    request_id = context.get(SMS_CONTEXT_REQUEST_ID)
    message_id = event.get("messageId")
    timestamp = event.get("eventTimestamp")
    if not isinstance(request_id, str) or not is_request_id(request_id):
        _ignored("no_request", eventType=event_type)
        return None
    if not isinstance(message_id, str) or not message_id or not isinstance(timestamp, int | float):
        _ignored("incomplete", eventType=event_type)
        return None
    link_id = context.get(SMS_CONTEXT_LINK_ID)
    return DeliveryOutcome(
        request_id=request_id,
        message_id=message_id[:128],
        delivered=event_type in SMS_DELIVERED_EVENTS,
        status=event_type,
        at=datetime.fromtimestamp(timestamp / 1000, UTC),
        kind=_KINDS.get(str(context.get(SMS_CONTEXT_KIND))),
        link_id=link_id if isinstance(link_id, str) and link_id else None,
    )


def _ignored(why: str, **fields: str) -> None:
    log.warning("sms_event_ignored", why=why, **fields)
