"""Times people read are Korean time (KST, UTC+9, no daylight saving); API times carry the +09:00 offset."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from runtime.domain.kst import format_kst, iso_kst

NEW_YORK_WINTER = timezone(timedelta(hours=-5))


@pytest.mark.parametrize(
    ("moment", "shown"),
    [
        # 2026-12-01 is a Tuesday; 06:30 UTC is 15:30 KST.
        (datetime(2026, 12, 1, 6, 30, tzinfo=UTC), "12월 1일(화) 오후 3시 30분"),
        (datetime(2026, 12, 1, 6, 0, tzinfo=UTC), "12월 1일(화) 오후 3시"),
        (datetime(2026, 12, 1, 0, 5, tzinfo=UTC), "12월 1일(화) 오전 9시 5분"),
        # midnight KST is 오전 12시, noon KST is 오후 12시
        (datetime(2026, 11, 30, 15, 0, tzinfo=UTC), "12월 1일(화) 오전 12시"),
        (datetime(2026, 12, 1, 3, 0, tzinfo=UTC), "12월 1일(화) 오후 12시"),
        (datetime(2026, 12, 1, 2, 59, tzinfo=UTC), "12월 1일(화) 오전 11시 59분"),
        (datetime(2026, 12, 1, 14, 59, tzinfo=UTC), "12월 1일(화) 오후 11시 59분"),
        # the UTC evening of 31 Dec is already New Year's Day (a Friday) in Korea
        (datetime(2026, 12, 31, 15, 0, tzinfo=UTC), "1월 1일(금) 오전 12시"),
        (datetime(2026, 12, 24, 10, 0, tzinfo=timezone(timedelta(hours=9))), "12월 24일(목) 오전 10시"),
        (datetime(2026, 11, 22, 16, 0, tzinfo=NEW_YORK_WINTER), "11월 23일(월) 오전 6시"),
    ],
)
def test_format_kst_shows_korean_time_with_weekday_and_half_day(moment, shown):
    assert format_kst(moment) == shown


def test_format_kst_omits_seconds():
    assert format_kst(datetime(2026, 12, 1, 6, 30, 59, tzinfo=UTC)) == "12월 1일(화) 오후 3시 30분"


@pytest.mark.parametrize(
    ("moment", "iso"),
    [
        (datetime(2026, 12, 1, 6, 30, tzinfo=UTC), "2026-12-01T15:30:00+09:00"),
        (datetime(2026, 12, 31, 15, 0, 1, 999_999, tzinfo=UTC), "2027-01-01T00:00:01+09:00"),
        (datetime(2026, 11, 22, 16, 0, tzinfo=NEW_YORK_WINTER), "2026-11-23T06:00:00+09:00"),
    ],
)
def test_iso_kst_is_iso_8601_to_the_second_with_the_korean_offset(moment, iso):
    assert iso_kst(moment) == iso
    assert datetime.fromisoformat(iso_kst(moment)) == moment.replace(microsecond=0)
