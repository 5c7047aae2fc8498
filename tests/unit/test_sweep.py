"""The sweeper: every request past its due time ends with exactly one customer message, told as what
is stored says; nothing before its due time is touched."""

from datetime import timedelta

import attrs
import pytest

from runtime.contract import Metric
from runtime.domain.messages import template_message
from runtime.domain.model import (
    Answer,
    EventType,
    FailureReason,
    LinkRecord,
    MessageSource,
    Notification,
    Outcome,
    PartnerResponse,
    Status,
)
from runtime.services.sweep import sweep_overdue
from tests.builders import T0, assigned_request, request
from tests.fakes import FakeClock, FakeMetricWriter, FakeRequestRepository

REQUEST_ID = request().request_id


@pytest.fixture
def world():
    return {"repository": FakeRequestRepository(), "clock": FakeClock(T0), "metrics": FakeMetricWriter()}


def _created(world, due_in=60):
    world["repository"].create_request(request(due_at=T0 + timedelta(seconds=due_in)), None)


def _texted(world, due_in=60):
    _created(world, due_in)
    texted = assigned_request(answer_by=T0, due_at=T0 + timedelta(seconds=due_in))
    world["repository"].issue_link(LinkRecord("link-1", texted, "task-1", T0 + timedelta(minutes=10)), T0)


def _stored(world):
    return world["repository"].requests[REQUEST_ID]


def test_nothing_is_touched_before_its_due_time(world):
    _texted(world, due_in=60)
    world["clock"].advance(59)
    assert sweep_overdue(**world) == 0
    assert _stored(world).status is Status.CREATED
    assert world["repository"].due


def test_an_unanswered_link_past_due_ends_as_timeout_and_is_told_once(world):
    _texted(world)
    world["clock"].advance(61)
    assert sweep_overdue(**world) == 1
    assert sweep_overdue(**world) == 0
    stored = _stored(world)
    assert stored.status is Status.TIMEOUT
    assert stored.notification.outcome is Outcome.TIMEOUT
    assert stored.notification.source is MessageSource.TEMPLATE
    assert world["repository"].event_types(REQUEST_ID)[-2:] == [EventType.TIMEOUT, EventType.NOTIFIED]
    assert world["repository"].due == {}
    assert world["metrics"].counts == {Metric.REQUESTS_SWEPT: 1}


def test_a_request_that_never_texted_its_partner_fails_as_not_started(world):
    _created(world)
    world["clock"].advance(61)
    sweep_overdue(**world)
    stored = _stored(world)
    assert stored.status is Status.FAILED
    assert stored.failure_reason is FailureReason.NOT_STARTED
    assert stored.notification.message == template_message(stored, Outcome.FAILED)


def test_a_recorded_answer_whose_workflow_died_is_told_as_the_answer(world):
    _texted(world)
    link = world["repository"].links["link-1"]
    answer = PartnerResponse(Answer.REJECT, T0)
    world["repository"].record_response(link, answer)
    world["clock"].advance(61)
    sweep_overdue(**world)
    stored = _stored(world)
    assert stored.status is Status.RESPONDED
    assert stored.response == answer
    assert stored.notification.outcome is Outcome.RESPONDED
    assert stored.notification.message == template_message(stored, Outcome.RESPONDED)


def test_a_request_closed_but_never_told_is_told_as_it_closed(world):
    _texted(world)
    world["repository"].close(
        REQUEST_ID,
        Status.FAILED,
        T0,
        allowed_from=frozenset({Status.CREATED}),
        failure_reason=FailureReason.SMS_NOT_DELIVERED,
    )
    world["clock"].advance(61)
    sweep_overdue(**world)
    stored = _stored(world)
    assert stored.status is Status.FAILED
    assert stored.notification.outcome is Outcome.FAILED
    assert "전달하지 못했습니다" in stored.notification.message


def test_a_marker_left_behind_by_a_told_request_is_dropped_without_a_second_message(world):
    _texted(world)
    told = Notification("안내", T0, MessageSource.TEMPLATE, Outcome.TIMEOUT)
    world["repository"].requests[REQUEST_ID] = attrs.evolve(_stored(world), notification=told)
    world["clock"].advance(61)
    assert sweep_overdue(**world) == 0
    assert _stored(world).notification == told
    assert world["repository"].due == {}


def test_a_request_that_moves_while_it_is_swept_is_looked_at_again(world):
    """An answer lands between the sweeper's read and its write: the answer is told."""
    _texted(world)
    world["clock"].advance(61)
    repository = world["repository"]
    real_get = repository.get_request

    def answered_in_between(request_id):
        found = real_get(request_id)
        if found.status is Status.CREATED and found.response is None:
            repository.requests[request_id] = attrs.evolve(
                found, status=Status.RESPONDED, response=PartnerResponse(Answer.ACCEPT, T0)
            )
        return found

    repository.get_request = answered_in_between
    sweep_overdue(**world)
    stored = real_get(REQUEST_ID)
    assert stored.status is Status.RESPONDED
    assert stored.notification.outcome is Outcome.RESPONDED


def test_every_run_reports_how_many_requests_are_open_in_each_status(world):
    _created(world, due_in=600)
    sweep_overdue(**world)
    assert world["metrics"].levels == {
        (Metric.OPEN_REQUESTS, "Created"): 1,
        (Metric.OPEN_REQUESTS, "SMSSent"): 0,
        (Metric.OPEN_REQUESTS, "Opened"): 0,
    }
