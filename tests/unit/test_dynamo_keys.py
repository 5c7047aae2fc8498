"""The single table's key layout (docs/architecture.md, "The table"), names from runtime/contract.py."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from runtime.adapters import dynamo_keys as keys
from runtime.contract import REQUEST_PREFIX, RESERVATION_INDEX, STATUS_INDEX, TABLE, KeyPrefix
from runtime.domain.model import EventType, Status

KST = timezone(timedelta(hours=9))
REQUEST_ID = "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f"
AT = datetime(2026, 11, 23, 6, 0, 1, 250_000, tzinfo=UTC)


def test_key_attribute_names_come_from_the_contract():
    assert (TABLE.partition_key, TABLE.sort_key, TABLE.ttl_attribute) == (keys.PK, keys.SK, keys.TTL)
    assert (keys.PK, keys.SK, keys.TTL) == ("PK", "SK", "ttl")
    assert (RESERVATION_INDEX.partition_key, RESERVATION_INDEX.sort_key) == ("GSI1PK", "GSI1SK")
    assert (STATUS_INDEX.partition_key, STATUS_INDEX.sort_key) == ("GSI2PK", "GSI2SK")


def test_request_key():
    assert keys.request_key(REQUEST_ID) == {"PK": f"REQ#{REQUEST_ID}", "SK": "METADATA"}


def test_event_key_shares_the_request_partition_and_sorts_by_time_then_type():
    assert keys.event_key(REQUEST_ID, AT, EventType.SMS_SENT) == {
        "PK": f"REQ#{REQUEST_ID}",
        "SK": "EVENT#2026-11-23T06:00:01.250+00:00#SMSSent",
    }


def test_event_sort_keys_order_events_by_time_whatever_timezone_they_were_given_in():
    created = keys.event_key(REQUEST_ID, datetime(2026, 11, 23, 15, 0, tzinfo=KST), EventType.CREATED)
    sms = keys.event_key(REQUEST_ID, datetime(2026, 11, 23, 6, 0, 0, 800_000, tzinfo=UTC), EventType.SMS_SENT)
    opened = keys.event_key(REQUEST_ID, datetime(2026, 11, 23, 15, 0, 30, tzinfo=KST), EventType.OPENED)
    responded = keys.event_key(REQUEST_ID, datetime(2026, 11, 23, 6, 2, tzinfo=UTC), EventType.RESPONDED)
    in_order = [created["SK"], sms["SK"], opened["SK"], responded["SK"]]
    assert sorted(in_order) == in_order
    assert all(sk.startswith(keys.EVENT_PREFIX) for sk in in_order)


def test_the_request_item_is_not_an_event_item():
    assert not keys.request_key(REQUEST_ID)["SK"].startswith(keys.EVENT_PREFIX)


def test_reservation_key_and_its_sparse_index_on_number_and_phone():
    assert keys.reservation_key("HTL-100101") == {"PK": "RES#HTL-100101", "SK": "METADATA"}
    assert keys.reservation_index("HTL-100101", "+821000001001") == {
        "GSI1PK": "RES#HTL-100101",
        "GSI1SK": "PHONE#+821000001001",
    }


@pytest.mark.parametrize(
    ("status", "at", "partition"),
    [
        (Status.CREATED, datetime(2026, 11, 23, 6, 0, tzinfo=UTC), "STATUS#Created#2026-11-23"),
        (Status.TIMEOUT, datetime(2026, 11, 23, 23, 59, 59, tzinfo=UTC), "STATUS#Timeout#2026-11-23"),
        # 08:30 KST on the 24th is still the 23rd in UTC, the day the stored timestamps use
        (Status.RESPONDED, datetime(2026, 11, 24, 8, 30, tzinfo=KST), "STATUS#Responded#2026-11-23"),
        (Status.SMS_SENT, datetime(2026, 12, 31, 15, 0, tzinfo=UTC), "STATUS#SMSSent#2026-12-31"),
    ],
)
def test_status_partition_is_bucketed_by_status_and_utc_day(status, at, partition):
    assert keys.status_partition(status, at) == {"GSI2PK": partition}


def test_status_sort_key_is_creation_time_then_request_id():
    assert keys.status_sort(datetime(2026, 11, 23, 15, 0, tzinfo=KST), REQUEST_ID) == {
        "GSI2SK": f"2026-11-23T06:00:00.000+00:00#{REQUEST_ID}"
    }


def test_unclear_messages_are_filed_by_kst_day_newest_last_in_key_order():
    late_evening_utc = datetime(2026, 11, 23, 16, 30, tzinfo=UTC)  # already 24 Nov in Korea
    key = keys.unclear_key(late_evening_utc, "0b6f3c1e")
    assert key == {"PK": "UNCLEAR#2026-11-24", "SK": "2026-11-23T16:30:00.000+00:00#0b6f3c1e"}
    assert keys.unclear_partition(late_evening_utc.astimezone(KST).date()) == {"PK": key["PK"]}
    assert key["PK"].startswith(KeyPrefix.UNCLEAR) and not key["PK"].startswith(REQUEST_PREFIX)
    later = keys.unclear_key(late_evening_utc + timedelta(seconds=1), "00000000")
    assert later["SK"] > key["SK"]


def test_link_and_idempotency_keys():
    assert keys.link_key("3q2-7wEAAAA") == {"PK": "TOKEN#3q2-7wEAAAA", "SK": "METADATA"}
    assert keys.idempotency_key("c4b1e2f0-5d6a-4e7b") == {"PK": "IDEM#c4b1e2f0-5d6a-4e7b", "SK": "METADATA"}


@pytest.mark.parametrize(
    ("moment", "text"),
    [
        (datetime(2026, 11, 23, 6, 0, tzinfo=UTC), "2026-11-23T06:00:00.000+00:00"),
        (datetime(2026, 11, 23, 15, 0, 0, 999_999, tzinfo=KST), "2026-11-23T06:00:00.999+00:00"),
        (datetime(2026, 1, 2, 3, 4, 5, 6_000, tzinfo=UTC), "2026-01-02T03:04:05.006+00:00"),
    ],
)
def test_timestamps_are_fixed_width_utc_to_the_millisecond(moment, text):
    assert keys.timestamp(moment) == text
    assert len(keys.timestamp(moment)) == 29
