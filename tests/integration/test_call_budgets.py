"""How many AWS calls each API request costs, warm (deterministic budgets, not timings)."""

import pytest

from runtime import bootstrap
from runtime.handlers import chat, request_status, response
from tests.integration.aws_calls import AwsCallLog
from tests.integration.conftest import api_event
from tests.integration.flows import CUSTOMER, submit_and_wait_for_link


@pytest.fixture
def calls(stack):
    bootstrap.reset()
    log = AwsCallLog()
    log.attach()
    return log


def test_each_request_costs_a_fixed_small_number_of_aws_calls(stack, calls):
    request_id, token = submit_and_wait_for_link(stack)
    response.handle(api_event("confirm_get", path_parameters={"token": "A" * 28}), None)  # warm the secret
    stack.aws.dispatcher.wait_idle()
    calls.clear()

    chat.handle(
        api_event(
            "chat_post",
            body={**CUSTOMER, "message": "조식을 추가하고 싶어요"},
            headers={"idempotency-key": "budget-0001"},
        ),
        None,
    )
    assert calls.of("chat") == ["dynamodb:GetItem", "dynamodb:TransactWriteItems", "lambda:Invoke"]

    request_status.handle(api_event("request_status_get", path_parameters={"requestId": request_id}), None)
    assert calls.of("request-status") == ["dynamodb:Query"]

    response.handle(api_event("confirm_get", path_parameters={"token": token}), None)
    assert calls.of("response") == ["dynamodb:GetItem", "dynamodb:GetItem", "dynamodb:TransactWriteItems"]

    calls.clear()
    response.handle(api_event("respond_post", body={"token": token, "response": "accept"}), None)
    assert calls.of("response") == [
        "dynamodb:GetItem",
        "dynamodb:GetItem",
        "dynamodb:TransactWriteItems",
        "states:SendTaskSuccess",
    ]


def test_the_link_secret_is_read_once_per_cold_start(stack, calls):
    _, token = submit_and_wait_for_link(stack)
    stack.aws.dispatcher.wait_idle()
    bootstrap.secrets.cache_clear()  # a new process
    calls.clear()

    for _ in range(3):
        response.handle(api_event("confirm_get", path_parameters={"token": token}), None)

    assert calls.of("response").count("secretsmanager:GetSecretValue") == 1
