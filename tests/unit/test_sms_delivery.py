"""SMS delivery outcomes: read from the service's events as SNS hands them to Lambda, put on the
request's timeline once however often they arrive, and an undeliverable link ending the wait."""

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import attrs
import pytest

from runtime.adapters.sms_events import delivery_outcome, delivery_outcomes
from runtime.adapters.workflow_payloads import failure_reason_of
from runtime.contract import SMS_UNDELIVERABLE_EVENTS, Metric
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.messages import TEMPLATE_ONLY_REASONS, template_message
from runtime.domain.model import (
    Answer,
    DeliveryOutcome,
    EventType,
    FailureReason,
    Outcome,
    PartnerResponse,
    SmsKind,
    Status,
)
from runtime.services.resume import end_wait
from runtime.services.sms_delivery import record_delivery
from tests.builders import PARTNER_PHONE, T0, assigned_request
from tests.fakes import FakeClock, FakeMetricWriter, FakeRequestRepository, FakeWorkflowClient

EVENTS = Path(__file__).resolve().parents[1] / "events"
REQUEST_ID = "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f"
LINK_ID = "3q2-7wEAAAAAAAAA"
REPORTED = T0 + timedelta(seconds=61)


def _sms_event(**changes):
    event = {
        "eventType": "TEXT_DELIVERED",
        "eventVersion": "1.0",
        "eventTimestamp": int(REPORTED.timestamp() * 1000),
        "isFinal": True,
        "destinationPhoneNumber": PARTNER_PHONE,
        "messageId": "message-1",
        "messageStatus": "DELIVERED",
        "context": {"requestId": REQUEST_ID, "sms": "link", "linkId": LINK_ID},
    }
    return json.dumps({**event, **changes})


def _outcome(**changes):
    base = DeliveryOutcome(
        request_id=REQUEST_ID,
        message_id="message-1",
        delivered=False,
        status="TEXT_UNREACHABLE",
        at=REPORTED,
        kind=SmsKind.LINK,
        link_id=LINK_ID,
    )
    return attrs.evolve(base, **changes)


def _waiting(status=Status.SMS_SENT, **changes):
    repository = FakeRequestRepository()
    base = {"status": status, "link_id": LINK_ID, "task_token": "task-1"}
    repository.requests[REQUEST_ID] = assigned_request(**{**base, **changes})
    return repository


def _record(repository, outcome, metrics=None):
    clock = FakeClock(REPORTED + timedelta(seconds=1))
    record_delivery(outcome, repository=repository, clock=clock, metrics=metrics or FakeMetricWriter())


# --- reading the service's events ---------------------------------------------------------------


def test_the_recorded_sns_event_reads_as_a_delivered_link():
    event = json.loads((EVENTS / "sms_delivered.json").read_text(encoding="utf-8"))
    [outcome] = delivery_outcomes(event)
    assert outcome == DeliveryOutcome(
        request_id=REQUEST_ID,
        message_id="862a8790-60c0-4430-9b2b-658bdexample",
        delivered=True,
        status="TEXT_DELIVERED",
        at=datetime(2026, 11, 23, 6, 1, 1, 250000, tzinfo=UTC),
        kind=SmsKind.LINK,
        link_id=LINK_ID,
    )


@pytest.mark.parametrize("event_type", SMS_UNDELIVERABLE_EVENTS)
def test_every_undeliverable_type_reads_as_undeliverable(event_type):
    outcome = delivery_outcome(_sms_event(eventType=event_type))
    assert outcome is not None and not outcome.delivered and outcome.status == event_type


def test_no_phone_number_is_kept_from_an_event():
    outcome = delivery_outcome(_sms_event(eventType="TEXT_UNREACHABLE"))
    assert outcome is not None
    assert PARTNER_PHONE not in repr(outcome) and PARTNER_PHONE not in repr(outcome.event)


@pytest.mark.parametrize(
    "message",
    [
        "not json",
        "[1, 2]",
        _sms_event(eventType="TEXT_PENDING"),
        _sms_event(eventType="VOICE_ANSWERED"),
        _sms_event(context={}),
        _sms_event(context={"requestId": "../../etc"}),
        _sms_event(messageId=""),
        _sms_event(eventTimestamp="yesterday"),
    ],
    ids=["text", "list", "pending", "voice", "no-context", "bad-request-id", "no-message-id", "bad-time"],
)
def test_what_is_not_an_outcome_about_a_request_is_left(message):
    assert delivery_outcome(message) is None


def test_records_without_a_message_are_skipped_and_the_rest_read():
    event = {"Records": [{"Sns": {}}, {"Sns": {"Message": _sms_event()}}, "junk"]}
    assert [o.message_id for o in delivery_outcomes(event)] == ["message-1"]


def test_an_sms_without_kind_or_link_is_only_a_timeline_entry():
    outcome = delivery_outcome(_sms_event(eventType="TEXT_BLOCKED", context={"requestId": REQUEST_ID}))
    assert outcome is not None and outcome.kind is None and not outcome.ends_the_wait


# --- the timeline -------------------------------------------------------------------------------


def test_a_delivered_sms_goes_on_the_timeline_and_changes_nothing_else():
    repository = _waiting()
    metrics = FakeMetricWriter()
    _record(repository, _outcome(delivered=True, status="TEXT_DELIVERED"), metrics)
    assert repository.requests[REQUEST_ID].status is Status.SMS_SENT
    [event] = repository.events[REQUEST_ID]
    assert (event.type, event.at) == (EventType.DELIVERED, REPORTED)
    assert event.details == {"messageId": "message-1", "status": "TEXT_DELIVERED", "sms": "link"}
    assert metrics.counts == {Metric.SMS_DELIVERED: 1}


def test_the_same_report_twice_is_one_entry_and_one_close():
    repository = _waiting()
    for _ in range(2):
        _record(repository, _outcome())
    assert repository.event_types(REQUEST_ID) == [EventType.UNDELIVERABLE, EventType.FAILED]


def test_each_sms_of_a_request_gets_its_own_entry():
    repository = _waiting()
    _record(repository, _outcome(delivered=True, status="TEXT_DELIVERED"))
    reminder = _outcome(
        message_id="message-2", delivered=True, status="TEXT_DELIVERED", kind=SmsKind.REMINDER
    )
    _record(repository, attrs.evolve(reminder, at=REPORTED + timedelta(minutes=3)))
    details = [e.details["messageId"] for e in repository.events[REQUEST_ID]]
    assert details == ["message-1", "message-2"]


def test_a_report_about_a_request_that_is_gone_writes_nothing():
    repository = FakeRequestRepository()
    metrics = FakeMetricWriter()
    _record(repository, _outcome(), metrics)
    assert repository.events == {} and metrics.counts == {}


# --- an undeliverable link ends the wait ---------------------------------------------------------


@pytest.mark.parametrize("status", [Status.CREATED, Status.SMS_SENT], ids=["not-yet-marked-sent", "sent"])
def test_an_undeliverable_link_fails_the_waiting_request(status):
    repository = _waiting(status)
    metrics = FakeMetricWriter()
    _record(repository, _outcome(), metrics)
    stored = repository.requests[REQUEST_ID]
    assert (stored.status, stored.failure_reason) == (Status.FAILED, FailureReason.SMS_UNDELIVERABLE)
    assert stored.notification is None  # the workflow's failure path tells the customer, once
    assert repository.event_types(REQUEST_ID) == [EventType.UNDELIVERABLE, EventType.FAILED]
    assert metrics.counts == {Metric.SMS_UNDELIVERABLE: 1, Metric.REQUEST_FAILED: 1}


def test_a_recorded_answer_wins_over_a_late_undeliverable():
    answer = PartnerResponse(Answer.ACCEPT, T0)
    repository = _waiting(Status.RESPONDED, response=answer)
    _record(repository, _outcome())
    stored = repository.requests[REQUEST_ID]
    assert (stored.status, stored.response) == (Status.RESPONDED, answer)
    assert repository.event_types(REQUEST_ID) == [EventType.UNDELIVERABLE]


def test_a_partner_who_opened_the_link_got_it_whatever_a_late_report_says():
    repository = _waiting(Status.OPENED)
    _record(repository, _outcome())
    assert repository.requests[REQUEST_ID].status is Status.OPENED


def test_an_undeliverable_reminder_leaves_the_partner_the_link_they_got():
    repository = _waiting()
    _record(repository, _outcome(kind=SmsKind.REMINDER))
    assert repository.requests[REQUEST_ID].status is Status.SMS_SENT
    assert repository.event_types(REQUEST_ID) == [EventType.UNDELIVERABLE]


def test_the_link_of_an_earlier_attempt_does_not_end_the_next_one():
    repository = _waiting(link_id="the-redriven-attempts-link", attempt=2)
    _record(repository, _outcome())
    assert repository.requests[REQUEST_ID].status is Status.SMS_SENT


def test_the_failed_event_never_precedes_the_report_it_follows():
    repository = _waiting()
    clock_behind = FakeClock(REPORTED - timedelta(seconds=5))
    record_delivery(_outcome(), repository=repository, clock=clock_behind, metrics=FakeMetricWriter())
    failed = [e for e in repository.events[REQUEST_ID] if e.type is EventType.FAILED]
    assert failed[0].at >= REPORTED


# --- the waiting workflow, the customer's message ------------------------------------------------


def _failed_undeliverable(**changes):
    base = {
        "status": Status.FAILED,
        "failure_reason": FailureReason.SMS_UNDELIVERABLE,
        "task_token": "task-1",
    }
    return assigned_request(**{**base, **changes})


def test_the_waiting_task_is_failed_with_the_reason_its_failure_path_reads_back():
    workflow = FakeWorkflowClient()
    end_wait(_failed_undeliverable(), workflow=workflow)
    assert workflow.failed == {"task-1": FailureReason.SMS_UNDELIVERABLE}
    error = {"error": {"Error": str(workflow.failed["task-1"]), "Cause": "..."}}
    assert failure_reason_of(error) is FailureReason.SMS_UNDELIVERABLE


@pytest.mark.parametrize("timed_out", [True, False], ids=["timed-out", "gone"])
def test_a_wait_that_already_ended_is_left_to_the_next_step(timed_out):
    workflow = FakeWorkflowClient()
    workflow.closed_tasks["task-1"] = timed_out
    end_wait(_failed_undeliverable(), workflow=workflow)
    assert workflow.failed == {}


def test_an_unreachable_workflow_raises_so_the_record_is_retried():
    workflow = FakeWorkflowClient()
    workflow.available = False
    with pytest.raises(DependencyUnavailable):
        end_wait(_failed_undeliverable(), workflow=workflow)


def test_an_answer_still_resumes_the_wait():
    workflow = FakeWorkflowClient()
    answer = PartnerResponse(Answer.REJECT, T0)
    end_wait(
        assigned_request(status=Status.RESPONDED, response=answer, task_token="task-1"), workflow=workflow
    )
    assert workflow.completed == {"task-1": answer} and workflow.failed == {}


def test_other_failures_end_no_wait():
    workflow = FakeWorkflowClient()
    end_wait(_failed_undeliverable(failure_reason=FailureReason.INTERNAL), workflow=workflow)
    assert workflow.failed == {} and workflow.completed == {}


def test_the_customer_is_told_the_partner_could_not_be_reached_in_the_templates_words():
    request = _failed_undeliverable()
    message = template_message(request, Outcome.FAILED)
    assert "전달되지 않아" in message and request.reservation_number in message
    assert FailureReason.SMS_UNDELIVERABLE in TEMPLATE_ONLY_REASONS
