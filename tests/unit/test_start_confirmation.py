"""The orchestrator: match reservation and phone, then start exactly one workflow."""

import pytest

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
    return created.request_id


def test_a_matching_reservation_assigns_the_partner_and_starts_the_workflow(world):
    request_id = _store(world)
    start_confirmation(request_id, **world)

    stored = world["repository"].requests[request_id]
    assert stored.partner_id == "PTN-HOTEL-SEOUL"
    assert stored.partner_phone == PARTNER_PHONE
    assert stored.service_type == "숙박"
    assert stored.status is Status.CREATED
    assert world["workflow"].executions == [request_id]


def test_running_twice_starts_the_workflow_once(world):
    request_id = _store(world)
    start_confirmation(request_id, **world)
    start_confirmation(request_id, **world)
    assert world["workflow"].executions == [request_id]


@pytest.mark.parametrize(
    "changes",
    [
        {"reservation_number": "HTL-999999"},  # no such reservation
        {"customer_phone": "+821011112222"},  # someone else's phone
    ],
    ids=["unknown-reservation", "wrong-phone"],
)
def test_no_match_fails_with_the_same_message_and_no_workflow(world, changes):
    request_id = _store(world, **changes)
    start_confirmation(request_id, **world)

    stored = world["repository"].requests[request_id]
    assert stored.status is Status.FAILED
    assert stored.failure_reason is FailureReason.RESERVATION_NOT_MATCHED
    assert stored.notification.message == NOT_MATCHED_MESSAGE
    assert stored.partner_id is None
    assert world["workflow"].executions == []
    assert world["repository"].event_types(request_id)[-2:] == [EventType.FAILED, EventType.NOTIFIED]


def test_a_request_already_past_created_is_left_alone(world):
    request_id = _store(world, status=Status.SMS_SENT)
    start_confirmation(request_id, **world)
    assert world["workflow"].executions == []
