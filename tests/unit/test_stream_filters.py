"""The hand-off filters (runtime.deployment) against stream records as DynamoDB writes them, through
the local poller's implementation of Lambda's filter syntax."""

import pytest

from local.event_filters import UnsupportedFilter, matches, matches_any
from runtime.adapters.dynamo_converter import to_item
from runtime.adapters.dynamo_expressions import typed
from runtime.adapters.dynamo_keys import due_key, event_key, link_key, request_key
from runtime.contract import STATUS_ATTRIBUTE, TABLE, Function
from runtime.deployment import (
    ANSWER_RECORDED_FILTER,
    FAILED_FOR_THE_SYSTEM_FILTER,
    FUNCTIONS,
    NEW_REQUEST_FILTER,
    REDRIVEN_FILTER,
    TIMED_OUT_FILTER,
)
from runtime.domain.model import EventType, FailureReason, Status
from tests.builders import T0, assigned_request, request


def _record(event_name, keys, new=None, old=None):
    change = {"Keys": typed(keys), "SequenceNumber": "100"}
    if new is not None:
        change["NewImage"] = typed({**keys, **new})
    if old is not None:
        change["OldImage"] = typed({**keys, **old})
    return {"eventName": event_name, "eventSource": "aws:dynamodb", "dynamodb": change}


def _request_item(**changes):
    return to_item(assigned_request(**changes))


REQUEST_KEY = request_key(request().request_id)


def test_the_filters_name_the_tables_keys_and_the_status_attribute_the_converter_writes():
    assert set(NEW_REQUEST_FILTER["dynamodb"]["Keys"]) == {TABLE.partition_key, TABLE.sort_key}
    assert STATUS_ATTRIBUTE in to_item(request())


def test_a_new_request_reaches_the_orchestrator_and_nothing_else_does():
    assert matches(NEW_REQUEST_FILTER, _record("INSERT", REQUEST_KEY, new=_request_item()))
    event = event_key(request().request_id, T0, EventType.CREATED)
    assert not matches(NEW_REQUEST_FILTER, _record("INSERT", event, new={"type": "Created"}))
    assert not matches(NEW_REQUEST_FILTER, _record("INSERT", due_key(request().request_id), new={}))
    assert not matches(NEW_REQUEST_FILTER, _record("INSERT", link_key("abc"), new={}))
    changed = _record("MODIFY", REQUEST_KEY, new=_request_item(), old=_request_item())
    assert not matches(NEW_REQUEST_FILTER, changed)


def test_only_the_change_to_responded_reaches_the_resumer():
    answered = _record(
        "MODIFY",
        REQUEST_KEY,
        new=_request_item(status=Status.RESPONDED),
        old=_request_item(status=Status.OPENED),
    )
    assert matches(ANSWER_RECORDED_FILTER, answered)
    told = _record(
        "MODIFY",
        REQUEST_KEY,
        new=_request_item(status=Status.RESPONDED),
        old=_request_item(status=Status.RESPONDED),
    )
    assert not matches(ANSWER_RECORDED_FILTER, told)  # the message stored afterwards
    timed_out = _record(
        "MODIFY",
        REQUEST_KEY,
        new=_request_item(status=Status.TIMEOUT),
        old=_request_item(status=Status.OPENED),
    )
    assert not matches(ANSWER_RECORDED_FILTER, timed_out)
    assert not matches(ANSWER_RECORDED_FILTER, _record("INSERT", REQUEST_KEY, new=_request_item()))


@pytest.mark.parametrize("ended", [Status.TIMEOUT, Status.FAILED])
def test_a_redrive_reaches_the_orchestrator_and_the_resumer_never_sees_it(ended):
    redriven = _record(
        "MODIFY",
        REQUEST_KEY,
        new=_request_item(status=Status.CREATED, attempt=2),
        old=_request_item(status=ended),
    )
    assert matches(REDRIVEN_FILTER, redriven)
    assert matches_any(FUNCTIONS[Function.ORCHESTRATOR].subscription.filters, redriven)
    assert not matches_any(FUNCTIONS[Function.RESUMER].subscription.filters, redriven)


@pytest.mark.parametrize(
    ("old", "new"),
    [
        (Status.CREATED, Status.CREATED),  # the SMS step storing its task token on a new request
        (Status.RESPONDED, Status.RESPONDED),  # a message stored
        (Status.SMS_SENT, Status.TIMEOUT),  # a round ending
        (Status.CREATED, Status.SMS_SENT),
    ],
)
def test_no_other_change_of_a_request_reaches_the_orchestrator(old, new):
    changed = _record("MODIFY", REQUEST_KEY, new=_request_item(status=new), old=_request_item(status=old))
    assert not matches_any(FUNCTIONS[Function.ORCHESTRATOR].subscription.filters, changed)


def test_a_redriven_event_or_due_marker_is_not_a_redrive():
    event = event_key(request().request_id, T0, EventType.REDRIVEN)
    assert not matches(REDRIVEN_FILTER, _record("INSERT", event, new={"type": "Redriven"}))
    due = due_key(request().request_id)
    assert not matches(REDRIVEN_FILTER, _record("MODIFY", due, new={}, old={}))


def test_every_consumer_has_filters_and_alternatives_are_ored():
    consumers = {f for f, spec in FUNCTIONS.items() if spec.subscription}
    assert consumers == {Function.ORCHESTRATOR, Function.RESUMER, Function.ESCALATOR}
    record = _record("INSERT", REQUEST_KEY, new=_request_item())
    assert matches_any([ANSWER_RECORDED_FILTER, NEW_REQUEST_FILTER], record)
    assert not matches_any([ANSWER_RECORDED_FILTER], record)


@pytest.mark.parametrize(
    ("pattern", "record", "expected"),
    [
        ({"a": ["x"]}, {"a": "x"}, True),
        ({"a": ["x"]}, {"a": "y"}, False),
        ({"a": ["x"]}, {}, False),
        ({"a": [{"exists": False}]}, {}, True),
        ({"a": [{"exists": True}]}, {"a": 1}, True),
        ({"a": [{"prefix": "RE"}]}, {"a": "REQ#1"}, True),
        ({"a": [{"prefix": "RE"}]}, {"a": 5}, False),
        ({"a": [{"anything-but": ["x"]}]}, {"a": "y"}, True),
        ({"a": [{"anything-but": ["x"]}]}, {"a": "x"}, False),
        ({"a": [{"anything-but": ["x"]}]}, {}, False),
        ({"a": {"b": ["x"]}}, {"a": {"b": "x"}}, True),
        ({"a": {"b": ["x"]}}, {"a": "x"}, False),
        ({"a": [1, 2]}, {"a": [3, 2]}, True),
    ],
)
def test_the_filter_syntax_behaves_as_lambdas(pattern, record, expected):
    assert matches(pattern, record) is expected


def test_syntax_the_emulation_lacks_is_refused_rather_than_passed():
    with pytest.raises(UnsupportedFilter):
        matches({"a": [{"numeric": [">", 1]}]}, {"a": 2})
    with pytest.raises(UnsupportedFilter):
        matches({"a": "x"}, {"a": "x"})


@pytest.mark.parametrize(
    ("new", "old", "escalated"),
    [
        ({"status": Status.TIMEOUT}, {"status": Status.OPENED}, True),
        (
            {"status": Status.FAILED, "failure_reason": FailureReason.SMS_NOT_DELIVERED},
            {"status": Status.CREATED},
            True,
        ),
        (
            {"status": Status.FAILED, "failure_reason": FailureReason.NOT_STARTED},
            {"status": Status.CREATED},
            True,
        ),
        (
            {"status": Status.FAILED, "failure_reason": FailureReason.RESERVATION_NOT_MATCHED},
            {"status": Status.CREATED},
            False,
        ),
        ({"status": Status.TIMEOUT}, {"status": Status.TIMEOUT}, False),  # the message stored afterwards
        ({"status": Status.RESPONDED}, {"status": Status.OPENED}, False),
    ],
    ids=["timeout", "sms-failed", "never-started", "unmatched", "told-afterwards", "answered"],
)
def test_requests_that_need_a_person_reach_the_escalator(new, old, escalated):
    filters = [TIMED_OUT_FILTER, FAILED_FOR_THE_SYSTEM_FILTER]
    record = _record("MODIFY", REQUEST_KEY, new=_request_item(**new), old=_request_item(**old))
    assert matches_any(filters, record) is escalated
