"""GET /api/confirm/{token} and POST /api/respond, with the real workflow waiting for the answer,
resumed from the recorded answer through the table's stream."""

import threading
import time
from datetime import UTC, datetime, timedelta

import pytest

from runtime import bootstrap
from runtime.domain.model import OPEN_STATUSES, Status
from runtime.handlers import partner_page, timeout
from tests.integration.conftest import api_event, body_of, fail_calls
from tests.integration.flows import SMS_RETRY_SECONDS, submit_and_wait_for_link


def confirm(token):
    return partner_page.handle(api_event("confirm_get", path_parameters={"token": token}), None)


def respond(body):
    return partner_page.handle(api_event("respond_post", body=body), None)


@pytest.fixture
def dynamodb_calls():
    calls = []
    bootstrap.client("dynamodb").meta.events.register(
        "before-call.dynamodb.*", lambda model, **_: calls.append(model.name)
    )
    return calls


def test_opening_shows_the_request_records_opened_once_and_keeps_the_link_usable(stack):
    request_id, token = submit_and_wait_for_link(stack)

    first, second = confirm(token), confirm(token)

    assert first["statusCode"] == second["statusCode"] == 200
    page = body_of(first)
    assert set(page) == {
        "status",
        "customerQuery",
        "intent",
        "intentLabel",
        "reservationNumber",
        "reservationDate",
        "serviceType",
        "partnerName",
    }
    assert request_id not in first["body"]  # the customer's timeline is not the link holder's
    assert page["customerQuery"] == "체크인 날짜를 하루 미루고 싶어요"
    assert page["intentLabel"] == "예약변경"
    assert page["reservationNumber"] == "HTL-100101"
    assert page["serviceType"] == "숙박"
    assert "partnerPhone" not in page and "customerPhone" not in page
    assert stack.event_types(request_id).count("Opened") == 1
    assert stack.request_item(request_id)["status"] == "Opened"
    assert stack.items("TOKEN#")[0]["used"] is False


def test_a_forged_link_is_refused_without_any_table_read(stack, dynamodb_calls):
    _, token = submit_and_wait_for_link(stack)
    stack.aws.wait_idle()
    forged = token[:-1] + ("A" if token[-1] != "A" else "B")
    dynamodb_calls.clear()

    result = confirm(forged)

    assert result["statusCode"] == 401
    assert body_of(result)["error"]["code"] == "LINK_INVALID"
    assert dynamodb_calls == []


def test_an_expired_link_is_refused_without_any_table_read(deploy, dynamodb_calls):
    stack = deploy(token_ttl_seconds=1)
    _, token = submit_and_wait_for_link(stack)
    stack.aws.wait_idle()
    stack.wait_for(
        lambda: datetime.now(UTC) > stack.aws.outbox.messages()[0].sent_at + timedelta(seconds=1.2)
    )
    dynamodb_calls.clear()

    result = confirm(token)

    assert result["statusCode"] == 401
    assert body_of(result)["error"]["code"] == "LINK_EXPIRED"
    assert dynamodb_calls == []


def test_accepting_resumes_the_workflow_and_the_customer_is_told(stack):
    request_id, token = submit_and_wait_for_link(stack)
    confirm(token)

    result = respond({"token": token, "response": "accept"})

    assert result["statusCode"] == 200
    assert body_of(result)["success"] is True
    final = stack.wait_for(lambda: (item := stack.request_item(request_id)).get("notification") and item)
    assert final["status"] == "Responded"
    assert final["response"]["answer"] == "accept"
    assert "수락" in final["notification"]["message"]
    assert stack.event_types(request_id) == ["Created", "SMSSent", "Opened", "Responded", "Notified"]
    assert stack.items("TOKEN#")[0]["used"] is True


def test_a_second_answer_gets_409_used(stack):
    _, token = submit_and_wait_for_link(stack)
    assert respond({"token": token, "response": "reject"})["statusCode"] == 200

    again = respond({"token": token, "response": "accept"})
    opened_again = confirm(token)

    assert again["statusCode"] == opened_again["statusCode"] == 409
    assert body_of(again)["error"]["message"] == "이미 응답한 링크입니다."


def test_of_many_simultaneous_answers_exactly_one_wins(stack):
    request_id, token = submit_and_wait_for_link(stack)
    statuses = []
    start = threading.Barrier(5)

    def answer():
        start.wait()
        statuses.append(respond({"token": token, "response": "accept"})["statusCode"])

    threads = [threading.Thread(target=answer) for _ in range(5)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    assert sorted(statuses) == [200, 409, 409, 409, 409]
    assert stack.event_types(request_id).count("Responded") == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"response": "maybe"}, "response"),
        ({"response": "alternative"}, "alternativeTime"),
        ({"response": "alternative", "alternativeTime": "내일 오후"}, "alternativeTime"),
        ({"response": "alternative", "alternativeTime": "2020-01-01T10:00:00+09:00"}, "alternativeTime"),
        ({"response": "accept", "token": ""}, "token"),
    ],
    ids=["unknown-response", "alternative-without-time", "unparsable-time", "past-time", "missing-token"],
)
def test_an_invalid_answer_gets_a_400_and_leaves_the_link_usable(stack, body, field):
    request_id, token = submit_and_wait_for_link(stack)

    result = respond({"token": token, **body})

    assert result["statusCode"] == 400
    assert body_of(result)["error"]["field"] == field
    assert stack.items("TOKEN#")[0]["used"] is False
    assert Status(stack.request_item(request_id)["status"]) in OPEN_STATUSES


def test_a_body_that_is_not_json_gets_a_400(stack):
    result = partner_page.handle(api_event("respond_post", raw_body="{token:"), None)
    assert result["statusCode"] == 400


def test_an_answer_recorded_while_the_workflow_is_unreachable_is_delivered_once_it_is(stack):
    """The partner's 200 stands: the stream retries the hand-off until Step Functions answers."""
    request_id, token = submit_and_wait_for_link(stack)
    failures = fail_calls(
        bootstrap.client("stepfunctions"), "SendTaskSuccess", code="ThrottlingException", status=400, times=4
    )

    answered = respond({"token": token, "response": "accept"})

    assert answered["statusCode"] == 200
    final = stack.wait_for(lambda: (item := stack.request_item(request_id)).get("notification") and item)
    assert failures[0] == 4
    assert final["status"] == "Responded"
    assert "수락" in final["notification"]["message"]
    assert stack.event_types(request_id).count("Responded") == 1


def test_an_answer_the_workflow_never_receives_is_still_what_the_customer_is_told(deploy):
    """The hand-off to the workflow fails for good; its wait times out; the timeout path reads the
    recorded answer, so the customer hears "accepted", never "no reply"."""
    stack = deploy(partner_timeout_seconds=2)
    request_id, token = submit_and_wait_for_link(stack)
    fail_calls(bootstrap.client("stepfunctions"), "SendTaskSuccess", code="ServiceUnavailable", status=503)

    assert respond({"token": token, "response": "accept"})["statusCode"] == 200

    # The reminder step finds the answer and cannot resume either: its retries, then HandleFailure.
    final = stack.wait_for(
        lambda: (item := stack.request_item(request_id)).get("notification") and item,
        timeout=SMS_RETRY_SECONDS,
    )
    assert final["status"] == "Responded"
    assert final["notification"]["outcome"] == "responded"
    assert "수락" in final["notification"]["message"]
    assert "Timeout" not in stack.event_types(request_id)


def test_an_answer_after_the_deadline_the_partner_was_shown_gets_409_time_is_up(deploy):
    stack = deploy(partner_timeout_seconds=2)
    request_id, token = submit_and_wait_for_link(stack)
    answer_by = datetime.fromisoformat(stack.request_item(request_id)["answerBy"])
    time.sleep(max(0.0, (answer_by - datetime.now(UTC)).total_seconds()) + 0.1)

    late = respond({"token": token, "response": "accept"})

    assert late["statusCode"] == 409
    assert body_of(late)["error"]["code"] == "REQUEST_CLOSED"
    assert "응답 시간이 지났습니다" in body_of(late)["error"]["message"]
    assert "response" not in stack.request_item(request_id)
    final = stack.wait_for(lambda: (item := stack.request_item(request_id)).get("notification") and item)
    assert final["status"] == "Timeout"


def test_a_late_answer_cannot_overwrite_timeout(deploy):
    stack = deploy(partner_timeout_seconds=2)
    request_id, token = submit_and_wait_for_link(stack)
    stack.wait_for(lambda: stack.request_item(request_id).get("notification"))

    late = respond({"token": token, "response": "accept"})
    opened = confirm(token)

    assert late["statusCode"] == opened["statusCode"] == 409
    assert "응답 시간이 지났습니다" in body_of(opened)["error"]["message"]
    item = stack.request_item(request_id)
    assert item["status"] == "Timeout"
    assert "response" not in item
    assert stack.event_types(request_id) == ["Created", "SMSSent", "Reminded", "Timeout", "Notified"]


def test_a_late_timeout_cannot_overwrite_responded(stack):
    request_id, token = submit_and_wait_for_link(stack)
    respond({"token": token, "response": "accept"})
    stack.wait_for(lambda: stack.request_item(request_id).get("notification"))

    result = timeout.handle({"requestId": request_id, "error": {"Error": "States.Timeout"}}, None)

    assert result["outcome"] == "responded"
    assert result["response"]["answer"] == "accept"
    assert stack.request_item(request_id)["status"] == "Responded"
    assert "Timeout" not in stack.event_types(request_id)
