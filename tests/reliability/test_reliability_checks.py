"""Each `make reliability` check, small: a failed row fails the test with what went wrong."""

import pytest

from definitions.routes import ROUTES
from reliability.__main__ import QUICK
from reliability.abuse import (
    check_around_the_site,
    check_reservation_flood,
    check_rotation,
    check_wrong_phone_guesses,
)
from reliability.api_fuzz import check_api_fuzz
from reliability.crashes import POINTS, check_crash_point
from reliability.fault_checks import FAULT_CHECKS
from reliability.load import check_load
from reliability.races import check_respond_race, check_submit_race
from reliability.report import Row
from reliability.tokens import check_tokens


def passed(row: Row) -> bool:
    assert row.passed, f"{row.name}: {row.figure}\n" + "\n".join(row.problems[:20])
    return True


def test_forged_and_mutated_tokens_get_401_and_closed_links_409_never_a_5xx(product):
    row = check_tokens(product, count=QUICK.tokens)

    assert passed(row)
    assert f"{QUICK.tokens} tokens" in row.figure and "0 5xx" in row.figure


def test_fifty_answers_on_one_link_complete_the_task_once(product):
    row = check_respond_race(product, concurrency=QUICK.answer_race)

    assert passed(row)
    assert row.figure.startswith(f"1×200, {QUICK.answer_race - 1}×409; SendTaskSuccess ×1")


def test_twenty_submits_with_one_idempotency_key_make_one_request_and_one_sms(product):
    row = check_submit_race(product, concurrency=QUICK.submit_race)

    assert passed(row)
    assert "1 request stored, 1 SMS" in row.figure


@pytest.mark.parametrize("check", FAULT_CHECKS, ids=lambda check: check.__name__)
def test_every_fault_ends_each_request_once_with_one_notification(product, check):
    assert passed(check(product))


@pytest.mark.parametrize("point", POINTS, ids=lambda point: point.name)
def test_a_crash_at_each_point_loses_nothing(product, point):
    row = check_crash_point(product, point, flows=QUICK.crash_flows)

    assert passed(row)
    assert not row.figure.startswith("0 fired")


def test_twenty_flows_at_once_lose_and_double_nothing(product):
    row = check_load(product, flows=QUICK.flows, concurrency=QUICK.concurrency)

    assert passed(row)
    assert row.figure.startswith("0 lost, 0 duplicate SMS, 0 duplicate notices")


def test_schemathesis_finds_no_server_error_and_every_4xx_in_the_error_shape(product):
    row = check_api_fuzz(product, examples=QUICK.fuzz_examples)

    assert passed(row)
    assert f"on {len(ROUTES)} operations" in row.figure  # every route of the API, fuzzed


def test_a_flood_of_submits_for_one_reservation_gets_no_more_requests_or_sms_than_its_limits(product):
    row = check_reservation_flood(product, submits=QUICK.flood_submits)

    assert passed(row)
    assert row.figure.startswith(f"3×201, {QUICK.flood_submits - 3}×429 at once")
    assert "10 requests, 10 SMS in the KST day, then 429" in row.figure


def test_wrong_phone_guesses_get_no_more_lookups_than_the_limit(product):
    row = check_wrong_phone_guesses(product, guesses=QUICK.guesses)

    assert passed(row)
    assert "0 SMS" in row.figure


def test_every_route_called_around_the_site_is_403(product):
    row = check_around_the_site(product)

    assert passed(row)
    assert "0×403" not in row.figure and "×403" in row.figure


def test_a_link_works_across_one_rotation_and_not_two(product):
    row = check_rotation(product)

    assert passed(row)
    assert row.figure.startswith("after one: 200; after two: 401 LINK_INVALID")
