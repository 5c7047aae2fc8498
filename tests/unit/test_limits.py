"""The limits' windows, quotas and keys (runtime/domain/limits.py, the table's keys for them)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import attrs
import pytest

from runtime.adapters.dynamo_keys import limit_key
from runtime.contract import KeyPrefix
from runtime.domain.limits import (
    LIMIT_ITEM_GRACE,
    NO_LIMITS,
    Kind,
    Limits,
    kst_day,
    kst_hour,
    open_request_of,
    partner_sms,
    submit_quotas,
    unmatched_lookups,
)
from tests.builders import assigned_request, request

WINDOW = timedelta(seconds=300)
T = datetime(2026, 11, 30, 14, 59, 30, tzinfo=UTC)  # 23:59:30 KST


def test_a_kst_day_ends_at_kst_midnight():
    day = kst_day(T)
    assert day.label == "2026-11-30"
    assert day.ends_at == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)
    assert kst_day(T + timedelta(seconds=30)).label == "2026-12-01"


def test_an_hour_is_labelled_in_kst_and_ends_on_the_hour():
    hour = kst_hour(T)
    assert hour.label == "2026-11-30T23"
    assert hour.ends_at == datetime(2026, 11, 30, 15, 0, tzinfo=UTC)


def test_a_submit_fits_in_its_reservations_open_and_day_quotas_and_its_phones_lookups():
    made = request(created_at=T, updated_at=T, due_at=T + timedelta(minutes=7))
    open_, day, lookups = submit_quotas(made, Limits(), partner_timeout=WINDOW)

    assert (open_.kind, open_.subject, open_.maximum, open_.member) == (
        Kind.OPEN_REQUESTS,
        "HTL-100101",
        3,
        made.request_id,
    )
    assert open_.retry_after_seconds(T) == 7 * 60  # the due time: the oldest open request ends before
    assert open_.expires_at == made.due_at + LIMIT_ITEM_GRACE
    assert (day.kind, day.maximum, day.member) == (Kind.REQUESTS_PER_DAY, 10, None)
    assert day.retry_after_seconds(T) == 30
    assert (lookups.kind, lookups.subject, lookups.maximum) == (
        Kind.UNMATCHED_LOOKUPS,
        made.customer_phone,
        5,
    )
    assert lookups.retry_after_seconds(T) == 30


def test_limits_of_zero_are_left_out():
    assert submit_quotas(request(), NO_LIMITS, partner_timeout=WINDOW) == ()
    assert submit_quotas(request(), Limits(requests_per_reservation_per_day=0), partner_timeout=WINDOW)[
        1
    ].kind is (Kind.UNMATCHED_LOOKUPS)
    assert partner_sms(assigned_request(), NO_LIMITS, at=T) is None


def test_a_partner_sms_counts_in_the_hour_it_is_sent_and_a_lookup_in_the_hour_of_the_request():
    made = assigned_request(created_at=T - timedelta(hours=2))
    texted = partner_sms(made, Limits(), at=T)
    assert texted is not None
    assert (texted.subject, texted.window.label, texted.member) == (
        "+821000002001",
        "2026-11-30T23",
        made.request_id,
    )
    assert unmatched_lookups(made, Limits()).window.label == "2026-11-30T21"


def test_a_closed_request_frees_the_place_it_took():
    made = request(created_at=T, updated_at=T, due_at=T + timedelta(minutes=7))
    assert limit_key(open_request_of(made)) == limit_key(
        submit_quotas(made, Limits(), partner_timeout=WINDOW)[0]
    )
    assert open_request_of(made).member == made.request_id


def test_each_limit_has_its_own_item_under_its_subjects_prefix():
    made = attrs.evolve(assigned_request(), created_at=T, updated_at=T)
    open_, day, lookups = submit_quotas(made, Limits(), partner_timeout=WINDOW)
    texted = partner_sms(made, Limits(), at=T)
    assert limit_key(open_) == {"PK": f"{KeyPrefix.RESERVATION_LIMIT}HTL-100101", "SK": "OPEN"}
    assert limit_key(day) == {"PK": f"{KeyPrefix.RESERVATION_LIMIT}HTL-100101", "SK": "DAY#2026-11-30"}
    assert limit_key(lookups) == {
        "PK": f"{KeyPrefix.PHONE_LIMIT}+821000001001",
        "SK": "UNMATCHED#2026-11-30T23",
    }
    assert limit_key(texted) == {"PK": f"{KeyPrefix.PARTNER_LIMIT}+821000002001", "SK": "SMS#2026-11-30T23"}


def test_retry_after_is_at_least_a_second_and_rounds_up():
    day = submit_quotas(request(created_at=T, updated_at=T), Limits(), partner_timeout=WINDOW)[1]
    assert day.retry_after_seconds(day.frees_at) == 1
    assert day.retry_after_seconds(day.frees_at - timedelta(milliseconds=1500)) == 2


@pytest.mark.parametrize("field", ["open_per_reservation", "sms_per_partner_per_hour"])
def test_a_negative_limit_is_refused(field):
    with pytest.raises(ValueError, match=field):
        Limits(**{field: -1})
