"""Entities <-> table items: camelCase attributes, UTC ISO timestamps, None omitted."""

import re
from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal

import attrs
import pytest

from runtime.adapters.dynamo_converter import (
    ENTITY,
    converter,
    from_item,
    from_tagged_item,
    to_attributes,
    to_item,
)
from runtime.domain.model import (
    Answer,
    Event,
    EventType,
    FailureReason,
    IdempotencyRecord,
    Intent,
    IntentSource,
    LinkRecord,
    MessageSource,
    Notification,
    Outcome,
    PartnerResponse,
    Request,
    Reservation,
    Status,
)

KST = timezone(timedelta(hours=9))
T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
FIXED_WIDTH_UTC = re.compile(r"\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}\.\d{3}\+00:00")

RESERVATION = Reservation(
    reservation_number="TOUR-300303",
    customer_id="CUST-0003",
    customer_name="박지훈",
    customer_phone="+821000001002",
    partner_id="PTN-TOUR-BUSAN",
    partner_name="부산 바다 투어",
    partner_phone="+821000002003",
    service_type="투어",
    reservation_date="2026-12-10T09:00:00+09:00",
)
BARE_REQUEST = Request(
    request_id="0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f",
    customer_phone="+821000001002",
    reservation_number="TOUR-300303",
    query="투어 출발 시간을 오전으로 옮길 수 있나요",
    intent=Intent.CHANGE_RESERVATION,
    intent_source=IntentSource.FALLBACK,
    status=Status.CREATED,
    created_at=T0,
    updated_at=T0,
)
FULL_REQUEST = Request(
    request_id="0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f",
    customer_phone="+821000001002",
    reservation_number="TOUR-300303",
    query="투어 출발 시간을 오전으로 옮길 수 있나요",
    intent=Intent.CHANGE_RESERVATION,
    intent_source=IntentSource.LEX,
    status=Status.RESPONDED,
    created_at=T0,
    updated_at=datetime(2026, 11, 23, 15, 3, 20, 125_000, tzinfo=KST),
    customer_id="CUST-0003",
    partner_id="PTN-TOUR-BUSAN",
    partner_name="부산 바다 투어",
    partner_phone="+821000002003",
    service_type="투어",
    reservation_date="2026-12-10T09:00:00+09:00",
    task_token="AQCEAAAAKgAAAAMAAAAAAAAAAdZx" * 10,
    sms_sent_at=T0 + timedelta(seconds=2),
    response=PartnerResponse(
        answer=Answer.ALTERNATIVE,
        responded_at=T0 + timedelta(minutes=3),
        alternative_time=datetime(2026, 12, 10, 11, 0, tzinfo=KST),
    ),
    notification=Notification(
        message="파트너가 다른 시간을 제안했습니다.",
        at=T0 + timedelta(minutes=3, seconds=5),
        source=MessageSource.BEDROCK,
    ),
    failure_reason=None,
)
EVENT = Event(
    request_id="0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f",
    type=EventType.SMS_SENT,
    at=T0 + timedelta(seconds=2),
    details={"messageId": "5f3c1e0a-9b7d-4c2e-8f6a-1b3d5c7e9f0a"},
)
LINK = LinkRecord(
    token_id="3q2-7wEAAAA",
    request=attrs.evolve(BARE_REQUEST, partner_id="PTN-TOUR-BUSAN", partner_phone="+821000002011"),
    task_token="AQCEAAAAKgAAAAMAAAAAAAAAAf" + "x" * 600,
    expires_at=T0 + timedelta(minutes=10),
    used=True,
    sms_sent_at=T0 + timedelta(seconds=2),
)
IDEMPOTENCY = IdempotencyRecord(
    key="c4b1e2f0-5d6a-4e7b-8c9d-0a1b2c3d4e5f",
    request_id="0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f",
    fingerprint="a" * 64,
    expires_at=T0 + timedelta(hours=24),
)
ENTITIES = {
    "reservation": RESERVATION,
    "bare-request": BARE_REQUEST,
    "full-request": FULL_REQUEST,
    "failed-request": attrs.evolve(
        BARE_REQUEST, status=Status.FAILED, failure_reason=FailureReason.RESERVATION_NOT_MATCHED
    ),
    "event": EVENT,
    "event-without-details": Event(request_id="r", type=EventType.NOTIFIED, at=T0),
    "link": LINK,
    "idempotency": IDEMPOTENCY,
}


def _as_read_back(item: dict) -> dict:
    """What DynamoDB gives back: numbers as Decimal, plus the keys and ttl the repository adds."""
    return {
        **{k: Decimal(v) if isinstance(v, int) and not isinstance(v, bool) else v for k, v in item.items()},
        "PK": "REQ#0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f",
        "SK": "METADATA",
        "GSI2PK": "STATUS#Created#2026-11-23",
        "ttl": Decimal(1_795_500_000),
    }


@pytest.mark.parametrize("name", ENTITIES)
def test_every_entity_round_trips_through_its_item(name):
    entity = ENTITIES[name]
    assert from_item(to_item(entity), type(entity)) == entity


@pytest.mark.parametrize("name", ENTITIES)
def test_every_entity_round_trips_by_its_tag_with_keys_and_ttl_present(name):
    entity = ENTITIES[name]
    assert from_tagged_item(_as_read_back(to_item(entity))) == entity


@pytest.mark.parametrize(
    ("entity", "tag"),
    [
        (RESERVATION, "Reservation"),
        (BARE_REQUEST, "Request"),
        (EVENT, "Event"),
        (LINK, "LinkToken"),
        (IDEMPOTENCY, "Idempotency"),
    ],
)
def test_items_carry_their_entity_tag(entity, tag):
    assert to_item(entity)[ENTITY] == tag


def test_request_attributes_follow_the_reference_names():
    item = to_item(FULL_REQUEST)
    assert set(item) == {
        "entity",
        "requestId",
        "customerPhone",
        "reservationNumber",
        "query",
        "intent",
        "intentSource",
        "status",
        "createdAt",
        "updatedAt",
        "customerId",
        "partnerId",
        "partnerName",
        "partnerPhone",
        "serviceType",
        "reservationDate",
        "taskToken",
        "smsSentAt",
        "response",
        "notification",
        "attempt",
    }
    assert set(item["response"]) == {"answer", "respondedAt", "alternativeTime"}
    assert set(item["notification"]) == {"message", "at", "source"}


def test_reservation_attributes_follow_the_reference_names():
    assert set(to_item(RESERVATION)) == {
        "entity",
        "reservationNumber",
        "customerId",
        "customerName",
        "customerPhone",
        "partnerId",
        "partnerName",
        "partnerPhone",
        "serviceType",
        "reservationDate",
    }


def test_link_and_idempotency_attributes_are_camel_case():
    assert set(to_item(LINK)) == {
        "entity",
        "tokenId",
        "request",
        "taskToken",
        "expiresAt",
        "used",
        "smsSentAt",
    }
    assert to_item(LINK)["request"]["requestId"] == LINK.request_id
    assert set(to_item(IDEMPOTENCY)) == {"entity", "key", "requestId", "fingerprint", "expiresAt"}


def test_none_fields_are_omitted_not_stored_as_null():
    item = to_item(BARE_REQUEST)
    for absent in ("customerId", "partnerId", "partnerPhone", "taskToken", "response", "notification"):
        assert absent not in item
    assert None not in item.values()
    response = to_attributes(PartnerResponse(answer=Answer.ACCEPT, responded_at=T0))
    assert response == {"answer": "accept", "respondedAt": "2026-11-23T06:00:00.000+00:00"}


def test_enums_are_stored_as_their_plain_values():
    item = to_item(FULL_REQUEST)
    assert (item["status"], item["intent"], item["intentSource"]) == ("Responded", "ChangeReservation", "lex")
    assert item["response"]["answer"] == "alternative"
    assert item["notification"]["source"] == "bedrock"
    assert to_item(EVENT)["type"] == "SMSSent"
    assert to_item(ENTITIES["failed-request"])["failureReason"] == "ReservationNotMatched"


def test_datetimes_are_fixed_width_utc_iso_strings_to_the_millisecond():
    item = to_item(FULL_REQUEST)
    assert item["createdAt"] == "2026-11-23T06:00:00.000+00:00"
    assert item["updatedAt"] == "2026-11-23T06:03:20.125+00:00"  # 15:03:20.125 KST
    assert item["response"]["alternativeTime"] == "2026-12-10T02:00:00.000+00:00"  # 11:00 KST
    for value in (item["createdAt"], item["updatedAt"], item["smsSentAt"], item["notification"]["at"]):
        assert FIXED_WIDTH_UTC.fullmatch(value)


def test_stored_timestamps_sort_as_text_in_time_order():
    moments = [
        datetime(2026, 11, 23, 15, 0, 0, 5_000, tzinfo=KST),
        datetime(2026, 11, 23, 6, 0, 1, tzinfo=UTC),
        datetime(2026, 11, 23, 1, 0, 2, tzinfo=timezone(timedelta(hours=-5))),
    ]
    stored = [to_item(Event(request_id="r", type=EventType.CREATED, at=m))["at"] for m in moments]
    assert sorted(stored) == stored
    assert len({len(s) for s in stored}) == 1


def test_datetimes_read_back_as_timezone_aware_instants():
    read = from_item(to_item(FULL_REQUEST), Request)
    assert read.updated_at == FULL_REQUEST.updated_at
    assert read.updated_at.utcoffset() == timedelta(0)
    assert read.response is not None
    assert read.response.alternative_time == datetime(2026, 12, 10, 2, 0, tzinfo=UTC)


def test_decimal_numbers_structure_back_to_int():
    value = converter.structure(Decimal("1795500000"), int)
    assert value == 1_795_500_000
    assert type(value) is int


def test_an_unknown_entity_tag_is_not_guessed():
    with pytest.raises(KeyError):
        from_tagged_item({**to_item(EVENT), ENTITY: "Mystery"})


def test_a_redriven_request_keeps_its_attempt_and_earlier_messages_and_a_first_one_stores_none():
    told = Notification("파트너가 응답하지 않았습니다.", T0, MessageSource.TEMPLATE, Outcome.TIMEOUT)
    redriven = attrs.evolve(BARE_REQUEST, attempt=2, earlier_notifications=(told,))

    item = to_item(redriven)

    assert item["attempt"] == 2
    assert item["earlierNotifications"] == [
        {
            "message": told.message,
            "at": "2026-11-23T06:00:00.000+00:00",
            "source": "template",
            "outcome": "timeout",
        }
    ]
    assert from_item(item, Request) == redriven
    assert "earlierNotifications" not in to_item(BARE_REQUEST)
    assert from_item(to_item(BARE_REQUEST), Request).attempt == 1
