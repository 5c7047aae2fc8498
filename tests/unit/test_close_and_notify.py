"""Ending a request: Timeout and Failed written once, conditional on status, a recorded answer
always told as the answer, and exactly one customer message."""

import attrs
import pytest

from runtime.adapters.template_writer import TemplateMessageWriter
from runtime.contract import Metric
from runtime.domain.messages import template_message
from runtime.domain.model import (
    Answer,
    Ending,
    EventType,
    FailureReason,
    MessageSource,
    Outcome,
    PartnerResponse,
    Status,
)
from runtime.services.close import close_unanswered, reject_unmatched
from runtime.services.notify import notify_customer
from tests.builders import T0, assigned_request, link, request
from tests.fakes import FakeClock, FakeMessageWriter, FakeMetricWriter, FakeRequestRepository

REQUEST_ID = assigned_request().request_id
TIMED_OUT = Ending(Outcome.TIMEOUT)
SMS_FAILED = Ending(Outcome.FAILED, failure_reason=FailureReason.SMS_NOT_DELIVERED)


@pytest.fixture
def world():
    repository = FakeRequestRepository()
    repository.create_request(assigned_request(due_at=T0), None)
    repository.issue_link(link(), T0)
    repository.mark_sms_sent(link(), T0)
    return {"repository": repository, "clock": FakeClock(), "metrics": FakeMetricWriter()}


def _responded(world, answer=Answer.ACCEPT):
    """Put the request in the state a committed partner answer leaves it in."""
    request = world["repository"].requests[REQUEST_ID]
    response = PartnerResponse(answer, T0)
    world["repository"].requests[REQUEST_ID] = attrs.evolve(
        request, status=Status.RESPONDED, response=response
    )
    return response


def _notify(world, ending, writers):
    """As the workflow calls it: the request it started with, and what its steps produced."""
    notify_customer(assigned_request(), ending, writers=writers, **world)


def test_timeout_closes_an_open_request(world):
    assert close_unanswered(REQUEST_ID, TIMED_OUT, **world) == TIMED_OUT
    assert world["repository"].requests[REQUEST_ID].status is Status.TIMEOUT
    assert world["metrics"].counts == {Metric.PARTNER_TIMED_OUT: 1}


def test_a_timeout_after_a_recorded_answer_reports_the_answer(world):
    response = _responded(world)
    ending = close_unanswered(REQUEST_ID, TIMED_OUT, **world)
    assert ending == Ending(Outcome.RESPONDED, response=response)
    assert world["repository"].requests[REQUEST_ID].status is Status.RESPONDED
    assert EventType.TIMEOUT not in world["repository"].event_types(REQUEST_ID)
    assert world["metrics"].counts == {}


def test_a_failure_after_a_recorded_answer_reports_the_answer(world):
    response = _responded(world, Answer.REJECT)
    assert close_unanswered(REQUEST_ID, SMS_FAILED, **world) == Ending(Outcome.RESPONDED, response=response)
    assert world["repository"].requests[REQUEST_ID].failure_reason is None


def test_a_workflow_failure_closes_as_failed_with_its_reason(world):
    assert close_unanswered(REQUEST_ID, SMS_FAILED, **world) == SMS_FAILED
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.FAILED
    assert stored.failure_reason is FailureReason.SMS_NOT_DELIVERED
    assert stored.notification is None  # the workflow's notification step writes it
    assert world["metrics"].counts == {Metric.REQUEST_FAILED: 1}


def test_closing_a_request_that_vanished_is_an_error_not_a_silent_success(world):
    with pytest.raises(Exception, match="missing"):
        close_unanswered("missing", TIMED_OUT, **world)


def test_an_unmatched_request_is_failed_and_told_at_once_without_counting_a_failure(world):
    unmatched = request(request_id="9a6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f", due_at=T0)
    world["repository"].create_request(unmatched, None)
    reject_unmatched(unmatched, **world)
    stored = world["repository"].requests[unmatched.request_id]
    assert stored.status is Status.FAILED
    assert stored.failure_reason is FailureReason.RESERVATION_NOT_MATCHED
    assert stored.notification.source is MessageSource.TEMPLATE
    assert stored.notification.message == template_message(stored, Outcome.FAILED)
    assert unmatched.request_id not in world["repository"].due
    assert world["metrics"].counts == {Metric.RESERVATION_NOT_MATCHED: 1}


def test_the_model_writes_the_message_when_it_answers(world):
    response = _responded(world)
    _notify(
        world,
        Ending(Outcome.RESPONDED, response),
        [FakeMessageWriter("모델이 쓴 안내"), TemplateMessageWriter()],
    )
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.notification.message == "모델이 쓴 안내"
    assert stored.notification.source is MessageSource.BEDROCK
    assert stored.notification.outcome is Outcome.RESPONDED
    assert REQUEST_ID not in world["repository"].due
    assert Metric.MESSAGE_FALLBACK_USED not in world["metrics"].counts


def test_the_fallback_model_writes_when_the_primary_fails(world):
    response = _responded(world)
    writers = [FakeMessageWriter(None), FakeMessageWriter("두 번째 모델"), TemplateMessageWriter()]
    _notify(world, Ending(Outcome.RESPONDED, response), writers)
    assert world["repository"].requests[REQUEST_ID].notification.message == "두 번째 모델"


def test_the_template_writes_when_every_model_fails_and_it_is_counted(world):
    response = _responded(world, Answer.REJECT)
    writers = [FakeMessageWriter(None), FakeMessageWriter(None), TemplateMessageWriter()]
    _notify(world, Ending(Outcome.RESPONDED, response), writers)
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.notification.source is MessageSource.TEMPLATE
    assert stored.notification.message == template_message(stored, Outcome.RESPONDED)
    assert world["metrics"].counts[Metric.MESSAGE_FALLBACK_USED] == 1


def test_notifying_twice_stores_one_message(world):
    response = _responded(world)
    _notify(
        world, Ending(Outcome.RESPONDED, response), [FakeMessageWriter("첫 번째"), TemplateMessageWriter()]
    )
    _notify(
        world, Ending(Outcome.RESPONDED, response), [FakeMessageWriter("두 번째"), TemplateMessageWriter()]
    )
    assert world["repository"].requests[REQUEST_ID].notification.message == "첫 번째"
    assert world["repository"].event_types(REQUEST_ID).count(EventType.NOTIFIED) == 1


def test_a_recorded_answer_is_told_even_when_the_workflow_saw_a_timeout(world):
    """The answer committed just as the wait ended: the customer hears the answer, never "no reply"."""
    response = _responded(world, Answer.REJECT)
    _notify(world, TIMED_OUT, [TemplateMessageWriter()])
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.RESPONDED
    assert stored.notification.outcome is Outcome.RESPONDED
    assert stored.notification.message == template_message(stored, Outcome.RESPONDED)
    assert stored.response == response
    assert EventType.TIMEOUT not in world["repository"].event_types(REQUEST_ID)


def test_a_request_still_open_is_closed_as_the_workflow_saw_it_and_told(world):
    _notify(world, TIMED_OUT, [TemplateMessageWriter()])
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.TIMEOUT
    assert stored.notification.outcome is Outcome.TIMEOUT
    assert world["repository"].event_types(REQUEST_ID)[-2:] == [EventType.TIMEOUT, EventType.NOTIFIED]


def test_a_workflow_failure_is_told_with_its_reason(world):
    close_unanswered(REQUEST_ID, SMS_FAILED, **world)
    _notify(world, SMS_FAILED, [TemplateMessageWriter()])
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.FAILED
    assert stored.notification.message == template_message(stored, Outcome.FAILED)
    assert "전달하지 못했습니다" in stored.notification.message
    assert world["repository"].event_types(REQUEST_ID)[-2:] == [EventType.FAILED, EventType.NOTIFIED]
