"""Key layout of the single table (DESIGN §5). Attribute names come from the shared contract."""

from __future__ import annotations

from datetime import UTC, date, datetime

from runtime.contract import METADATA, REQUEST_PREFIX, RESERVATION_INDEX, STATUS_INDEX, TABLE
from runtime.domain.model import EventType, Status
from runtime.domain.time import KST

PK, SK = TABLE.partition_key, TABLE.sort_key
TTL = TABLE.ttl_attribute
EVENT_PREFIX = "EVENT#"
# A request's due marker: in the status index under its due day until the customer is told.
DUE = "DUE"
DUE_PREFIX = "DUE#"
UNCLEAR_PREFIX = "UNCLEAR#"


def timestamp(moment: datetime) -> str:
    """Fixed-width UTC ISO 8601, so sort keys order by time."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def request_key(request_id: str) -> dict[str, str]:
    return {PK: f"{REQUEST_PREFIX}{request_id}", SK: METADATA}


def event_key(request_id: str, at: datetime, event_type: EventType) -> dict[str, str]:
    return {PK: f"{REQUEST_PREFIX}{request_id}", SK: f"{EVENT_PREFIX}{timestamp(at)}#{event_type}"}


def reservation_key(reservation_number: str) -> dict[str, str]:
    return {PK: f"RES#{reservation_number}", SK: METADATA}


def reservation_index(reservation_number: str, customer_phone: str) -> dict[str, str]:
    return {
        RESERVATION_INDEX.partition_key: f"RES#{reservation_number}",
        RESERVATION_INDEX.sort_key: f"PHONE#{customer_phone}",
    }


def status_partition(status: Status, at: datetime) -> dict[str, str]:
    """Monitoring index partition: one per status and UTC day of the change, so none runs hot."""
    return {STATUS_INDEX.partition_key: status_day_partition(status, at.astimezone(UTC).date())}


def status_day_partition(status: Status, day: date) -> str:
    """The monitoring index partition of the requests that reached `status` on `day` (UTC)."""
    return f"STATUS#{status}#{day.isoformat()}"


def status_sort(created_at: datetime, request_id: str) -> dict[str, str]:
    return {STATUS_INDEX.sort_key: f"{timestamp(created_at)}#{request_id}"}


def due_key(request_id: str) -> dict[str, str]:
    return {PK: f"{REQUEST_PREFIX}{request_id}", SK: DUE}


def due_index(due_at: datetime, request_id: str) -> dict[str, str]:
    """The marker's place in the status index: one partition per UTC day, sorted by due time, so the
    sweeper reads exactly the overdue ones with a key condition."""
    return {
        STATUS_INDEX.partition_key: due_partition(due_at.astimezone(UTC).date().isoformat()),
        STATUS_INDEX.sort_key: f"{timestamp(due_at)}#{request_id}",
    }


def due_partition(day: str) -> str:
    return f"{DUE_PREFIX}{day}"


def link_key(token_id: str) -> dict[str, str]:
    return {PK: f"TOKEN#{token_id}", SK: METADATA}


def idempotency_key(key: str) -> dict[str, str]:
    return {PK: f"IDEM#{key}", SK: METADATA}


def unclear_partition(day: date) -> dict[str, str]:
    """Unclear messages of one KST day: the day operators ask for, one partition each."""
    return {PK: f"{UNCLEAR_PREFIX}{day.isoformat()}"}


def unclear_key(at: datetime, message_id: str) -> dict[str, str]:
    return {**unclear_partition(at.astimezone(KST).date()), SK: f"{timestamp(at)}#{message_id}"}
