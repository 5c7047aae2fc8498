"""The orchestrator: one workflow per request, and no hint whether a reservation exists."""

from runtime import bootstrap
from runtime.adapters.workflow_payloads import request_payload
from runtime.handlers import orchestrator
from tests.integration.flows import submit


def test_unknown_reservation_and_wrong_phone_end_failed_with_the_same_message(stack):
    unknown = submit(reservationNumber="HTL-999999")["requestId"]
    wrong_phone = submit(customerPhone="010-1111-2222")["requestId"]

    first = stack.wait_for_status(unknown, "Failed")
    second = stack.wait_for_status(wrong_phone, "Failed")
    assert first["notification"]["message"] == second["notification"]["message"]
    assert "확인하지 못했습니다" in first["notification"]["message"]
    assert first["failureReason"] == second["failureReason"] == "ReservationNotMatched"
    assert "partnerPhone" not in first and "partnerPhone" not in second
    assert stack.executions() == []
    assert stack.aws.outbox.messages() == []
    assert stack.event_types(unknown) == ["Created", "Failed", "Notified"]


def test_running_the_orchestrator_again_does_not_start_a_second_workflow(stack):
    """Lambda may deliver an async event twice, and retries a failed one: one workflow, one SMS."""
    request_id = submit()["requestId"]
    stack.wait_for(stack.executions)
    stack.aws.dispatcher.wait_idle()
    event = request_payload(bootstrap.repository().get_request(request_id))

    orchestrator.handle(event, None)
    orchestrator.handle(event, None)

    assert [e["name"] for e in stack.executions()] == [request_id]
    stack.wait_for_status(request_id, "SMSSent")
    stack.aws.dispatcher.wait_idle()
    assert len(stack.aws.outbox.messages()) == 1
