"""Ending a request: Timeout and Failed written once, conditional on status, and one customer message."""

import attrs
import pytest

from runtime.adapters.template_writer import TemplateMessageWriter
from runtime.contract import Metric
from runtime.domain.messages import template_message
from runtime.domain.model import (
    Answer,
    EventType,
    FailureReason,
    MessageSource,
    Outcome,
    PartnerResponse,
    Status,
)
from runtime.services.close import close_as_failed, close_on_timeout, fail_abandoned
from runtime.services.notify import notify_customer
from tests.builders import T0, assigned_request, link
from tests.fakes import FakeClock, FakeMessageWriter, FakeMetricWriter, FakeRequestRepository

REQUEST_ID = assigned_request().request_id


@pytest.fixture
def world():
    repository = FakeRequestRepository()
    repository.create_request(assigned_request(), None)
    repository.issue_link(link(), T0)
    repository.mark_sms_sent(link(), T0)
    return {"repository": repository, "clock": FakeClock(), "metrics": FakeMetricWriter()}


def _responded(world, answer=Answer.ACCEPT):
    """Put the request in the state a committed partner answer leaves it in."""
    request = world["repository"].requests[REQUEST_ID]
    world["repository"].requests[REQUEST_ID] = attrs.evolve(
        request, status=Status.RESPONDED, response=PartnerResponse(answer, T0)
    )


def _notify(world, outcome, writers, failure_reason=None):
    """As the workflow calls it: the request it started with, and what its task produced."""
    response = world["repository"].requests[REQUEST_ID].response
    notify_customer(
        assigned_request(),
        outcome,
        response=response,
        failure_reason=failure_reason,
        writers=writers,
        **world,
    )


def test_timeout_closes_an_open_request(world):
    close_on_timeout(REQUEST_ID, **world)
    assert world["repository"].requests[REQUEST_ID].status is Status.TIMEOUT
    assert world["metrics"].counts == {Metric.PARTNER_TIMED_OUT: 1}


def test_a_late_timeout_cannot_overwrite_responded(world):
    _responded(world)
    close_on_timeout(REQUEST_ID, **world)
    assert world["repository"].requests[REQUEST_ID].status is Status.RESPONDED
    assert EventType.TIMEOUT not in world["repository"].event_types(REQUEST_ID)
    assert world["metrics"].counts == {}


def test_a_workflow_failure_closes_as_failed_with_its_reason(world):
    close_as_failed(REQUEST_ID, FailureReason.SMS_NOT_DELIVERED, **world)
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.FAILED
    assert stored.failure_reason is FailureReason.SMS_NOT_DELIVERED
    assert stored.notification is None  # the workflow's notification step writes it


def test_an_abandoned_request_is_failed_and_told_at_once(world):
    fail_abandoned(REQUEST_ID, **world)
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.FAILED
    assert stored.notification.source is MessageSource.TEMPLATE
    assert stored.notification.message == template_message(stored, Outcome.FAILED)


def test_the_model_writes_the_message_when_it_answers(world):
    _responded(world)
    _notify(world, Outcome.RESPONDED, [FakeMessageWriter("모델이 쓴 안내"), TemplateMessageWriter()])
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.notification.message == "모델이 쓴 안내"
    assert stored.notification.source is MessageSource.BEDROCK
    assert Metric.MESSAGE_FALLBACK_USED not in world["metrics"].counts


def test_the_fallback_model_writes_when_the_primary_fails(world):
    _responded(world)
    _notify(
        world,
        Outcome.RESPONDED,
        [FakeMessageWriter(None), FakeMessageWriter("두 번째 모델"), TemplateMessageWriter()],
    )
    assert world["repository"].requests[REQUEST_ID].notification.message == "두 번째 모델"


def test_the_template_writes_when_every_model_fails_and_it_is_counted(world):
    _responded(world, Answer.REJECT)
    _notify(
        world, Outcome.RESPONDED, [FakeMessageWriter(None), FakeMessageWriter(None), TemplateMessageWriter()]
    )
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.notification.source is MessageSource.TEMPLATE
    assert stored.notification.message == template_message(stored, Outcome.RESPONDED)
    assert world["metrics"].counts[Metric.MESSAGE_FALLBACK_USED] == 1


def test_notifying_twice_stores_one_message(world):
    _responded(world)
    _notify(world, Outcome.RESPONDED, [FakeMessageWriter("첫 번째"), TemplateMessageWriter()])
    _notify(world, Outcome.RESPONDED, [FakeMessageWriter("두 번째"), TemplateMessageWriter()])
    assert world["repository"].requests[REQUEST_ID].notification.message == "첫 번째"
    assert world["repository"].event_types(REQUEST_ID).count(EventType.NOTIFIED) == 1


def test_the_workflow_outcome_wins_over_an_answer_that_arrived_as_the_task_timed_out(world):
    _responded(world)
    close_on_timeout(REQUEST_ID, **world)  # late: leaves Responded as it is
    _notify(world, Outcome.TIMEOUT, [TemplateMessageWriter()])
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.TIMEOUT
    assert stored.notification.message == template_message(stored, Outcome.TIMEOUT)
    assert world["repository"].event_types(REQUEST_ID)[-2:] == [EventType.TIMEOUT, EventType.NOTIFIED]


def test_a_workflow_failure_is_told_with_its_reason(world):
    close_as_failed(REQUEST_ID, FailureReason.SMS_NOT_DELIVERED, **world)
    _notify(world, Outcome.FAILED, [TemplateMessageWriter()], failure_reason=FailureReason.SMS_NOT_DELIVERED)
    stored = world["repository"].requests[REQUEST_ID]
    assert stored.status is Status.FAILED
    assert stored.notification.message == template_message(stored, Outcome.FAILED)
    assert "전달하지 못했습니다" in stored.notification.message
    assert world["repository"].event_types(REQUEST_ID)[-2:] == [EventType.FAILED, EventType.NOTIFIED]
