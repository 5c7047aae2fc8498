"""The orchestrator: match reservation and phone, then start exactly one workflow."""

import pytest

from runtime.contract import Metric
from runtime.domain.messages import NOT_MATCHED_MESSAGE
from runtime.domain.model import EventType, FailureReason, Status
from runtime.services.orchestrate import start_confirmation
from tests.builders import PARTNER_PHONE, request, reservation
from tests.fakes import FakeClock, FakeMetricWriter, FakeRequestRepository, FakeWorkflowClient


@pytest.fixture
def world():
    repository = FakeRequestRepository(reservations=[reservation()])
    return {
        "repository": repository,
        "workflow": FakeWorkflowClient(),
        "clock": FakeClock(),
        "metrics": FakeMetricWriter(),
    }


def _store(world, **changes):
    created = request(**changes)
    world["repository"].create_request(created, None)
    return created


def test_a_matching_reservation_starts_the_workflow_with_the_partner(world):
    created = _store(world)
    start_confirmation(created, **world)

    started = world["workflow"].executions[created.request_id]
    assert started.partner_id == "PTN-HOTEL-SEOUL"
    assert started.partner_phone == PARTNER_PHONE
    assert started.service_type == "숙박"
    assert started.query == created.query
    assert world["repository"].requests[created.request_id].status is Status.CREATED


def test_running_twice_starts_the_workflow_once(world):
    created = _store(world)
    start_confirmation(created, **world)
    start_confirmation(created, **world)
    assert list(world["workflow"].executions) == [created.request_id]


@pytest.mark.parametrize(
    "changes",
    [
        {"reservation_number": "HTL-999999"},  # no such reservation
        {"customer_phone": "+821011112222"},  # someone else's phone
    ],
    ids=["unknown-reservation", "wrong-phone"],
)
def test_no_match_fails_with_the_same_message_and_no_workflow(world, changes):
    created = _store(world, **changes)
    start_confirmation(created, **world)

    stored = world["repository"].requests[created.request_id]
    assert stored.status is Status.FAILED
    assert stored.failure_reason is FailureReason.RESERVATION_NOT_MATCHED
    assert stored.notification.message == NOT_MATCHED_MESSAGE
    assert stored.partner_id is None
    assert world["workflow"].executions == {}
    assert world["repository"].event_types(created.request_id)[-2:] == [EventType.FAILED, EventType.NOTIFIED]
    assert world["metrics"].counts == {Metric.RESERVATION_NOT_MATCHED: 1}  # not a failure of the system


def test_no_match_for_a_request_that_already_ended_changes_nothing(world):
    created = _store(world, reservation_number="HTL-999999")
    start_confirmation(created, **world)
    first = world["repository"].requests[created.request_id]
    start_confirmation(created, **world)  # Lambda's retry of the same event

    assert world["repository"].requests[created.request_id] == first
    assert world["repository"].event_types(created.request_id).count(EventType.NOTIFIED) == 1


def test_a_request_closed_before_its_delivery_starts_nothing(world):
    """The sweeper ended it while its stream record waited (a backlog, a dead-lettered batch)."""
    created = _store(world)
    world["repository"].close(
        created.request_id, Status.FAILED, world["clock"].now(), allowed_from=frozenset({Status.CREATED})
    )
    start_confirmation(world["repository"].requests[created.request_id], **world)
    assert world["workflow"].executions == {}
