"""Submitting a question: validation, classification, one request per idempotency key, one write."""

from datetime import timedelta

import pytest

from runtime.contract import Metric
from runtime.domain.deadlines import due_on_creation
from runtime.domain.errors import IdempotencyKeyReused, IntentUnclear, InvalidInput
from runtime.domain.model import EventType, Intent, IntentSource, Status
from runtime.domain.time import KST
from runtime.services.submit import submit_request
from tests.builders import CUSTOMER_PHONE, submission
from tests.fakes import FakeClock, FakeIntentClassifier, FakeMetricWriter, FakeRequestRepository

PARTNER_TIMEOUT = timedelta(seconds=300)


@pytest.fixture
def world():
    ids = iter(f"00000000-0000-4000-8000-00000000000{n}" for n in range(10))
    return {
        "repository": FakeRequestRepository(),
        "classifier": FakeIntentClassifier(Intent.REPORT_TROUBLE),
        "clock": FakeClock(),
        "metrics": FakeMetricWriter(),
        "partner_timeout": PARTNER_TIMEOUT,
        "new_id": lambda: next(ids),
    }


def test_a_valid_question_is_stored_created_with_its_due_time(world):
    """The write is the hand-off: the orchestrator receives the request from the table's stream."""
    submitted = submit_request(submission(reservationNumber="htl 100101"), idempotency_key=None, **world)

    stored = world["repository"].requests[submitted.request.request_id]
    assert stored.status is Status.CREATED
    assert stored.customer_phone == CUSTOMER_PHONE
    assert stored.reservation_number == "HTL-100101"
    assert stored.intent is Intent.REPORT_TROUBLE
    assert stored.intent_source is IntentSource.LEX
    assert world["repository"].event_types(stored.request_id) == [EventType.CREATED]
    assert stored.due_at == due_on_creation(world["clock"].now(), PARTNER_TIMEOUT)
    assert world["repository"].due == {stored.request_id: stored.due_at}
    assert world["metrics"].counts == {Metric.REQUESTS_CREATED: 1}
    assert submitted.replayed is False


def test_the_same_idempotency_key_twice_returns_the_same_request_and_stores_one(world):
    first = submit_request(submission(), idempotency_key="retry-key-0001", **world)
    again = submit_request(submission(), idempotency_key="retry-key-0001", **world)

    assert again.request.request_id == first.request.request_id
    assert again.replayed is True
    assert list(world["repository"].requests) == [first.request.request_id]


def test_a_retry_the_classifier_no_longer_understands_still_returns_the_stored_request(world):
    first = submit_request(submission(), idempotency_key="retry-key-0001", **world)
    world["classifier"] = FakeIntentClassifier(None)
    again = submit_request(submission(), idempotency_key="retry-key-0001", **world)

    assert again.request == first.request
    assert again.replayed is True
    assert len(world["repository"].requests) == 1


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


def test_an_unavailable_classifier_gives_the_default_intent_flagged_fallback(world):
    world["classifier"] = FakeIntentClassifier(available=False)
    submitted = submit_request(submission(), idempotency_key=None, **world)
    assert submitted.request.intent is Intent.CHANGE_RESERVATION
    assert submitted.request.intent_source is IntentSource.FALLBACK
    assert world["repository"].requests == {submitted.request.request_id: submitted.request}


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


def test_an_intent_the_customer_picked_skips_the_classifier_and_is_recorded_as_theirs(world):
    world["classifier"] = FakeIntentClassifier(available=False)  # never asked: would answer fallback
    submitted = submit_request(
        submission(message="안녕하세요", intent="AddOnService"), idempotency_key=None, **world
    )
    stored = world["repository"].requests[submitted.request.request_id]
    assert stored.intent is Intent.ADD_ON_SERVICE
    assert stored.intent_source is IntentSource.CUSTOMER
    assert stored.query == "안녕하세요"
    assert world["repository"].unclear == []


def test_an_intent_that_is_not_one_of_the_three_is_refused_in_korean(world):
    with pytest.raises(InvalidInput) as raised:
        submit_request(submission(intent="Cancel"), idempotency_key=None, **world)
    assert raised.value.field == "intent"
    assert "예약변경, 트러블신고, 부가서비스" in raised.value.message
    assert world["repository"].requests == {}


def test_an_unclear_message_is_counted_and_kept_without_personal_details(world):
    world["classifier"] = FakeIntentClassifier(None)
    with pytest.raises(IntentUnclear) as raised:
        submit_request(
            submission(message="HTL-100101 예약인데요 010-9876-5432 로 전화 주세요"),
            idempotency_key=None,
            **world,
        )
    assert [choice.label for choice in raised.value.choices] == ["예약변경", "트러블신고", "부가서비스"]
    assert world["metrics"].counts == {Metric.INTENT_UNCLEAR: 1}
    (kept,) = world["repository"].unclear
    assert kept.text == "[예약번호] 예약인데요 [전화번호] 로 전화 주세요"
    assert kept.at == world["clock"].now()
    assert kept.message_id == "00000000"  # the start of the id the request would have had (in the logs)
    assert world["repository"].recent_unclear(kept.at.astimezone(KST).date()) == [kept]


def test_an_unclear_message_still_gets_its_422_when_it_cannot_be_kept(world):
    world["classifier"] = FakeIntentClassifier(None)
    world["repository"].unclear_available = False
    with pytest.raises(IntentUnclear):
        submit_request(submission(message="음"), idempotency_key=None, **world)
    assert world["metrics"].counts == {Metric.INTENT_UNCLEAR: 1}
    assert world["repository"].unclear == [] and world["repository"].requests == {}


def test_a_retry_answered_from_the_stored_request_is_not_counted_unclear(world):
    first = submit_request(submission(), idempotency_key="retry-key-0003", **world)
    world["classifier"] = FakeIntentClassifier(None)
    again = submit_request(submission(), idempotency_key="retry-key-0003", **world)
    assert again.request.request_id == first.request.request_id
    assert Metric.INTENT_UNCLEAR not in world["metrics"].counts
    assert world["repository"].unclear == []
