"""The limits where abuse happens, on the real handlers and the real table (moto), with the hand-offs
running: per reservation number (open requests, requests a KST day), per customer phone (unmatched
lookups an hour), per partner phone (SMS an hour). A refused submit stores nothing and texts nobody."""

from __future__ import annotations

import json
import uuid
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

from runtime.contract import Metric
from runtime.domain.limits import NO_LIMITS, Limits
from runtime.domain.messages import template_message
from runtime.domain.model import FailureReason, Intent, IntentSource, Outcome, Request, Status
from runtime.handlers import chat, partner_page
from tests.integration.conftest import api_event, body_of
from tests.integration.flows import CUSTOMER, link_token, link_token_for, submit

QUESTION = "체크인 날짜를 하루 미루고 싶어요"


def post(**fields: Any) -> dict[str, Any]:
    event = api_event(
        "chat_post",
        body={**CUSTOMER, "message": QUESTION, **fields},
        headers={"idempotency-key": f"limit-{uuid.uuid4()}"},
    )
    return chat.handle(event, None)


def requests_stored(stack) -> list[dict[str, Any]]:
    return [item for item in stack.items("REQ#") if item["SK"] == "METADATA"]


def test_a_fourth_open_request_for_one_reservation_is_429_and_stores_and_texts_nothing(stack):
    for _ in range(3):
        submit()
    stack.aws.wait_idle()
    texted = len(stack.aws.outbox.messages())

    refused = post()

    assert refused["statusCode"] == 429
    # The oldest open request ends by its due time at the latest: before this one's would (390 s).
    assert 0 < int(refused["headers"]["retry-after"]) <= 60 + 300 + 30
    error = body_of(refused)["error"]
    assert error["code"] == "TOO_MANY_OPEN_REQUESTS" and "3건" in error["message"]
    stack.aws.wait_idle()
    assert len(requests_stored(stack)) == 3
    assert len(stack.aws.outbox.messages()) == texted == 3


def test_a_request_frees_its_place_once_its_customer_is_told(stack):
    first = submit()["requestId"]
    for _ in range(2):
        submit()
    token = link_token_for(stack, first)
    assert post()["statusCode"] == 429

    # The partner answers the first request: it closes, and the customer's message frees its place.
    answer = api_event("respond_post", body={"token": token, "response": "accept"})
    assert partner_page.handle(answer, None)["statusCode"] == 200
    stack.wait_for(lambda: first not in _open_ids(stack))

    assert post()["statusCode"] == 201
    assert len(_open_ids(stack)) == 3


def test_the_eleventh_request_of_a_kst_day_is_429_until_kst_midnight(deploy):
    stack = deploy(
        limits=Limits(
            open_per_reservation=0, requests_per_reservation_per_day=10, unmatched_per_phone_per_hour=0
        )
    )
    for _ in range(10):
        submit()

    refused = post()

    assert refused["statusCode"] == 429
    assert body_of(refused)["error"]["code"] == "DAILY_LIMIT_REACHED"
    now = datetime.now(UTC).timestamp()
    seconds_to_kst_midnight = 86400 - (now + 9 * 3600) % 86400
    assert abs(int(refused["headers"]["retry-after"]) - seconds_to_kst_midnight) <= 2
    day = next(item for item in stack.items("LIMIT#RES#HTL-100101") if item["SK"].startswith("DAY#"))
    assert day["count"] == 10
    assert day["ttl"] > now


def test_a_burst_of_wrong_phone_guesses_gets_no_more_than_five_lookups(stack):
    """Counted at the submit, so guesses sent at once cannot outrun the lookups."""
    guesses = [f"HTL-{900000 + n}" for n in range(12)]
    with ThreadPoolExecutor(6) as pool:
        answers = list(pool.map(lambda number: post(reservationNumber=number), guesses))

    statuses = sorted(answer["statusCode"] for answer in answers)
    assert statuses == [201] * 5 + [429] * 7
    refused = [body_of(a)["error"] for a in answers if a["statusCode"] == 429]
    assert {error["code"] for error in refused} == {"TOO_MANY_LOOKUPS"}
    stack.aws.wait_idle()
    stored = requests_stored(stack)
    assert len(stored) == 5
    stack.wait_for(lambda: all(stack.request_item(r["requestId"])["status"] == "Failed" for r in stored))
    assert stack.aws.outbox.messages() == []
    # The phone's own reservation is refused too this hour: the limit cannot tell a guess from a typo.
    assert post()["statusCode"] == 429


def test_a_matched_request_does_not_count_as_an_unmatched_lookup(stack):
    for _ in range(3):
        submit()
    stack.aws.wait_idle()
    lookups = stack.items("LIMIT#PHONE#")
    assert [item.get("requestIds", set()) for item in lookups] == [set()]  # taken out by the SMS step
    for n in range(5):
        assert post(reservationNumber=f"HTL-90000{n}")["statusCode"] == 201


def test_a_partner_phone_past_its_hour_of_sms_fails_the_request_politely_and_is_counted(deploy):
    stack = deploy(limits=Limits(open_per_reservation=0, sms_per_partner_per_hour=1))
    first = submit()["requestId"]
    link_token(stack)
    second = submit()["requestId"]

    final = stack.wait_for(lambda: (item := stack.request_item(second)).get("notification") and item)

    assert final["status"] == "Failed"
    assert final["failureReason"] == str(FailureReason.PARTNER_SMS_LIMIT)
    assert final["notification"]["source"] == "template"
    assert final["notification"]["message"] == _partner_limit_message(second)
    assert "taskToken" not in final
    assert len(stack.aws.outbox.messages()) == 1
    assert stack.request_item(first)["status"] == "SMSSent"
    assert stack.event_types(second) == ["Created", "Failed", "Notified"]


def test_without_limits_nothing_is_counted_and_nothing_refused(deploy):
    stack = deploy(limits=NO_LIMITS)
    for _ in range(5):
        submit()
    stack.aws.wait_idle()
    assert stack.items("LIMIT#") == []
    assert len(stack.aws.outbox.messages()) == 5


def test_a_limit_refusal_is_a_metric_and_a_log_line_without_the_phone(stack, capsys):
    for _ in range(3):
        submit()
    capsys.readouterr()

    assert post()["statusCode"] == 429

    lines = [json.loads(line) for line in capsys.readouterr().out.splitlines() if line.startswith("{")]
    assert any(line.get(str(Metric.SUBMITS_LIMITED)) == 1 for line in lines)
    limited = next(line for line in lines if line.get("event") == "submit_limited")
    assert limited["limit"] == "OPEN" and limited["maximum"] == 3
    assert "01000001001" not in json.dumps(lines) and "+821000001001" not in json.dumps(lines)


def _open_ids(stack) -> set[str]:
    found = [item for item in stack.items("LIMIT#RES#HTL-100101") if item["SK"] == "OPEN"]
    return set(found[0].get("requestIds", set())) if found else set()


def _partner_limit_message(request_id: str) -> str:
    now = datetime.now(UTC)
    request = Request(
        request_id=request_id,
        customer_phone="+821000001001",
        reservation_number="HTL-100101",
        query=QUESTION,
        intent=Intent.CHANGE_RESERVATION,
        intent_source=IntentSource.LOCAL,
        status=Status.FAILED,
        created_at=now,
        updated_at=now,
        failure_reason=FailureReason.PARTNER_SMS_LIMIT,
    )
    return template_message(request, Outcome.FAILED)
