"""How many AWS calls each step and each complete flow cost, warm (deterministic budgets, not timings)."""

from datetime import UTC, datetime, timedelta

import pytest

from bench.calls import AWS_ONLY, FLOW_BUDGET, ONCE_PER_COLD_START
from local.aws_calls import AwsCallLog
from runtime import bootstrap
from runtime.handlers import chat, decision, partner_page, request_status
from tests.integration.conftest import api_event
from tests.integration.flows import CUSTOMER, link_token, submit, submit_and_wait_for_link

# Not part of a flow's cost: the customer's polls, the sweeper's runs (on a schedule, whatever the
# traffic), and the link secret read once per cold start.
NOT_COUNTED = {"request-status", "sweeper", *ONCE_PER_COLD_START}


@pytest.fixture
def calls(stack):
    bootstrap.reset()
    log = AwsCallLog()
    log.attach()
    return log


def _answer_and_wait_for_the_message(stack, request_id, token):
    partner_page.handle(api_event("respond_post", body={"token": token, "response": "accept"}), None)
    stack.wait_for(lambda: (item := stack.request_item(request_id)) and "notification" in item)
    stack.aws.wait_idle()


def _warm(stack):
    """One flow first, so every once-per-cold-start read is behind us."""
    _answer_and_wait_for_the_message(stack, *submit_and_wait_for_link(stack))


def test_a_complete_happy_flow_stays_within_the_call_budget(stack, calls):
    _warm(stack)
    calls.clear()

    request_id = submit()["requestId"]
    token = link_token(stack, count=2)
    stack.wait_for_status(request_id, "SMSSent")
    partner_page.handle(api_event("confirm_get", path_parameters={"token": token}), None)
    _answer_and_wait_for_the_message(stack, request_id, token)
    stack.wait_for(lambda: stack.delivery_events(request_id))  # the link's outcome, on the carrier's time

    assert calls.of("chat") == ["dynamodb:TransactWriteItems"]  # the request, its event and due marker
    assert calls.of("orchestrator") == ["dynamodb:Query", "states:StartExecution"]
    assert calls.of("sms-sender") == [
        "dynamodb:TransactWriteItems",  # task token on the request + the link, before the SMS
        "sms-voice:SendTextMessage",
        "dynamodb:TransactWriteItems",  # SMSSent + its event
    ]
    assert calls.of("partner-page") == [
        "dynamodb:GetItem",  # GET confirm: the link
        "dynamodb:TransactWriteItems",  # Opened + its event
        "dynamodb:GetItem",  # POST respond: the link
        "dynamodb:TransactWriteItems",  # consume the link + Responded + its event
    ]
    assert calls.of("resumer") == ["states:SendTaskSuccess"]  # from the recorded answer
    # The message, its event, the due marker gone and the request's place among its reservation's
    # open requests freed: one write.
    assert calls.of("notification") == ["dynamodb:TransactWriteItems"]
    assert calls.of("sms-delivery") == ["dynamodb:TransactWriteItems"]  # Delivered, if the request exists

    counted = [c for c in calls.calls if c.function not in NOT_COUNTED and c.name not in NOT_COUNTED]
    in_aws = len(counted) + sum(len(extra) for extra in AWS_ONLY.values())
    assert in_aws <= FLOW_BUDGET, f"{in_aws} AWS calls per flow"


def test_a_decision_on_a_proposed_time_costs_eight_calls_after_the_flow(stack, calls):
    """The customer's decision, the workflow's second wait, the partner's SMS and its delivery report:
    what a proposed time adds to a flow."""
    _warm(stack)
    created = submit()
    request_id = created["requestId"]
    token = link_token(stack, count=2)
    when = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {"token": token, "response": "alternative", "alternativeTime": when}
    calls.clear()
    partner_page.handle(api_event("respond_post", body=body), None)
    stack.wait_for(lambda: stack.request_item(request_id).get("decisionTaskToken"))
    stack.aws.wait_idle()
    assert calls.of("decision-waiter") == ["dynamodb:UpdateItem"]  # its task token, while pending
    calls.clear()

    event = api_event(
        "decision_post", body={"decision": "decline"}, path_parameters={"requestId": request_id}
    )
    event["headers"]["authorization"] = f"Bearer {created['customerToken']}"
    assert decision.handle(event, None)["statusCode"] == 200
    stack.wait_for(lambda: stack.request_item(request_id).get("partnerToldAt"))
    stack.aws.wait_idle()

    assert calls.of("decision") == [
        "dynamodb:GetItem",  # the request: its token id and proposal
        "dynamodb:TransactWriteItems",  # the decision + its event
    ]
    assert calls.of("resumer") == ["states:SendTaskSuccess"]  # from the recorded decision
    assert calls.of("partner-teller") == [
        "dynamodb:GetItem",  # the request as decided
        "sms-voice:SendTextMessage",
        "dynamodb:TransactWriteItems",  # PartnerTold + its event
    ]
    stack.wait_for(lambda: calls.of("sms-delivery"))  # the carrier's report comes on its own time
    assert calls.of("sms-delivery") == ["dynamodb:TransactWriteItems"]  # the outcome SMS Delivered
    counted = [c for c in calls.calls if c.function not in NOT_COUNTED and c.name not in NOT_COUNTED]
    assert len(counted) == 7  # eight with the wait's UpdateItem above


def _submit_with_key(idempotency_key):
    event = api_event(
        "chat_post",
        body={**CUSTOMER, "message": "조식을 추가하고 싶어요"},
        headers={"idempotency-key": idempotency_key},
    )
    assert chat.handle(event, None)["statusCode"] == 201


def test_each_api_request_costs_a_fixed_small_number_of_aws_calls(stack, calls):
    request_id, token = submit_and_wait_for_link(stack)
    partner_page.handle(
        api_event("confirm_get", path_parameters={"token": "A" * 28}), None
    )  # warm the secret
    stack.aws.wait_idle()
    calls.clear()

    _submit_with_key("budget-0001")
    assert calls.of("chat") == ["dynamodb:TransactWriteItems"]

    calls.clear()
    _submit_with_key("budget-0001")
    # A retried submit: the create finds the key taken, then the earlier request is read back.
    assert calls.of("chat") == ["dynamodb:TransactWriteItems", "dynamodb:GetItem", "dynamodb:GetItem"]

    request_status.handle(api_event("request_status_get", path_parameters={"requestId": request_id}), None)
    assert calls.of("request-status") == ["dynamodb:Query"]

    calls.clear()
    for _ in range(2):
        partner_page.handle(api_event("confirm_get", path_parameters={"token": token}), None)
    # The second open finds the request opened already, and reads it to show it.
    assert calls.of("partner-page") == [
        "dynamodb:GetItem",
        "dynamodb:TransactWriteItems",
        "dynamodb:GetItem",
        "dynamodb:TransactWriteItems",
        "dynamodb:GetItem",
    ]


def test_the_link_secret_is_read_once_for_many_requests_its_current_key_alone(stack, calls):
    """A fresh link names the current key: the previous one is not read (a cold start makes one call)."""
    _, token = submit_and_wait_for_link(stack)
    stack.aws.wait_idle()
    bootstrap.secrets.cache_clear()  # a new process
    calls.clear()

    for _ in range(3):
        partner_page.handle(api_event("confirm_get", path_parameters={"token": token}), None)

    reads = [c.params.get("VersionStage") for c in calls.calls if c.name == "secretsmanager:GetSecretValue"]
    assert reads == ["AWSCURRENT"]
