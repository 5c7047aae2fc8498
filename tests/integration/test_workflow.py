"""The deployed state machine definition, executed by moto's Step Functions, end to end, with the
hand-offs around it: the stream's dead-letter queue and the sweeper."""

import uuid
from datetime import UTC, datetime, timedelta

from botocore.stub import Stubber

from runtime import bootstrap
from runtime.contract import Function
from runtime.deployment import FUNCTIONS
from runtime.handlers import sweeper
from tests.builders import request
from tests.integration.conftest import fail_calls
from tests.integration.flows import SMS_ATTEMPTS, SMS_OPERATION, SMS_RETRY_SECONDS, SMS_SERVICE, submit

ORCHESTRATOR_RETRIES = FUNCTIONS[Function.ORCHESTRATOR].subscription.maximum_retry_attempts


def test_a_silent_partner_ends_in_timeout_with_one_customer_message(deploy):
    stack = deploy(partner_timeout_seconds=2)
    request_id = submit()["requestId"]

    final = stack.wait_for(lambda: (item := stack.request_item(request_id)).get("notification") and item)

    assert final["status"] == "Timeout"
    assert "제한 시간 안에 답하지 않았습니다" in final["notification"]["message"]
    assert stack.event_types(request_id) == ["Created", "SMSSent", "Reminded", "Timeout", "Notified"]
    execution = stack.wait_for(lambda: [e for e in stack.executions() if e["status"] == "SUCCEEDED"])
    assert [e["name"] for e in execution] == [request_id]


def test_an_sms_that_never_goes_out_is_retried_then_fails_with_a_message(stack):
    failures = fail_calls(
        bootstrap.client(SMS_SERVICE), SMS_OPERATION, code="InternalServerException", status=500
    )
    request_id = submit()["requestId"]
    final = stack.wait_for(
        lambda: (item := stack.request_item(request_id)).get("notification") and item,
        timeout=SMS_RETRY_SECONDS,
    )

    sdk_attempts = bootstrap.client(SMS_SERVICE).meta.config.retries["total_max_attempts"]
    assert (
        failures[0] == SMS_ATTEMPTS * sdk_attempts
    )  # every attempt of the workflow, each retried by the SDK
    assert final["status"] == "Failed"
    assert final["failureReason"] == "SmsNotDelivered"
    assert "전달하지 못했습니다" in final["notification"]["message"]
    assert stack.event_types(request_id) == ["Created", "Failed", "Notified"]


def test_an_sms_the_service_refuses_for_good_is_not_retried_and_fails_with_a_message(stack):
    client = bootstrap.client(SMS_SERVICE)
    attempts = []
    client.meta.events.register(
        f"provide-client-params.{SMS_SERVICE}.{SMS_OPERATION}", lambda **_: attempts.append(1)
    )
    with Stubber(client) as sms:
        sms.add_client_error(
            "send_text_message",
            service_error_code="ConflictException",
            http_status_code=400,
            modeled_fields={"Message": "opted out", "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT"},
        )
        request_id = submit()["requestId"]
        final = stack.wait_for(
            lambda: (item := stack.request_item(request_id)).get("notification") and item, timeout=30
        )
        sms.assert_no_pending_responses()

    assert final["status"] == "Failed"
    assert final["failureReason"] == "SmsNotDelivered"
    assert stack.event_types(request_id) == ["Created", "Failed", "Notified"]
    assert stack.aws.outbox.messages() == []
    assert len(attempts) == 1  # neither botocore nor the workflow sent it again


def test_a_new_request_the_orchestrator_keeps_failing_on_ends_in_the_dead_letter_queue(stack):
    """Retried, bisected, then dead-lettered: the request waits for the sweeper (its due marker stays)."""
    failures = fail_calls(
        bootstrap.client("stepfunctions"), "StartExecution", code="ServiceUnavailable", status=503
    )
    request_id = submit()["requestId"]

    messages = stack.wait_for(stack.dead_letters)
    (message,) = messages
    assert message["requestContext"]["condition"] == "RetryAttemptsExhausted"
    assert message["DDBStreamBatchInfo"]["streamArn"] == stack.deployment.stream_arn
    assert message["DDBStreamBatchInfo"]["batchSize"] == 1
    assert failures[0] >= 1 + ORCHESTRATOR_RETRIES
    assert stack.request_item(request_id)["status"] == "Created"
    assert stack.item(f"REQ#{request_id}", "DUE") is not None
    assert stack.executions() == []


def test_the_sweeper_ends_an_overdue_request_whose_start_was_lost_with_one_message(stack):
    """The orchestrator cannot start its workflow (its record goes to the dead-letter queue); the
    request was created with its due time already past, so the sweeper ends it at once."""
    fail_calls(bootstrap.client("stepfunctions"), "StartExecution", code="ServiceUnavailable", status=503)
    past = datetime.now(UTC) - timedelta(minutes=10)
    overdue = request(request_id=str(uuid.uuid4()), created_at=past, updated_at=past, due_at=past)
    bootstrap.repository().create_request(overdue, None)

    final = stack.wait_for(
        lambda: (item := stack.request_item(overdue.request_id)).get("notification") and item
    )

    assert final["status"] == "Failed"
    assert final["failureReason"] == "NotStarted"
    assert stack.event_types(overdue.request_id) == ["Created", "Failed", "Notified"]
    assert stack.item(f"REQ#{overdue.request_id}", "DUE") is None
    assert sweeper.handle({}, None) == {"swept": 0}
