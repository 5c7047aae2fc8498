"""Requests that need a person reach the operators' topic, delivered from the table's stream."""

from botocore.stub import Stubber

from runtime import bootstrap
from tests.integration.flows import SMS_SERVICE, submit


def _inbox(stack, count=1):
    return stack.wait_for(
        lambda: len(found := stack.aws.operators_inbox(stack.deployment)) >= count and found, timeout=30
    )


def test_a_request_that_timed_out_is_sent_to_the_operators_with_the_command_to_run(deploy):
    stack = deploy(partner_timeout_seconds=2)
    request_id = submit()["requestId"]

    (note,) = _inbox(stack)

    assert note["subject"] == f"[partner-confirm {stack.deployment.stage}] request Timeout"
    assert (
        f"python -m ops --stack {stack.deployment.stage} show {request_id}" in note["message"]
    )  # a test stage
    assert stack.request_item(request_id)["status"] == "Timeout"


def test_a_request_the_sms_service_refused_is_escalated_and_an_unknown_reservation_is_not(stack):
    unmatched = submit(reservationNumber="HTL-999999")["requestId"]
    stack.wait_for_status(unmatched, "Failed")
    with Stubber(bootstrap.client(SMS_SERVICE)) as sms:
        sms.add_client_error(
            "send_text_message",
            service_error_code="ConflictException",
            http_status_code=400,
            modeled_fields={"Message": "opted out", "Reason": "DESTINATION_PHONE_NUMBER_OPTED_OUT"},
        )
        refused = submit()["requestId"]
        stack.wait_for(lambda: stack.request_item(refused).get("notification"), timeout=30)

    (note,) = _inbox(stack)
    assert note["subject"].endswith("request Failed (SmsNotDelivered)")
    assert refused in note["message"] and unmatched not in note["message"]
