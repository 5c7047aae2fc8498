"""Key layout of the single table (docs/architecture.md, "The table"). Names come from runtime/contract.py."""

from __future__ import annotations

from datetime import UTC, date, datetime

from runtime.contract import METADATA, REQUEST_PREFIX, RESERVATION_INDEX, STATUS_INDEX, TABLE, KeyPrefix
from runtime.domain.kst import KST
from runtime.domain.limits import Quota, Subject
from runtime.domain.model import EventType, Status

PK, SK = TABLE.partition_key, TABLE.sort_key
TTL = TABLE.ttl_attribute
EVENT_PREFIX = "EVENT#"
# A request's due marker: in the status index under its due day until the customer is told.
DUE = "DUE"
DUE_PREFIX = "DUE#"


def timestamp(moment: datetime) -> str:
    """Fixed-width UTC ISO 8601, so sort keys order by time."""
    return moment.astimezone(UTC).isoformat(timespec="milliseconds")


def request_key(request_id: str) -> dict[str, str]:
    return {PK: f"{REQUEST_PREFIX}{request_id}", SK: METADATA}


def event_key(request_id: str, at: datetime, event_type: EventType) -> dict[str, str]:
    return {PK: f"{REQUEST_PREFIX}{request_id}", SK: f"{EVENT_PREFIX}{timestamp(at)}#{event_type}"}


def reservation_key(reservation_number: str) -> dict[str, str]:
    return {PK: f"{KeyPrefix.RESERVATION}{reservation_number}", SK: METADATA}


def reservation_index(reservation_number: str, customer_phone: str) -> dict[str, str]:
    return {
        RESERVATION_INDEX.partition_key: f"{KeyPrefix.RESERVATION}{reservation_number}",
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
    return {PK: f"{KeyPrefix.LINK}{token_id}", SK: METADATA}


def idempotency_key(key: str) -> dict[str, str]:
    return {PK: f"{KeyPrefix.IDEMPOTENCY}{key}", SK: METADATA}


def unclear_partition(day: date) -> dict[str, str]:
    """Unclear messages of one KST day: the day operators ask for, one partition each."""
    return {PK: f"{KeyPrefix.UNCLEAR}{day.isoformat()}"}


def unclear_key(at: datetime, message_id: str) -> dict[str, str]:
    return {**unclear_partition(at.astimezone(KST).date()), SK: f"{timestamp(at)}#{message_id}"}


# A limit's items: one partition per reservation number, customer phone or partner phone; one item
# per window (and one holding a reservation's open requests).
_LIMIT_PREFIX = {
    Subject.RESERVATION: KeyPrefix.RESERVATION_LIMIT,
    Subject.CUSTOMER_PHONE: KeyPrefix.PHONE_LIMIT,
    Subject.PARTNER_PHONE: KeyPrefix.PARTNER_LIMIT,
}


def limit_key(quota: Quota) -> dict[str, str]:
    """`LIMIT#RES#HTL-100101 / OPEN`, `LIMIT#RES#HTL-100101 / DAY#2026-12-01`, `LIMIT#PHONE#+8210... /
    UNMATCHED#2026-12-01T14`, `LIMIT#PARTNER#+8210... / SMS#2026-12-01T14` (KST)."""
    sort = str(quota.kind) if quota.window is None else f"{quota.kind}#{quota.window.label}"
    return {PK: f"{_LIMIT_PREFIX[quota.kind.subject]}{quota.subject}", SK: sort}
