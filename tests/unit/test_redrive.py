"""Redrive: a request that ended Timeout or Failed, told and unanswered, gets a fresh partner attempt
that runs as a new request's first one does; everything else is refused and left as it was."""

from datetime import timedelta

import attrs
import pytest

from runtime.domain.deadlines import due_on_creation
from runtime.domain.errors import RedriveRefused, RequestNotFound, StatusConflict
from runtime.domain.limits import Limits
from runtime.domain.model import (
    Answer,
    Ending,
    EventType,
    FailureReason,
    MessageSource,
    Notification,
    Outcome,
    PartnerResponse,
    Status,
)
from runtime.domain.redrive import clean_reason, next_round, refusal
from runtime.services.close import close_unanswered
from runtime.services.notify import notify_customer
from runtime.services.orchestrate import start_confirmation
from runtime.services.redrive import redrive_request
from runtime.services.send_link import send_partner_link
from tests.builders import T0, request, reservation
from tests.fakes import (
    FakeClock,
    FakeMessageWriter,
    FakeMetricWriter,
    FakeRequestRepository,
    FakeSecretProvider,
    FakeSmsSender,
    FakeWorkflowClient,
)

PARTNER_TIMEOUT = timedelta(seconds=300)
REQUEST_ID = request().request_id
DETAILS = {"reason": "파트너와 통화함: 다시 보내 달라고 함", "operator": "oncall"}
TOLD = Notification("파트너가 응답하지 않았습니다.", T0, MessageSource.TEMPLATE, Outcome.TIMEOUT)


@pytest.fixture
def world():
    return {
        "repository": FakeRequestRepository(reservations=[reservation()]),
        "workflow": FakeWorkflowClient(),
        "sms": FakeSmsSender(),
        "clock": FakeClock(T0),
        "metrics": FakeMetricWriter(),
    }


def _redrive(world, request_id=REQUEST_ID):
    return redrive_request(
        request_id,
        details=DETAILS,
        repository=world["repository"],
        workflow=world["workflow"],
        clock=world["clock"],
        partner_timeout=PARTNER_TIMEOUT,
    )


def _orchestrate(world, stored):
    start_confirmation(
        stored,
        repository=world["repository"],
        workflow=world["workflow"],
        clock=world["clock"],
        metrics=world["metrics"],
    )


def _attempt(world, task_token):
    """One workflow run whose partner stays silent: the link by SMS, the timeout, the message."""
    repository = world["repository"]
    started = world["workflow"].executions[repository.requests[REQUEST_ID].workflow_name]
    send_partner_link(
        started,
        task_token,
        repository=repository,
        sms=world["sms"],
        secrets=FakeSecretProvider(),
        workflow=world["workflow"],
        clock=world["clock"],
        metrics=world["metrics"],
        site_url="https://d111111abcdef8.cloudfront.net",
        token_ttl=timedelta(seconds=600),
        partner_timeout=PARTNER_TIMEOUT,
        limits=Limits(),
    )
    world["clock"].advance(PARTNER_TIMEOUT.total_seconds())
    closing = {"repository": repository, "clock": world["clock"], "metrics": world["metrics"]}
    ending = close_unanswered(REQUEST_ID, Ending(Outcome.TIMEOUT), **closing)
    notify_customer(started, ending, writers=[FakeMessageWriter()], **closing)


def _timed_out(world):
    """A request whose first attempt timed out and whose customer was told (after a reminder)."""
    world["repository"].create_request(request(), None)
    _orchestrate(world, world["repository"].requests[REQUEST_ID])
    _attempt(world, "task-token-1")
    repository = world["repository"]
    repository.requests[REQUEST_ID] = attrs.evolve(repository.requests[REQUEST_ID], reminded_at=T0)
    world["clock"].advance(60)


def test_a_timed_out_request_gets_a_second_attempt_that_runs_as_the_first_did(world):
    _timed_out(world)
    repository = world["repository"]
    first_message = repository.requests[REQUEST_ID].notification

    redriven = _redrive(world)

    stored = repository.requests[REQUEST_ID]
    assert stored == redriven
    assert stored.status is Status.CREATED
    assert stored.attempt == 2
    assert stored.earlier_notifications == (first_message,)
    assert stored.notification is None and stored.task_token is None and stored.answer_by is None
    assert stored.link_id is None and stored.link_expires_at is None and stored.reminded_at is None
    assert stored.due_at == due_on_creation(world["clock"].now(), PARTNER_TIMEOUT)
    assert repository.due[REQUEST_ID] == stored.due_at
    assert repository.status_days[REQUEST_ID] == world["clock"].now().date()
    (event,) = [e for e in repository.events[REQUEST_ID] if e.type is EventType.REDRIVEN]
    assert event.details == DETAILS
    assert event.at == world["clock"].now()

    # What the table's stream hands the orchestrator: the attempt's own workflow, a second SMS.
    _orchestrate(world, stored)
    assert list(world["workflow"].executions) == [REQUEST_ID, f"{REQUEST_ID}-2"]
    _attempt(world, "task-token-2")

    assert len(world["sms"].outbox) == 2
    final = repository.requests[REQUEST_ID]
    assert final.status is Status.TIMEOUT
    assert final.notification is not None and final.notification != first_message
    assert final.earlier_notifications == (first_message,)
    assert repository.event_types(REQUEST_ID) == [
        EventType.CREATED,
        EventType.SMS_SENT,
        EventType.TIMEOUT,
        EventType.NOTIFIED,
        EventType.REDRIVEN,
        EventType.SMS_SENT,
        EventType.TIMEOUT,
        EventType.NOTIFIED,
    ]
    assert REQUEST_ID not in repository.due


def test_a_third_attempt_keeps_both_earlier_messages(world):
    _timed_out(world)
    _redrive(world)
    _orchestrate(world, world["repository"].requests[REQUEST_ID])
    _attempt(world, "task-token-2")
    second = world["repository"].requests[REQUEST_ID]

    third = _redrive(world)

    assert third.attempt == 3
    assert third.workflow_name == f"{REQUEST_ID}-3"
    assert third.earlier_notifications == (*second.earlier_notifications, second.notification)


@pytest.mark.parametrize(
    ("changes", "why"),
    [
        ({"status": Status.SMS_SENT}, "still open (SMSSent)"),
        ({"status": Status.CREATED}, "still open (Created)"),
        (
            {
                "status": Status.RESPONDED,
                "response": PartnerResponse(Answer.REJECT, T0),
                "notification": TOLD,
            },
            "the partner answered (reject)",
        ),
        # Closed by a late path, yet the partner's answer was recorded: it stands.
        (
            {"status": Status.TIMEOUT, "response": PartnerResponse(Answer.ACCEPT, T0), "notification": TOLD},
            "the partner answered (accept)",
        ),
        (
            {
                "status": Status.FAILED,
                "failure_reason": FailureReason.RESERVATION_NOT_MATCHED,
                "notification": TOLD,
            },
            "no reservation matched",
        ),
        ({"status": Status.TIMEOUT}, "is being told"),
    ],
)
def test_open_answered_unmatched_or_untold_requests_are_refused_and_left_as_they_were(world, changes, why):
    stored = request(**changes)
    world["repository"].requests[REQUEST_ID] = stored

    assert why in (refusal(stored) or "")
    with pytest.raises(RedriveRefused, match=r"is not redriven") as refused:
        _redrive(world)

    assert why in refused.value.reason
    assert world["repository"].requests[REQUEST_ID] == stored
    assert world["workflow"].executions == {}


@pytest.mark.parametrize(
    "reason",
    [FailureReason.SMS_NOT_DELIVERED, FailureReason.NOT_STARTED, FailureReason.INTERNAL, None],
)
def test_failed_requests_other_than_unmatched_are_redriven(world, reason):
    world["repository"].create_request(request(), None)
    world["repository"].close(
        REQUEST_ID,
        Status.FAILED,
        T0,
        allowed_from=frozenset({Status.CREATED}),
        failure_reason=reason,
        notification=TOLD,
    )

    redriven = _redrive(world)

    assert redriven.failure_reason is None
    assert redriven.attempt == 2


def test_a_request_whose_last_workflow_still_runs_is_refused(world):
    _timed_out(world)
    world["workflow"].still_running.add(REQUEST_ID)

    with pytest.raises(RedriveRefused, match="still running"):
        _redrive(world)
    assert world["repository"].requests[REQUEST_ID].status is Status.TIMEOUT


def test_a_request_that_changed_since_it_was_read_is_refused(world):
    """Two operators at once: the second one's write finds the attempt already counted."""
    _timed_out(world)
    read = world["repository"].requests[REQUEST_ID]
    _redrive(world)
    # The second attempt ended too, before the other operator's write lands.
    world["repository"].requests[REQUEST_ID] = attrs.evolve(
        world["repository"].requests[REQUEST_ID], status=Status.TIMEOUT, notification=TOLD
    )

    with pytest.raises(StatusConflict):
        world["repository"].redrive(read, next_round(read, T0, PARTNER_TIMEOUT), details=DETAILS)
    assert world["repository"].requests[REQUEST_ID].attempt == 2


def test_an_unknown_or_malformed_request_id_is_not_found(world):
    with pytest.raises(RequestNotFound):
        _redrive(world)
    with pytest.raises(RequestNotFound):
        _redrive(world, "REQ#not-an-id")


@pytest.mark.parametrize(
    ("raw", "kept"),
    [
        ("  파트너와 통화함\n다시 보냄 ", "파트너와 통화함 다시 보냄"),
        ("", None),
        ("   ", None),
        ("x" * 501, None),
        ("x" * 500, "x" * 500),
    ],
)
def test_the_reason_is_kept_trimmed_and_must_say_something(raw, kept):
    assert clean_reason(raw) == kept
