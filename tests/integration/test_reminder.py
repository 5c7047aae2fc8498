"""The partner's wait in two phases on the real state machine: one reminder with the same link."""

import re

from runtime import bootstrap
from runtime.domain.model import MessageSource, Notification, Outcome, Status
from runtime.handlers import partner_page
from tests.builders import request
from tests.integration.conftest import api_event, body_of
from tests.integration.flows import PARTNER_PHONE, submit

LINK = re.compile(r"https?://\S+/r/\S+")


def _texts(stack, count):
    return stack.wait_for(lambda: len(stack.aws.outbox.messages()) >= count and stack.aws.outbox.messages())


def test_a_silent_partner_is_reminded_once_with_the_same_link_then_the_request_times_out(deploy):
    stack = deploy(partner_timeout_seconds=4, reminder_after_seconds=2)
    request_id = submit()["requestId"]

    final = stack.wait_for(lambda: (item := stack.request_item(request_id)).get("notification") and item)

    first, reminder = stack.aws.outbox.messages()
    assert first.to == reminder.to == PARTNER_PHONE
    assert LINK.search(first.body).group(0) == LINK.search(reminder.body).group(0)
    assert "다시 알림" in reminder.body
    assert final["status"] == "Timeout"
    assert stack.event_types(request_id) == ["Created", "SMSSent", "Reminded", "Timeout", "Notified"]


def test_the_link_still_answers_after_the_reminder_and_resumes_the_second_phase(deploy):
    stack = deploy(partner_timeout_seconds=30, reminder_after_seconds=1)
    request_id = submit()["requestId"]
    _, reminder = _texts(stack, 2)
    stack.wait_for(lambda: "Reminded" in stack.event_types(request_id))
    token = LINK.search(reminder.body).group(0).rsplit("/r/", 1)[1]

    answered = partner_page.handle(
        api_event("respond_post", body={"token": token, "response": "accept"}), None
    )

    assert answered["statusCode"] == 200, body_of(answered)
    final = stack.wait_for(lambda: (item := stack.request_item(request_id)).get("notification") and item)
    assert final["status"] == "Responded"
    assert "수락" in final["notification"]["message"]
    assert stack.event_types(request_id) == ["Created", "SMSSent", "Reminded", "Responded", "Notified"]
    assert len(stack.aws.outbox.messages()) == 2


def test_a_reminder_that_goes_out_as_the_request_ends_leaves_the_ended_timeline_alone(deploy):
    """The sweeper ended the request (customer told) between the reminder's token write and its
    record: the record is refused, so nothing follows the notification."""
    stack = deploy(hand_offs=False)
    stored = request()
    repository = bootstrap.repository()
    repository.create_request(stored, None)
    told = Notification("응답 시간이 지났습니다.", stored.created_at, MessageSource.TEMPLATE, Outcome.TIMEOUT)
    repository.close(
        stored.request_id,
        Status.TIMEOUT,
        stored.created_at,
        allowed_from=frozenset({Status.CREATED}),
        notification=told,
    )

    assert repository.mark_reminded(stored.request_id, stored.created_at) is False

    assert sorted(stack.event_types(stored.request_id)) == ["Created", "Notified", "Timeout"]
    assert "remindedAt" not in stack.request_item(stored.request_id)
