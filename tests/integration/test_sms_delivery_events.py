"""SMS delivery outcomes end to end: the SMS stand-in reports each SMS to the stack's SMS events topic
(moto's SNS), the topic delivers to the delivery function as Lambda's subscription does, and what it
records moves the request: a Delivered entry, or an undeliverable link ending the partner's wait."""

from __future__ import annotations

import json
import time
from datetime import datetime

from local.sms_service import outcome_event
from runtime import bootstrap
from runtime.handlers import partner_page
from tests.integration.conftest import api_event, fail_calls
from tests.integration.flows import CUSTOMER, PARTNER_PHONE, link_token, submit, submit_and_wait_for_link

UNDELIVERABLE_RESERVATION = {"reservationNumber": "HTL-100111", "customerPhone": "010-0000-1011"}


def _told(stack, request_id, timeout=30.0):
    return stack.wait_for(
        lambda: (item := stack.request_item(request_id)).get("notification") and item, timeout
    )


def _report(stack, request_id, *, delivered, link_id, message_id, at=None):
    """Publish the service's event for one SMS of `request_id` to the stack's SMS events topic."""
    params = {
        "DestinationPhoneNumber": PARTNER_PHONE,
        "Context": {"requestId": request_id, "sms": "link", "linkId": link_id},
    }
    event = outcome_event(message_id, params, delivered=delivered)
    if at is not None:
        event["eventTimestamp"] = round(datetime.fromisoformat(at).timestamp() * 1000)
    stack.aws.client("sns").publish(TopicArn=stack.deployment.sms_events_topic_arn, Message=json.dumps(event))


def _answer(token, answer):
    return partner_page.handle(api_event("respond_post", body={"token": token, "response": answer}), None)


def test_a_delivered_link_goes_on_the_timeline_and_the_wait_goes_on(stack):
    request_id, _ = submit_and_wait_for_link(stack)
    [delivered] = stack.wait_for(lambda: stack.delivery_events(request_id))
    item = stack.request_item(request_id)
    assert item["status"] == "SMSSent" and "notification" not in item
    assert delivered["type"] == "Delivered"
    assert delivered["details"]["sms"] == "link" and delivered["details"]["status"] == "TEXT_DELIVERED"
    assert delivered["details"]["messageId"]
    assert PARTNER_PHONE not in json.dumps(delivered, default=str)
    assert [e["status"] for e in stack.executions()] == ["RUNNING"]


def test_an_undeliverable_link_ends_the_wait_at_once_with_one_message_and_the_operators_told(deploy):
    stack = deploy(partner_timeout_seconds=300)
    started = time.monotonic()
    request_id = submit(**UNDELIVERABLE_RESERVATION)["requestId"]
    final = _told(stack, request_id)

    assert time.monotonic() - started < 60  # long before the partner's 300 s
    assert (final["status"], final["failureReason"]) == ("Failed", "SmsUndeliverable")
    assert "전달되지 않아" in final["notification"]["message"]
    assert stack.event_types(request_id) == ["Created", "SMSSent", "Failed", "Notified"]
    [undeliverable] = stack.delivery_events(request_id)
    assert (undeliverable["type"], undeliverable["details"]["status"]) == (
        "Undeliverable",
        "TEXT_UNREACHABLE",
    )
    # The workflow's wait was failed from the record and its failure path ended it, telling once.
    stack.wait_for(lambda: [e["status"] for e in stack.executions()] == ["SUCCEEDED"])
    notes = stack.wait_for(lambda: stack.aws.operators_inbox(stack.deployment))
    assert [n["subject"] for n in notes] == [
        f"[partner-confirm {stack.deployment.stage}] request Failed (SmsUndeliverable)"
    ]
    assert len(stack.aws.outbox.messages()) == 1  # no reminder to a phone that cannot get one


def test_a_report_delivered_twice_changes_nothing_the_first_did_not(stack):
    request_id = submit(**UNDELIVERABLE_RESERVATION)["requestId"]
    _told(stack, request_id)
    stack.aws.wait_idle()
    before = (
        stack.request_item(request_id),
        stack.events(request_id),
        stack.aws.operators_inbox(stack.deployment),
    )
    [reported] = stack.delivery_events(request_id)
    # The same report again (same message, same time): SNS delivers at least once.
    _report(
        stack,
        request_id,
        delivered=False,
        link_id=before[0]["linkId"],
        message_id=reported["details"]["messageId"],
        at=reported["at"],
    )
    stack.aws.wait_idle()
    after = (
        stack.request_item(request_id),
        stack.events(request_id),
        stack.aws.operators_inbox(stack.deployment),
    )
    assert after == before
    assert len(before[1]) == 5  # Created, SMSSent, Undeliverable, Failed, Notified: nothing twice


def test_a_recorded_answer_wins_over_a_late_undeliverable(deploy):
    stack = deploy()
    stack.aws.sms.report_after_seconds = 3.0  # the carrier's report comes after the partner answered
    stack.aws.sms.undeliverable_phones.add(PARTNER_PHONE)
    request_id, token = submit_and_wait_for_link(stack)
    assert _answer(token, "accept")["statusCode"] == 200
    final = _told(stack, request_id)
    stack.wait_for(lambda: stack.delivery_events(request_id))
    stack.aws.wait_idle()
    assert final["status"] == "Responded" and stack.request_item(request_id)["status"] == "Responded"
    assert [e["type"] for e in stack.delivery_events(request_id)] == ["Undeliverable"]
    assert stack.aws.operators_inbox(stack.deployment) == []


def test_a_report_about_a_request_that_does_not_exist_writes_nothing(stack):
    stack.aws.wait_idle()
    before = stack.items("REQ#")
    _report(
        stack, "7d3f6a1e-0b2c-4d5e-8f90-123456789abc", delivered=True, link_id="no-link", message_id="m-1"
    )
    stack.aws.wait_idle()
    assert stack.items("REQ#") == before
    assert stack.dead_letters() == []


def test_a_report_the_table_refuses_for_a_while_is_retried_then_recorded(stack):
    request_id, _ = submit_and_wait_for_link(stack)
    stack.wait_for(lambda: stack.delivery_events(request_id))
    failures = fail_calls(
        bootstrap.client("dynamodb"), "TransactWriteItems", code="InternalServerError", status=500, times=3
    )
    link_id = stack.request_item(request_id)["linkId"]
    _report(stack, request_id, delivered=True, link_id=link_id, message_id="message-retried")
    stack.wait_for(lambda: len(stack.delivery_events(request_id)) == 2, timeout=20)
    assert failures[0] == 3  # one invocation's SDK attempts failed; Lambda's retry recorded it
    assert stack.dead_letters() == []


def test_every_sms_of_a_request_reports_on_its_own(deploy):
    stack = deploy(partner_timeout_seconds=4, reminder_after_seconds=2)
    request_id = submit(**CUSTOMER)["requestId"]
    link_token(stack, count=2)  # the link, then the reminder
    _told(stack, request_id)
    stack.wait_for(lambda: len(stack.delivery_events(request_id)) == 2)
    assert sorted(e["details"]["sms"] for e in stack.delivery_events(request_id)) == ["link", "reminder"]
    assert stack.request_item(request_id)["status"] == "Timeout"
