"""Submitting a question: validation, classification, one request per idempotency key, one write."""

from datetime import timedelta

import pytest

from runtime.adapters.template_writer import TemplateMessageWriter
from runtime.contract import Metric
from runtime.domain.deadlines import due_on_creation
from runtime.domain.errors import (
    DailyLimitReached,
    IdempotencyKeyReused,
    IntentUnclear,
    InvalidInput,
    LinkInvalid,
    TooManyLookups,
    TooManyOpenRequests,
)
from runtime.domain.kst import KST
from runtime.domain.limits import NO_LIMITS, Limits, open_request_of, unmatched_lookups
from runtime.domain.link_token import Scope, verify_link
from runtime.domain.model import Ending, EventType, Intent, IntentSource, Outcome, Status
from runtime.services.notify import notify_customer
from runtime.services.submit import submit_request
from tests.builders import CUSTOMER_PHONE, submission
from tests.fakes import (
    FakeClock,
    FakeIntentClassifier,
    FakeMetricWriter,
    FakeRequestRepository,
    FakeSecretProvider,
)

PARTNER_TIMEOUT = timedelta(seconds=300)


@pytest.fixture
def world():
    ids = iter(f"00000000-0000-4000-8000-{n:012}" for n in range(1000))
    return {
        "repository": FakeRequestRepository(),
        "classifier": FakeIntentClassifier(Intent.REPORT_TROUBLE),
        "clock": FakeClock(),
        "metrics": FakeMetricWriter(),
        "secrets": FakeSecretProvider(),
        "partner_timeout": PARTNER_TIMEOUT,
        "customer_token_ttl": timedelta(days=14),
        "limits": Limits(),
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


def test_the_customer_gets_a_token_of_their_own_bound_to_the_request_by_its_stored_id(world):
    submitted = submit_request(submission(), idempotency_key=None, **world)

    stored = world["repository"].requests[submitted.request.request_id]
    now = int(world["clock"].now().timestamp())
    claims = verify_link(
        world["secrets"].verification_key, submitted.customer_token, now=now, scope=Scope.CUSTOMER
    )
    assert claims.token_id == stored.customer_token_id
    assert stored.customer_token_expires_at == world["clock"].now() + timedelta(days=14)
    with pytest.raises(LinkInvalid):  # not a partner's link
        verify_link(world["secrets"].verification_key, submitted.customer_token, now=now, scope=Scope.CONFIRM)


def test_a_retried_submit_gets_the_same_customer_token_and_another_request_another(world):
    first = submit_request(submission(), idempotency_key="retry-key-0001", **world)
    again = submit_request(submission(), idempotency_key="retry-key-0001", **world)
    other = submit_request(submission(message="조식 추가할게요"), idempotency_key=None, **world)

    assert again.customer_token == first.customer_token
    assert other.customer_token != first.customer_token


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


# --- limits --------------------------------------------------------------------------------------


def _close(world, request_id):
    """The partner was texted (the SMS step takes the request out of its phone's unmatched lookups),
    then the request timed out and its customer was told, which frees its place."""
    repository = world["repository"]
    stored = repository.requests[request_id]
    repository.uncount(unmatched_lookups(stored, world["limits"]))
    notify_customer(
        stored,
        Ending(Outcome.TIMEOUT),
        repository=repository,
        writers=[TemplateMessageWriter()],
        clock=world["clock"],
        metrics=world["metrics"],
    )
    assert request_id not in (repository.counted(open_request_of(stored)) or set())


def test_a_fourth_open_request_for_one_reservation_is_refused_until_the_oldest_must_have_ended(world):
    for _ in range(3):
        submit_request(submission(), idempotency_key=None, **world)

    with pytest.raises(TooManyOpenRequests) as refused:
        submit_request(submission(), idempotency_key=None, **world)

    assert refused.value.retry_after_seconds == 60 + 300 + 30  # its due time: the oldest ends before
    assert "3건" in refused.value.message
    assert len(world["repository"].requests) == 3
    assert world["metrics"].counts == {Metric.REQUESTS_CREATED: 3, Metric.SUBMITS_LIMITED: 1}


def test_a_closed_request_frees_its_place(world):
    first = submit_request(submission(), idempotency_key=None, **world)
    for _ in range(2):
        submit_request(submission(), idempotency_key=None, **world)
    _close(world, first.request.request_id)

    assert submit_request(submission(), idempotency_key=None, **world).replayed is False


def test_the_eleventh_request_of_a_kst_day_is_refused_until_kst_midnight(world):
    world["clock"].current = world["clock"].current.replace(hour=14, minute=30)  # 23:30 KST
    for _ in range(10):
        made = submit_request(submission(), idempotency_key=None, **world)
        _close(world, made.request.request_id)

    with pytest.raises(DailyLimitReached) as refused:
        submit_request(submission(), idempotency_key=None, **world)

    assert refused.value.retry_after_seconds == 30 * 60
    world["clock"].advance(30 * 60)  # 00:00 KST: a new day
    assert submit_request(submission(), idempotency_key=None, **world).request.status is Status.CREATED


def test_another_reservation_is_not_limited_by_the_first(world):
    for _ in range(3):
        submit_request(submission(), idempotency_key=None, **world)
    other = submission(reservationNumber="RNT-200202", customerPhone="010-0000-1002")
    assert submit_request(other, idempotency_key=None, **world).request.reservation_number == "RNT-200202"


def test_a_phone_with_five_lookups_not_yet_matched_this_hour_is_refused(world):
    """Counted at the submit, so a burst of guesses cannot outrun the lookups."""
    for n in range(5):
        submit_request(submission(reservationNumber=f"HTL-99999{n}"), idempotency_key=None, **world)

    world["clock"].advance(60)
    with pytest.raises(TooManyLookups) as refused:
        submit_request(submission(reservationNumber="HTL-999995"), idempotency_key=None, **world)

    assert refused.value.retry_after_seconds == 59 * 60  # the hour that began at 15:00 KST ends at 16:00
    other_phone = submission(reservationNumber="HTL-999995", customerPhone="010-0000-1003")
    assert submit_request(other_phone, idempotency_key=None, **world).request.customer_phone.endswith("1003")


def test_the_limit_freeing_last_is_the_one_reported(world):
    world["limits"] = Limits(open_per_reservation=1, requests_per_reservation_per_day=1)
    submit_request(submission(), idempotency_key=None, **world)

    with pytest.raises(DailyLimitReached):
        submit_request(submission(), idempotency_key=None, **world)


def test_a_retried_submit_returns_its_request_even_when_the_limits_are_reached(world):
    first = submit_request(submission(), idempotency_key="retry-key-0001", **world)
    for _ in range(2):
        submit_request(submission(), idempotency_key=None, **world)

    again = submit_request(submission(), idempotency_key="retry-key-0001", **world)

    assert again.replayed is True and again.request.request_id == first.request.request_id


def test_without_limits_any_number_of_requests_is_stored(world):
    world["limits"] = NO_LIMITS
    for _ in range(12):
        submit_request(submission(), idempotency_key=None, **world)
    assert len(world["repository"].requests) == 12
    assert world["repository"].limits == {}
