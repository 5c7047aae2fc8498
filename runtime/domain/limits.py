"""Limits where abuse happens: how many requests one reservation number may have, how many lookups one
customer phone may waste, how many SMS one partner phone may receive.

Each limit is checked and counted by the write that does the thing it limits, as a condition on a
small item of the table (see the repository), so a limit costs no call of its own and cannot be
raced past. A limit of 0 is no limit.

- open requests per reservation number: the item holds the ids of the reservation's open requests
  (added by the customer's submit, removed when the request closes);
- requests per reservation number per KST day: a counter per day;
- unmatched lookups per customer phone per hour: the ids of the phone's requests not (yet) matched
  to a reservation; the submit adds one, the SMS step removes it once the request reached its partner,
  so what stays is a lookup that found nothing (counted from the submit on, so a burst of guesses
  cannot outrun the lookups);
- SMS per partner phone per hour: the ids of the requests texted to that phone (a retried SMS step of
  the same request counts once).
"""

from __future__ import annotations

import enum
from datetime import datetime, timedelta

import attrs

from runtime.domain.kst import KST
from runtime.domain.model import Request

# A limit's item outlives its window by this much, then the table's TTL removes it.
LIMIT_ITEM_GRACE = timedelta(hours=1)


class Subject(enum.StrEnum):
    RESERVATION = "reservation"
    CUSTOMER_PHONE = "customerPhone"
    PARTNER_PHONE = "partnerPhone"


class Kind(enum.StrEnum):
    """What is limited. The value names what the limit's item counts (its sort key)."""

    OPEN_REQUESTS = "OPEN"
    REQUESTS_PER_DAY = "DAY"
    UNMATCHED_LOOKUPS = "UNMATCHED"
    PARTNER_SMS = "SMS"

    @property
    def subject(self) -> Subject:
        return _SUBJECTS[self]

    @property
    def keeps_ids(self) -> bool:
        """Whether the item holds request ids (removable, idempotent) rather than a plain count."""
        return self is not Kind.REQUESTS_PER_DAY


_SUBJECTS = {
    Kind.OPEN_REQUESTS: Subject.RESERVATION,
    Kind.REQUESTS_PER_DAY: Subject.RESERVATION,
    Kind.UNMATCHED_LOOKUPS: Subject.CUSTOMER_PHONE,
    Kind.PARTNER_SMS: Subject.PARTNER_PHONE,
}


def _not_negative(instance: object, attribute: attrs.Attribute[int], value: int) -> None:
    if value < 0:
        raise ValueError(f"{attribute.name} must be 0 (no limit) or more, got {value}")


@attrs.frozen
class Limits:
    """The stack's limits (0: none)."""

    open_per_reservation: int = attrs.field(default=3, validator=_not_negative)
    requests_per_reservation_per_day: int = attrs.field(default=10, validator=_not_negative)
    unmatched_per_phone_per_hour: int = attrs.field(default=5, validator=_not_negative)
    sms_per_partner_per_hour: int = attrs.field(default=20, validator=_not_negative)


NO_LIMITS = Limits(0, 0, 0, 0)


@attrs.frozen
class Window:
    """A fixed window of a limit: its label (in the item's key) and when it ends."""

    label: str
    ends_at: datetime


def kst_day(at: datetime) -> Window:
    local = at.astimezone(KST)
    start = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return Window(local.date().isoformat(), start + timedelta(days=1))


def kst_hour(at: datetime) -> Window:
    start = at.astimezone(KST).replace(minute=0, second=0, microsecond=0)
    return Window(start.strftime("%Y-%m-%dT%H"), start + timedelta(hours=1))


@attrs.frozen
class Quota:
    """One limit, applied to one subject by one write.

    `member`: the request this write adds (or removes) when the limit keeps ids. `frees_at`: when
    the limit lets a refused request through again, at the latest (what Retry-After says).
    `expires_at`: when the limit's item may be deleted (the table's TTL)."""

    kind: Kind
    subject: str
    maximum: int
    frees_at: datetime
    expires_at: datetime
    window: Window | None = None
    member: str | None = None

    def retry_after_seconds(self, now: datetime) -> int:
        return max(1, int((self.frees_at - now).total_seconds() + 0.999))


def submit_quotas(request: Request, limits: Limits, *, partner_timeout: timedelta) -> tuple[Quota, ...]:
    """What a new request must fit in: its reservation's open requests and day, its phone's lookups."""
    now = request.created_at
    quotas = []
    if limits.open_per_reservation:
        quotas.append(open_requests(request, limits, partner_timeout=partner_timeout))
    if limits.requests_per_reservation_per_day:
        day = kst_day(now)
        quotas.append(
            Quota(
                Kind.REQUESTS_PER_DAY,
                request.reservation_number,
                limits.requests_per_reservation_per_day,
                frees_at=day.ends_at,
                expires_at=day.ends_at + LIMIT_ITEM_GRACE,
                window=day,
            )
        )
    if limits.unmatched_per_phone_per_hour:
        quotas.append(unmatched_lookups(request, limits))
    return tuple(quotas)


def open_requests(request: Request, limits: Limits, *, partner_timeout: timedelta) -> Quota:
    """A place frees when the oldest open request closes: by its due time at the latest, which is
    before this request's (`request.due_at`, the whole partner window and its allowances)."""
    due = request.due_at or request.created_at + partner_timeout
    return Quota(
        Kind.OPEN_REQUESTS,
        request.reservation_number,
        limits.open_per_reservation,
        frees_at=due,
        expires_at=max(due, request.created_at) + LIMIT_ITEM_GRACE,
        member=request.request_id,
    )


def open_request_of(request: Request) -> Quota:
    """The request's place among its reservation's open requests (to free it once the request closed)."""
    due = request.due_at or request.created_at
    return Quota(
        Kind.OPEN_REQUESTS,
        request.reservation_number,
        maximum=0,
        frees_at=request.created_at,
        expires_at=max(due, request.created_at) + LIMIT_ITEM_GRACE,
        member=request.request_id,
    )


def unmatched_lookups(request: Request, limits: Limits) -> Quota:
    """The lookups of the request's customer phone in the hour the request was made."""
    hour = kst_hour(request.created_at)
    return Quota(
        Kind.UNMATCHED_LOOKUPS,
        request.customer_phone,
        limits.unmatched_per_phone_per_hour,
        frees_at=hour.ends_at,
        expires_at=hour.ends_at + LIMIT_ITEM_GRACE,
        window=hour,
        member=request.request_id,
    )


def partner_sms(request: Request, limits: Limits, *, at: datetime) -> Quota | None:
    """The SMS its partner's phone received in the hour this one is sent (None: no limit)."""
    if not limits.sms_per_partner_per_hour or request.partner_phone is None:
        return None
    hour = kst_hour(at)
    return Quota(
        Kind.PARTNER_SMS,
        request.partner_phone,
        limits.sms_per_partner_per_hour,
        frees_at=hour.ends_at,
        expires_at=hour.ends_at + LIMIT_ITEM_GRACE,
        window=hour,
        member=request.request_id,
    )
