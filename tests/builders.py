"""Small factories for domain objects, with sensible defaults a test overrides by keyword."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs

from runtime.domain.model import Intent, IntentSource, LinkRecord, Request, Reservation, Status

CUSTOMER_PHONE = "+821000001001"
PARTNER_PHONE = "+821000002001"
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)


def reservation(**changes: object) -> Reservation:
    base = Reservation(
        reservation_number="HTL-100101",
        customer_id="CUST-0001",
        customer_name="김민준",
        customer_phone=CUSTOMER_PHONE,
        partner_id="PTN-HOTEL-SEOUL",
        partner_name="서울 한강 호텔",
        partner_phone=PARTNER_PHONE,
        service_type="숙박",
        reservation_date="2026-12-24T15:00:00+09:00",
    )
    return attrs.evolve(base, **changes)


def request(**changes: object) -> Request:
    base = Request(
        request_id="0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f",
        customer_phone=CUSTOMER_PHONE,
        reservation_number="HTL-100101",
        query="체크인 날짜를 하루 미루고 싶어요",
        intent=Intent.CHANGE_RESERVATION,
        intent_source=IntentSource.LEX,
        status=Status.CREATED,
        created_at=T0,
        updated_at=T0,
    )
    return attrs.evolve(base, **changes)


def assigned_request(**changes: object) -> Request:
    """A request the orchestrator has matched to its partner."""
    return attrs.evolve(request().with_partner(reservation()), **changes)


def link(**changes: object) -> LinkRecord:
    """The record of a link texted for `assigned_request()`."""
    base = LinkRecord(
        token_id="3q2-7wEAAAAAAAAA",
        request=assigned_request(),
        task_token="task-token-1",
        expires_at=T0 + timedelta(minutes=10),
    )
    return attrs.evolve(base, **changes)


def submission(**changes: object) -> dict[str, object]:
    return {
        "customerPhone": "010-0000-1001",
        "reservationNumber": "HTL-100101",
        "message": "체크인 날짜를 하루 미루고 싶어요",
        **changes,
    }
