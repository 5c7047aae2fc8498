"""The deployed state machine definition, executed by moto's Step Functions, end to end."""

from botocore.stub import Stubber

from runtime import bootstrap
from tests.integration.flows import submit


def test_a_silent_partner_ends_in_timeout_with_one_customer_message(deploy):
    stack = deploy(partner_timeout_seconds=1)
    request_id = submit()["requestId"]

    final = stack.wait_for(lambda: (item := stack.request_item(request_id)).get("notification") and item)

    assert final["status"] == "Timeout"
    assert "제한 시간 안에 답하지 않았습니다" in final["notification"]["message"]
    assert stack.event_types(request_id) == ["Created", "SMSSent", "Timeout", "Notified"]
    execution = stack.wait_for(lambda: [e for e in stack.executions() if e["status"] == "SUCCEEDED"])
    assert [e["name"] for e in execution] == [request_id]


def test_an_sms_that_never_goes_out_is_retried_then_fails_with_a_message(stack):
    with Stubber(bootstrap.client("pinpoint-sms-voice-v2")) as sms:
        for _ in range(3):  # the first attempt and two retries
            sms.add_client_error(
                "send_text_message", service_error_code="InternalServerException", http_status_code=500
            )
        request_id = submit()["requestId"]
        final = stack.wait_for(
            lambda: (item := stack.request_item(request_id)).get("notification") and item, timeout=30
        )
        sms.assert_no_pending_responses()

    assert final["status"] == "Failed"
    assert final["failureReason"] == "SmsNotDelivered"
    assert "전달하지 못했습니다" in final["notification"]["message"]
    assert stack.event_types(request_id) == ["Created", "Failed", "Notified"]


def test_an_sms_the_service_refuses_for_good_is_not_retried_and_fails_with_a_message(stack):
    client = bootstrap.client("pinpoint-sms-voice-v2")
    attempts = []
    client.meta.events.register(
        "provide-client-params.pinpoint-sms-voice-v2.SendTextMessage", lambda **_: attempts.append(1)
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


def test_an_orchestrator_that_keeps_failing_ends_failed_through_its_destination(stack):
    with Stubber(bootstrap.client("stepfunctions")) as sfn:
        for _ in range(2):  # the invocation and Lambda's one retry
            sfn.add_client_error(
                "start_execution", service_error_code="ServiceUnavailable", http_status_code=503
            )
        request_id = submit()["requestId"]
        final = stack.wait_for(lambda: (item := stack.request_item(request_id)).get("notification") and item)
        sfn.assert_no_pending_responses()

    assert final["status"] == "Failed"
    assert final["failureReason"] == "Internal"
    assert stack.event_types(request_id) == ["Created", "Failed", "Notified"]
    assert stack.executions() == []
