"""The repository's reads of the status index and its redrive write, on moto through real boto3:
requests by status and UTC day, page after page; the redrive's one conditional transaction."""

from __future__ import annotations

import uuid
from datetime import UTC, datetime, timedelta

import attrs
import pytest

from runtime import bootstrap
from runtime.adapters import dynamo_keys as keys
from runtime.adapters.dynamo_converter import to_item
from runtime.adapters.dynamo_expressions import typed
from runtime.domain.errors import StatusConflict
from runtime.domain.model import (
    Answer,
    FailureReason,
    MessageSource,
    Notification,
    Outcome,
    Status,
)
from runtime.domain.redrive import next_round
from tests.builders import request

DAY = datetime(2026, 11, 23, 15, 0, tzinfo=UTC)  # 2026-11-24 00:00 KST, still the 23rd in UTC
TOLD = Notification("파트너가 응답하지 않았습니다.", DAY, MessageSource.TEMPLATE, Outcome.TIMEOUT)
DETAILS = {"reason": "partner called back", "operator": "oncall"}


def _put_all(stack, items) -> None:
    client = stack.aws.client("dynamodb")
    for start in range(0, len(items), 25):
        batch = [{"PutRequest": {"Item": typed(item)}} for item in items[start : start + 25]]
        client.batch_write_item(RequestItems={stack.deployment.table_name: batch})


def _stored(status: Status, reached: datetime, created: datetime, **changes) -> dict:
    """A request item as the repository writes one that reached `status` at `reached`."""
    entity = request(
        request_id=str(uuid.uuid4()), status=status, created_at=created, updated_at=reached, **changes
    )
    return {
        **keys.request_key(entity.request_id),
        **keys.status_partition(status, reached),
        **keys.status_sort(created, entity.request_id),
        **to_item(entity),
    }


def test_requests_by_status_and_day_read_every_page_of_the_partition(deploy):
    """1,100 items of about 1 KB: more than one 1 MB page of a Query."""
    stack = deploy(hand_offs=False)
    long_question = "체크인 날짜를 바꾸고 싶어요. " * 40
    wanted = [
        _stored(Status.TIMEOUT, DAY, DAY - timedelta(seconds=n), query=long_question) for n in range(1100)
    ]
    others = [
        _stored(Status.TIMEOUT, DAY + timedelta(days=1), DAY),  # the next UTC day
        _stored(Status.FAILED, DAY, DAY),  # another status
    ]
    _put_all(stack, wanted + others)
    repository = bootstrap.repository()
    queries = []
    bootstrap.client("dynamodb").meta.events.register(
        "provide-client-params.dynamodb.Query", lambda params, **_: queries.append(params.get("Select"))
    )

    found = list(repository.requests_by_status(Status.TIMEOUT, DAY.date()))

    assert len(queries) > 1  # it followed LastEvaluatedKey
    assert [r.request_id for r in found] == [
        item["requestId"] for item in sorted(wanted, key=lambda item: item["createdAt"])
    ]
    assert all(r.status is Status.TIMEOUT for r in found)
    queries.clear()
    assert repository.count_in_status(Status.TIMEOUT, DAY.date()) == 1100
    assert queries and set(queries) == {"COUNT"}
    assert repository.count_in_status(Status.TIMEOUT, (DAY + timedelta(days=1)).date()) == 1
    assert [r.request_id for r in repository.requests_by_status(Status.FAILED, DAY.date())] == [
        others[1]["requestId"]
    ]
    assert list(repository.requests_by_status(Status.OPENED, DAY.date())) == []


@pytest.fixture
def timed_out(deploy):
    """A request whose first attempt timed out and was told, as the repository leaves it."""
    stack = deploy(hand_offs=False)
    repository = bootstrap.repository()
    created = request(request_id=str(uuid.uuid4()), created_at=DAY, updated_at=DAY, due_at=DAY)
    repository.create_request(created, None)
    repository.close(
        created.request_id,
        Status.TIMEOUT,
        DAY + timedelta(minutes=5),
        allowed_from=frozenset({Status.CREATED}),
        notification=attrs.evolve(TOLD, at=DAY + timedelta(minutes=5)),
    )
    return stack, repository, repository.get_request(created.request_id)


def test_a_redrive_is_one_write_that_starts_the_next_attempt(timed_out):
    stack, repository, read = timed_out
    # What the first attempt's link and reminder left on the request.
    reminded = {
        **stack.request_item(read.request_id),
        "linkId": "3q2-7wEAAAAAAAAA",
        "linkExpiresAt": keys.timestamp(DAY),
        "remindedAt": keys.timestamp(DAY),
        "taskToken": "task-token-1",
    }
    stack.aws.client("dynamodb").put_item(TableName=stack.deployment.table_name, Item=typed(reminded))
    read = repository.get_request(read.request_id)
    at = DAY + timedelta(days=1, hours=2)
    redriven = next_round(read, at, timedelta(seconds=300))

    repository.redrive(read, redriven, details=DETAILS)

    item = stack.request_item(read.request_id)
    assert item["status"] == "Created"
    assert item["GSI2PK"] == f"STATUS#Created#{at.date()}"  # the status index moved with it
    assert item["GSI2SK"] == keys.status_sort(read.created_at, read.request_id)["GSI2SK"]
    assert item["attempt"] == 2
    assert item["earlierNotifications"] == [to_item(read)["notification"]]
    assert not {"notification", "linkId", "linkExpiresAt", "remindedAt", "taskToken"} & set(item)
    assert item["dueAt"] == keys.timestamp(redriven.due_at)
    due = stack.item(f"REQ#{read.request_id}", "DUE")
    assert due["GSI2PK"] == keys.due_partition(redriven.due_at.date().isoformat())
    (event,) = [e for e in stack.items(f"REQ#{read.request_id}") if e.get("type") == "Redriven"]
    assert event["details"] == DETAILS
    assert repository.get_request(read.request_id) == redriven
    assert [r.request_id for r in repository.requests_by_status(Status.CREATED, at.date())] == [
        read.request_id
    ]
    assert list(repository.requests_by_status(Status.TIMEOUT, read.updated_at.date())) == []


@pytest.mark.parametrize(
    "changed",
    [
        {"status": "SMSSent"},
        {"response": {"answer": str(Answer.ACCEPT), "respondedAt": keys.timestamp(DAY)}},
        {"failureReason": str(FailureReason.RESERVATION_NOT_MATCHED), "status": "Failed"},
        {"attempt": 2},  # another operator redrove it meanwhile (and that attempt ended too)
    ],
    ids=["open", "answered", "unmatched", "attempt-moved-on"],
)
def test_a_redrive_is_refused_unless_the_request_is_as_read(timed_out, changed):
    stack, repository, read = timed_out
    item = {**stack.request_item(read.request_id), **changed}
    stack.aws.client("dynamodb").put_item(TableName=stack.deployment.table_name, Item=typed(item))

    with pytest.raises(StatusConflict):
        repository.redrive(
            read, next_round(read, DAY + timedelta(days=1), timedelta(seconds=300)), details=DETAILS
        )

    assert stack.request_item(read.request_id) == item
    assert "Redriven" not in stack.event_types(read.request_id)


def test_a_redrive_of_a_request_whose_customer_is_untold_is_refused(deploy):
    deploy(hand_offs=False)
    repository = bootstrap.repository()
    created = request(request_id=str(uuid.uuid4()), created_at=DAY, updated_at=DAY, due_at=DAY)
    repository.create_request(created, None)
    repository.close(created.request_id, Status.TIMEOUT, DAY, allowed_from=frozenset({Status.CREATED}))
    read = repository.get_request(created.request_id)
    told_later = attrs.evolve(read, notification=TOLD)

    with pytest.raises(StatusConflict):
        repository.redrive(read, next_round(told_later, DAY, timedelta(seconds=300)), details=DETAILS)
    assert repository.get_request(created.request_id).status is Status.TIMEOUT
