"""The Powertools peer `make bench` measures beside our chat does our chat's job on the emulated account:
the same answers, the same items, one write per request, a retried submit answered with the same one."""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from bench import peer
from bench.cold_start_probe import LambdaContext
from local.aws_calls import AwsCallLog
from runtime import bootstrap
from runtime.domain.model import EventType, Status
from runtime.handlers import chat
from tests.integration.conftest import api_event, body_of
from tests.integration.flows import CUSTOMER

QUESTION = "체크인 날짜를 하루 미루고 싶어요"
# Powertools warns of what the peer does on purpose: no metric for a refused request, as ours.
pytestmark = pytest.mark.filterwarnings("ignore:No application metrics to publish:UserWarning")


@pytest.fixture
def peer_chat(stack):
    return _loaded()


@pytest.fixture
def quiet_stack(deploy):
    """An account where nothing takes a new request on: items stay as written."""
    return deploy(hand_offs=False)


def _loaded() -> tuple[Any, AwsCallLog]:
    """The peer loaded fresh against this test's account, each of its AWS calls recorded."""
    module = peer.load()
    calls = AwsCallLog()
    calls.attach(module.dynamodb.meta.events)  # its handler and its persistence layer share this client
    return module, calls


def _submit(module: Any, body: dict[str, Any], key: str | None = None) -> dict[str, Any]:
    headers = {"idempotency-key": key} if key else {}
    event = api_event("chat_post", body=body, headers=headers)
    if key is None:
        del event["headers"]["idempotency-key"]  # the recorded event carries one
    return module.handler(event, LambdaContext(peer.FUNCTION_NAME))


def _names(calls: AwsCallLog) -> list[str]:
    return [call.name for call in calls.take()]


# What our chat stores and the peer does not: the customer's token (it came after the peer).
NOT_IN_THE_PEER = {"customerTokenId", "customerTokenExpiresAt"}


def _shape(stack, request_id: str) -> list[tuple[str, tuple[str, ...], tuple[str, ...]]]:
    """The request's items as (kind of sort key, attribute names, values that name no id or time)."""
    fixed = ("entity", "type", "status", "intent", "intentSource", "customerPhone", "reservationNumber")
    shape = []
    for item in stack.items(f"REQ#{request_id}"):
        kind = item["SK"].split("#", 1)[0]
        names = tuple(sorted(set(item) - NOT_IN_THE_PEER))
        shape.append((kind, names, tuple(str(item[name]) for name in fixed if name in item)))
    return sorted(shape)


def test_a_valid_submit_is_answered_201_and_stored_as_our_chat_stores_it(quiet_stack):
    stack = quiet_stack
    module, calls = _loaded()
    body = {**CUSTOMER, "message": QUESTION}

    answered = _submit(module, body, key=f"peer-{uuid.uuid4()}")
    ours = chat.handle(api_event("chat_post", body=body, headers={"idempotency-key": "ours-00001"}), None)

    assert answered["statusCode"] == ours["statusCode"] == 201
    created, ours_created = body_of(answered), body_of(ours)
    # The peer gives no customer token (deciding on a proposed time came after it); the rest is the same.
    assert "customerToken" not in created
    assert ours_created.pop("customerToken")
    assert {**created, "requestId": ""} == {**ours_created, "requestId": ""}
    assert created["requestId"] != ours_created["requestId"]
    # One write of the request, between Powertools' own two calls on its idempotency record.
    assert _names(calls) == ["dynamodb:PutItem", "dynamodb:TransactWriteItems", "dynamodb:UpdateItem"]
    assert _shape(stack, created["requestId"]) == _shape(stack, ours_created["requestId"])
    request, events = bootstrap.repository().get_timeline(created["requestId"])
    assert request.intent == "ChangeReservation"
    assert request.status is Status.CREATED
    assert [event.type for event in events] == [EventType.CREATED]


def test_the_product_takes_the_peer_s_request_on_from_the_table_s_stream(stack, peer_chat):
    module, _ = peer_chat

    answered = _submit(module, {**CUSTOMER, "message": QUESTION}, key=f"peer-{uuid.uuid4()}")

    assert answered["statusCode"] == 201
    stack.wait_for_status(body_of(answered)["requestId"], "SMSSent")


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"reservationNumber": "HTL-100101", "message": QUESTION}, "customerPhone"),
        ({**CUSTOMER, "reservationNumber": "예약번호", "message": QUESTION}, "reservationNumber"),
        ({**CUSTOMER, "message": "가" * 1001}, "message"),
    ],
    ids=["missing-phone", "malformed-reservation", "message-over-1000"],
)
def test_an_invalid_submit_is_answered_400_in_the_error_shape_with_no_aws_call(stack, peer_chat, body, field):
    module, calls = peer_chat

    answered = _submit(module, body, key=f"peer-{uuid.uuid4()}")

    assert answered["statusCode"] == 400
    error = body_of(answered)["error"]
    assert error["code"] == "INVALID_INPUT"
    assert error["field"] == field
    assert any("가" <= ch <= "힣" for ch in error["message"])
    assert _names(calls) == []
    assert stack.items("REQ#") == []


def test_a_body_that_is_not_json_is_answered_400(stack, peer_chat):
    module, calls = peer_chat
    event = api_event("chat_post", raw_body="customerPhone=010")

    answered = module.handler(event, LambdaContext(peer.FUNCTION_NAME))

    assert answered["statusCode"] == 400
    assert body_of(answered)["error"]["code"] == "INVALID_INPUT"
    assert _names(calls) == []


def test_the_same_idempotency_key_twice_returns_the_same_request_with_one_write(stack, peer_chat):
    module, calls = peer_chat
    body, key = {**CUSTOMER, "message": "조식을 추가하고 싶어요"}, f"page-submit-{uuid.uuid4()}"

    first = _submit(module, body, key)
    first_calls = _names(calls)
    again = _submit(module, body, key)
    again_calls = _names(calls)

    assert first["statusCode"] == again["statusCode"] == 201
    assert body_of(again) == body_of(first)
    assert first_calls.count("dynamodb:TransactWriteItems") == 1
    assert again_calls == ["dynamodb:PutItem"]  # refused, and answered with the record it found
    requests = [item for item in stack.items("REQ#") if item["SK"] == "METADATA"]
    assert [item["requestId"] for item in requests] == [body_of(first)["requestId"]]
    (record,) = stack.items(module.IDEMPOTENCY_PARTITION)
    assert record["status"] == "COMPLETED"
    assert record["ttl"] > 0


def test_the_same_key_with_other_content_is_refused_as_our_chat_refuses_it(stack, peer_chat):
    module, _ = peer_chat
    key = f"page-submit-{uuid.uuid4()}"

    first = _submit(module, {**CUSTOMER, "message": QUESTION}, key)
    other = _submit(module, {**CUSTOMER, "message": "조식을 추가하고 싶어요"}, key)

    assert first["statusCode"] == 201
    assert other["statusCode"] == 409
    assert body_of(other)["error"]["code"] == "IDEMPOTENCY_KEY_REUSED"
    assert len([item for item in stack.items("REQ#") if item["SK"] == "METADATA"]) == 1


@pytest.mark.filterwarnings("ignore:No idempotency key value found:UserWarning")
def test_a_submit_without_a_key_creates_a_request_with_no_idempotency_record(stack, peer_chat):
    module, calls = peer_chat

    answered = _submit(module, {**CUSTOMER, "message": QUESTION})

    assert answered["statusCode"] == 201
    assert _names(calls) == ["dynamodb:TransactWriteItems"]
    assert stack.items(module.IDEMPOTENCY_PARTITION) == []
