"""Submitting a question: validation, classification, one request per idempotency key, hand-off."""

import pytest

from runtime.contract import Metric
from runtime.domain.errors import IdempotencyKeyReused, IntentUnclear, InvalidInput, ServiceUnavailable
from runtime.domain.model import EventType, FailureReason, Intent, IntentSource, Status
from runtime.services.submit import submit_request
from tests.builders import CUSTOMER_PHONE, submission
from tests.fakes import (
    FakeClock,
    FakeIntentClassifier,
    FakeMetricWriter,
    FakeOrchestratorSender,
    FakeRequestRepository,
)


@pytest.fixture
def world():
    ids = iter(f"00000000-0000-4000-8000-00000000000{n}" for n in range(10))
    return {
        "repository": FakeRequestRepository(),
        "classifier": FakeIntentClassifier(Intent.REPORT_TROUBLE),
        "orchestrator": FakeOrchestratorSender(),
        "clock": FakeClock(),
        "metrics": FakeMetricWriter(),
        "new_id": lambda: next(ids),
    }


def test_a_valid_question_is_stored_created_and_handed_to_the_orchestrator(world):
    submitted = submit_request(submission(reservationNumber="htl 100101"), idempotency_key=None, **world)

    stored = world["repository"].requests[submitted.request.request_id]
    assert stored.status is Status.CREATED
    assert stored.customer_phone == CUSTOMER_PHONE
    assert stored.reservation_number == "HTL-100101"
    assert stored.intent is Intent.REPORT_TROUBLE
    assert stored.intent_source is IntentSource.LEX
    assert world["repository"].event_types(stored.request_id) == [EventType.CREATED]
    assert [r.request_id for r in world["orchestrator"].sent] == [stored.request_id]
    assert world["metrics"].counts == {Metric.REQUESTS_CREATED: 1}
    assert submitted.replayed is False


def test_the_same_idempotency_key_twice_returns_the_same_request_and_stores_one(world):
    first = submit_request(submission(), idempotency_key="retry-key-0001", **world)
    again = submit_request(submission(), idempotency_key="retry-key-0001", **world)

    assert again.request.request_id == first.request.request_id
    assert again.replayed is True
    assert list(world["repository"].requests) == [first.request.request_id]
    assert [r.request_id for r in world["orchestrator"].sent] == [first.request.request_id]


def test_a_retry_the_classifier_no_longer_understands_still_returns_the_stored_request(world):
    first = submit_request(submission(), idempotency_key="retry-key-0001", **world)
    world["classifier"] = FakeIntentClassifier(None)
    again = submit_request(submission(), idempotency_key="retry-key-0001", **world)

    assert again.request == first.request
    assert again.replayed is True
    assert len(world["orchestrator"].sent) == 1


def test_a_reused_idempotency_key_with_other_content_is_refused(world):
    submit_request(submission(), idempotency_key="retry-key-0001", **world)
    with pytest.raises(IdempotencyKeyReused):
        submit_request(submission(message="다른 내용입니다"), idempotency_key="retry-key-0001", **world)
    assert len(world["repository"].requests) == 1


def test_the_fallback_intent_creates_nothing_and_asks_for_detail(world):
    world["classifier"] = FakeIntentClassifier(None)
    with pytest.raises(IntentUnclear) as raised:
        submit_request(submission(message="안녕하세요"), idempotency_key=None, **world)
    assert "구체적으로" in raised.value.message
    assert world["repository"].requests == {}
    assert world["orchestrator"].sent == []


def test_an_unavailable_classifier_gives_the_default_intent_flagged_fallback(world):
    world["classifier"] = FakeIntentClassifier(available=False)
    submitted = submit_request(submission(), idempotency_key=None, **world)
    assert submitted.request.intent is Intent.CHANGE_RESERVATION
    assert submitted.request.intent_source is IntentSource.FALLBACK
    assert world["orchestrator"].sent == [submitted.request]


@pytest.mark.parametrize(
    ("fields", "field"),
    [
        (submission(message=""), "message"),
        (submission(message="   "), "message"),
        (submission(message="가" * 1001), "message"),
        (submission(customerPhone="02-123-4567"), "customerPhone"),
        (submission(customerPhone=None), "customerPhone"),
        (submission(reservationNumber="12345"), "reservationNumber"),
        (submission(reservationNumber=""), "reservationNumber"),
    ],
)
def test_invalid_fields_are_refused_before_anything_is_stored(world, fields, field):
    with pytest.raises(InvalidInput) as raised:
        submit_request(fields, idempotency_key=None, **world)
    assert raised.value.field == field
    assert world["repository"].requests == {}


def test_a_failed_hand_off_closes_the_request_and_tells_the_customer(world):
    world["orchestrator"] = FakeOrchestratorSender(available=False)
    with pytest.raises(ServiceUnavailable):
        submit_request(submission(), idempotency_key="retry-key-0002", **world)

    (stored,) = world["repository"].requests.values()
    assert stored.status is Status.FAILED
    assert stored.failure_reason is FailureReason.INTERNAL
    assert stored.notification is not None
    assert world["repository"].event_types(stored.request_id) == [
        EventType.CREATED,
        EventType.FAILED,
        EventType.NOTIFIED,
    ]
