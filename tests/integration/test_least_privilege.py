"""Each function's IAM grant (runtime.deployment) equals what its adapters actually call.

Every AWS call the handlers make is recorded with the function that made it, across scenarios that
take every path (happy, retried, unmatched, an answer found by a retried SMS step, timeout, SMS
failure, late closing steps, the sweeper, an operator's redrive, the limits, a rotation of the link
secret). Calls are translated to IAM actions on the product's resources, and on the table to the key
prefix of every item they touch (IAM's `dynamodb:LeadingKeys`), and compared with the contract, both
ways: a missing grant would fail in AWS, an extra grant is privilege nobody uses. What an event
source mapping does with a consumer's role (read the stream, dead-letter) is not a call of the
function's code; it is checked under Pulumi's mocks.

The functions' clients read the botocore data their archives carry (models cut to
`runtime.deployment.CLIENT_OPERATIONS`, endpoints), as in Lambda, so every call here
is also made through them; and the operations called are exactly the ones the models keep.
"""

from __future__ import annotations

import json
import uuid
from collections import defaultdict
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from botocore.awsrequest import AWSResponse

from infra.lambda_package import build_code
from local.aws_calls import AwsCallLog
from local.sms_service import outcome_event
from runtime import bootstrap
from runtime.adapters.clock import SystemClock
from runtime.adapters.dynamo_converter import from_item
from runtime.adapters.dynamo_expressions import typed
from runtime.adapters.dynamo_keys import DUE, due_index, due_key
from runtime.adapters.dynamo_repository import DynamoRequestRepository
from runtime.adapters.step_functions import StepFunctionsWorkflow
from runtime.adapters.workflow_payloads import request_payload
from runtime.contract import (
    RESERVATION_INDEX,
    SERVICE_MODELS_FOLDER,
    STATUS_INDEX,
    TABLE,
    Env,
    Function,
    KeyPrefix,
)
from runtime.deployment import CLIENT_OPERATIONS, FUNCTIONS, Resource
from runtime.domain.errors import TaskClosed
from runtime.domain.model import Request
from runtime.handlers import (
    chat,
    decision,
    decision_waiter,
    failure,
    notification,
    partner_page,
    proposal_lapser,
    reminder,
    request_status,
    sms_sender,
    timeout,
)
from runtime.services.redrive import redrive_request
from tests.builders import request
from tests.integration.conftest import api_event, fail_calls
from tests.integration.flows import (
    CUSTOMER,
    SMS_OPERATION,
    SMS_RETRY_SECONDS,
    SMS_SERVICE,
    link_token,
    link_token_for,
    submit,
    submit_and_wait_for_link,
)

# The IAM action behind an API operation, where the two names differ.
GREETING = "안녕하세요"
IAM_ACTION = {"lambda:Invoke": "lambda:InvokeFunction", "bedrock:Converse": "bedrock:InvokeModel"}
TRANSACT_ITEM_ACTION = {
    "Put": "dynamodb:PutItem",
    "Update": "dynamodb:UpdateItem",
    "Delete": "dynamodb:DeleteItem",
    "ConditionCheck": "dynamodb:ConditionCheckItem",
}


Grant = tuple[Resource, str, KeyPrefix | None]


def granted_by_use(log: AwsCallLog) -> dict[str, set[Grant]]:
    """(resource, IAM action, key prefix) each function's calls need."""
    granted: dict[str, set[Grant]] = defaultdict(set)
    for call in log.calls:
        resource = _resource(call.service, call.operation, call.params)
        for action, key in _actions(call.action, call.params):
            granted[call.function].add((resource, action, key if resource is Resource.TABLE else None))
    return dict(granted)


def granted_by_contract() -> dict[str, set[Grant]]:
    return {
        str(function): {
            (p.resource, action, key)
            for p in spec.permissions
            for action in p.actions
            for key in p.keys or [None]
        }
        for function, spec in FUNCTIONS.items()
    }


def _actions(name: str, params: dict[str, Any]) -> list[tuple[str, KeyPrefix | None]]:
    if name == "dynamodb:TransactWriteItems":
        return [
            (TRANSACT_ITEM_ACTION[kind], _prefix(write))
            for item in params["TransactItems"]
            for kind, write in item.items()
        ]
    return [(IAM_ACTION.get(name, name), _prefix(params) if name.startswith("dynamodb:") else None)]


def _prefix(params: dict[str, Any]) -> KeyPrefix | None:
    """The prefix of the partition key an item call names (a table query: its `:pk`)."""
    if "IndexName" in params:  # an index: granted on the index, whatever its keys
        return None
    item = params.get("Key") or params.get("Item")
    if item is not None:
        value = item[TABLE.partition_key]["S"]
    elif ":pk" in params.get("ExpressionAttributeValues", {}):
        value = params["ExpressionAttributeValues"][":pk"]["S"]
    else:
        return None
    found = [prefix for prefix in KeyPrefix if value.startswith(prefix)]
    assert len(found) == 1, f"{value} begins with {found}"
    return found[0]


def _resource(service: str, operation: str, params: dict[str, Any]) -> Resource:
    if service == "dynamodb":
        index = params.get("IndexName")
        if index == RESERVATION_INDEX.name:
            return Resource.RESERVATION_INDEX
        return Resource.STATUS_INDEX if index == STATUS_INDEX.name else Resource.TABLE
    if service == "states":
        return Resource.STATE_MACHINE if operation == "StartExecution" else Resource.WORKFLOW_TASKS
    return {
        "secretsmanager": Resource.LINK_SECRET,
        "sms-voice": Resource.SMS,
        "sns": Resource.OPERATORS_TOPIC,
        "lex": Resource.BOT_ALIAS,
        "bedrock": Resource.BEDROCK_MODELS,
    }[service]


def always_answer(
    client: Any, operation: str, parsed: dict[str, Any] | Callable[[str], dict[str, Any]]
) -> None:
    """moto has no Lex runtime nor Converse: answer every call of `operation` with `parsed`, or with
    what `parsed` makes of the request's body."""

    def answer(params: dict[str, Any], **_: Any) -> tuple[AWSResponse, dict[str, Any]]:
        body = params.get("body") or b""
        text = body.decode("utf-8") if isinstance(body, bytes) else str(body)
        return AWSResponse("https://stub", 200, {}, None), parsed(text) if callable(parsed) else parsed

    event = f"before-call.{client.meta.service_model.service_id.hyphenize()}.{operation}"
    client.meta.events.register(event, answer)


def lex_answer(body: str) -> dict[str, Any]:
    """Lex's FallbackIntent for a greeting, ChangeReservation for anything else."""
    intent = "FallbackIntent" if json.loads(body or "{}").get("text") == GREETING else "ChangeReservation"
    return {"sessionState": {"intent": {"name": intent}}, "sessionId": "lex-session"}


@pytest.fixture
def recorded_deploy(deploy, monkeypatch):
    recorder = AwsCallLog()
    project = Path(__file__).resolve().parents[2]
    archive = build_code(project, project / "build" / "code")  # what Lambda unpacks in its task root

    def _deploy(**options: Any):
        stack = deploy(**options)
        monkeypatch.setenv(Env.LEX_BOT_ID, "BOTID12345")
        monkeypatch.setenv(Env.LEX_BOT_ALIAS_ID, "ALIAS12345")
        monkeypatch.setenv(Env.BEDROCK_MODEL_ID, "global.anthropic.claude-sonnet-4-6")
        monkeypatch.setenv(Env.BEDROCK_FALLBACK_MODEL_ID, "global.anthropic.claude-haiku-4-5-20251001-v1:0")
        monkeypatch.setenv("LAMBDA_TASK_ROOT", str(archive))
        bootstrap.reset()
        bootstrap.clear_overrides(bootstrap.classifier)  # Lex itself, as in AWS
        assert bootstrap.session().get_component("data_loader").folder == archive / SERVICE_MODELS_FOLDER
        recorder.attach()
        always_answer(bootstrap.client("lexv2-runtime"), "RecognizeText", lex_answer)
        model_answer = {"output": {"message": {"role": "assistant", "content": [{"text": "안내드립니다."}]}}}
        always_answer(bootstrap.client("bedrock-runtime"), "Converse", model_answer)
        return stack

    return recorder, _deploy


def test_every_function_uses_exactly_the_permissions_it_is_granted(recorded_deploy):
    recorder, deploy = recorded_deploy

    # Happy path and the customer's poll.
    stack = deploy()
    request_id, token = submit_and_wait_for_link(stack)
    bootstrap.secrets.cache_clear()  # each function reads the secret in its own cold start
    for _ in range(2):  # the second open finds the request opened, and reads it
        partner_page.handle(api_event("confirm_get", path_parameters={"token": token}), None)
    answer = api_event("respond_post", body={"token": token, "response": "accept"})
    assert partner_page.handle(answer, None)["statusCode"] == 200
    stack.wait_for(lambda: stack.request_item(request_id).get("notification"))
    request_status.handle(api_event("request_status_get", path_parameters={"requestId": request_id}), None)
    # Retried steps: the notification finds its message stored; a submit finds its request; the
    # closing steps find the answer recorded; an SMS attempt finds the partner already answered.
    answered = from_item(stack.request_item(request_id), Request)
    notification.handle({**request_payload(answered), "result": {"outcome": "responded"}}, None)
    for closing in (timeout, failure):
        assert closing.handle({"requestId": request_id, "error": {}}, None)["outcome"] == "responded"
    with pytest.raises(TaskClosed):
        sms_sender.handle({**request_payload(answered), "taskToken": "a-later-attempt"}, None)
    with pytest.raises(TaskClosed):
        reminder.handle({"requestId": request_id, "taskToken": "a-later-phase"}, None)
    retried = api_event(
        "chat_post",
        body={**CUSTOMER, "message": "조식을 추가하고 싶어요"},
        headers={"idempotency-key": "retried-0001"},
    )
    assert chat.handle(retried, None)["statusCode"] == chat.handle(retried, None)["statusCode"] == 201
    # A question the intent step does not understand: its text is kept for new utterances.
    unclear = api_event("chat_post", body={**CUSTOMER, "message": GREETING}, headers={"idempotency-key": ""})
    del unclear["headers"]["idempotency-key"]
    assert chat.handle(unclear, None)["statusCode"] == 422

    # A proposed time: the customer accepts it, the partner is told; a decision wait or a lapse that
    # comes after the decision finds it recorded; the partner's used link tells the outcome.
    proposed_id, proposed_token, customer_token = _propose(stack)
    bootstrap.secrets.cache_clear()  # the decision function reads it in its own cold start
    decided = decision.handle(_decision(proposed_id, customer_token), None)
    assert decided["statusCode"] == 200
    stack.wait_for(lambda: stack.request_item(proposed_id).get("partnerToldAt"))
    with pytest.raises(TaskClosed):
        decision_waiter.handle({"requestId": proposed_id, "taskToken": "a-late-wait"}, None)
    assert proposal_lapser.handle({"requestId": proposed_id}, None)["proposal"] == "accepted"
    used = partner_page.handle(api_event("confirm_get", path_parameters={"token": proposed_token}), None)
    assert used["statusCode"] == 409

    # Unknown reservation.
    stack.wait_for_status(submit(reservationNumber="HTL-999999")["requestId"], "Failed")

    # The link cannot reach the partner's phone: the delivery function fails the request, the resumer
    # fails its workflow's wait. A late report about the answered request changes nothing (it reads
    # what stands); one about no request at all writes nothing.
    unreachable = submit(customerPhone="010-0000-1011", reservationNumber="HTL-100111")["requestId"]
    stack.wait_for(lambda: stack.request_item(unreachable).get("notification"))
    for about, link_id in (
        (request_id, stack.request_item(request_id)["linkId"]),
        (str(uuid.uuid4()), "none"),
    ):
        params = {
            "DestinationPhoneNumber": "+821000002001",
            "Context": {"requestId": about, "sms": "link", "linkId": link_id},
        }
        report = json.dumps(outcome_event(str(uuid.uuid4()), params, delivered=False))
        stack.aws.client("sns").publish(TopicArn=stack.deployment.sms_events_topic_arn, Message=report)
    stack.aws.wait_idle()

    # The SMS never goes out: retried, then the workflow's failure path.
    fail_calls(bootstrap.client(SMS_SERVICE), SMS_OPERATION, code="InternalServerException", status=500)
    undelivered = submit()["requestId"]
    stack.wait_for(lambda: stack.request_item(undelivered).get("notification"), timeout=SMS_RETRY_SECONDS)

    # A silent partner: the timeout path. A request whose hand-off was lost: the sweeper.
    stack = deploy(partner_timeout_seconds=6, reminder_after_seconds=3, customer_decision_seconds=2)
    # A proposed time nobody decides on: it lapses and the partner is told.
    lapsing, _, _ = _propose(stack)
    stack.wait_for(lambda: stack.request_item(lapsing).get("partnerToldAt"), timeout=30)
    silent = submit()["requestId"]
    link_token(stack, count=2)  # the proposal's link came first
    bootstrap.secrets.cache_clear()  # the reminder (3 s after the SMS) reads it in its own cold start
    first = stack.wait_for(lambda: stack.request_item(silent).get("notification"))
    # An operator redrives it (with their own credentials, not a function's): the orchestrator starts
    # the second attempt with the grants it has, and the attempt ends as the first did.
    stack.wait_for(lambda: all(e["status"] != "RUNNING" for e in stack.executions()))
    redrive_request(
        silent,
        details={"reason": "partner called back", "operator": "oncall"},
        repository=DynamoRequestRepository(
            stack.aws.client("dynamodb"), stack.deployment.table_name, retention=timedelta(days=14)
        ),
        workflow=StepFunctionsWorkflow(stack.aws.client("stepfunctions"), stack.deployment.state_machine_arn),
        clock=SystemClock(),
        partner_timeout=timedelta(seconds=6),
    )
    stack.wait_for(lambda: stack.request_item(silent).get("notification") not in (None, first), timeout=30)
    fail_calls(bootstrap.client("stepfunctions"), "StartExecution", code="ServiceUnavailable", status=503)
    past = datetime.now(UTC) - timedelta(minutes=5)
    lost = request(request_id=str(uuid.uuid4()), created_at=past, updated_at=past, due_at=past)
    DynamoRequestRepository(  # written by the test, not by a function
        stack.aws.client("dynamodb"), stack.deployment.table_name, retention=timedelta(days=14)
    ).create_request(lost, None)
    stack.wait_for(lambda: stack.request_item(lost.request_id).get("notification"))
    # A due marker left beside a request already told: the sweeper only forgets it.
    stack.aws.client("dynamodb").put_item(
        TableName=stack.deployment.table_name,
        Item=typed(
            {**due_key(lost.request_id), **due_index(past, lost.request_id), "requestId": lost.request_id}
        ),
    )
    stack.wait_for(
        lambda: not stack.items(f"REQ#{lost.request_id}") or not _has_due_marker(stack, lost.request_id)
    )
    # Secrets Manager rotates the link secret: every step of the rotation function.
    stack.aws.rotate_link_secret(stack.deployment)
    stack.aws.wait_idle()

    used, granted = granted_by_use(recorder), granted_by_contract()
    assert {f: used.get(f, set()) - granted[f] for f in granted} == {f: set() for f in granted}, "not granted"
    assert {f: granted[f] - used.get(f, set()) for f in granted} == {f: set() for f in granted}, "never used"
    assert set(granted_by_use(recorder)) == {str(f) for f in Function}
    # Each grant names the client whose calls need it (what the region check in tests/infra reads).
    named = {
        (p.client, action) for spec in FUNCTIONS.values() for p in spec.permissions for action in p.actions
    }
    used = {
        (call.client, action) for call in recorder.calls for action, _ in _actions(call.action, call.params)
    }
    assert used == named
    # The archives' service models keep exactly the operations the functions call.
    called = defaultdict(set)
    for call in recorder.calls:
        called[call.client].add(call.operation)
    assert called == {service: set(operations) for service, operations in CLIENT_OPERATIONS.items()}


def _has_due_marker(stack, request_id):
    return any(item["SK"] == DUE for item in stack.items(f"REQ#{request_id}"))


def _propose(stack):
    """A request whose partner proposed another time: (request id, the partner's link, the customer's
    token), once the workflow waits for the customer's decision."""
    created = submit(message="체크인을 오후로 미루고 싶어요")
    bootstrap.secrets.cache_clear()  # the SMS step reads it in its own cold start, after the chat's
    request_id = created["requestId"]
    token = link_token_for(stack, request_id)
    when = (datetime.now(UTC) + timedelta(days=2)).isoformat()
    body = {"token": token, "response": "alternative", "alternativeTime": when, "note": "오전은 만실"}
    assert partner_page.handle(api_event("respond_post", body=body), None)["statusCode"] == 200
    stack.wait_for(lambda: stack.request_item(request_id).get("decisionTaskToken"))
    return request_id, token, created["customerToken"]


def _decision(request_id, customer_token, value="accept"):
    event = api_event("decision_post", body={"decision": value}, path_parameters={"requestId": request_id})
    event["headers"]["authorization"] = f"Bearer {customer_token}"
    return event


def test_every_key_prefix_of_the_table_is_granted_to_some_function_and_table_grants_name_prefixes():
    """No table grant covers the whole table; every prefix the keys use is someone's to touch."""
    table_grants = [
        p for spec in FUNCTIONS.values() for p in spec.permissions if p.resource is Resource.TABLE
    ]
    assert all(p.keys for p in table_grants)
    granted = {key for p in table_grants for key in p.keys}
    # Reservations are written by the sample loader (no function) and read through the index only.
    assert granted == set(KeyPrefix) - {KeyPrefix.RESERVATION}
    for prefix in KeyPrefix:
        others = [other for other in KeyPrefix if other is not prefix]
        assert not any(other.startswith(prefix) for other in others), f"{prefix} begins another prefix"
