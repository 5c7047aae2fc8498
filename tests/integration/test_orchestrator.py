"""The orchestrator, fed by the table's stream: one workflow per request, and no hint whether a
reservation exists."""

from runtime.handlers import orchestrator
from tests.integration.conftest import stream_event
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


def test_a_stream_record_delivered_again_does_not_start_a_second_workflow(stack):
    """The stream delivers at least once, and retries a failed batch: one workflow, one SMS."""
    request_id = submit()["requestId"]
    stack.wait_for(stack.executions)
    stack.aws.wait_idle()
    event = stream_event(stack.request_item(request_id))

    assert orchestrator.handle(event, None) == {"batchItemFailures": []}
    assert orchestrator.handle(event, None) == {"batchItemFailures": []}

    assert [e["name"] for e in stack.executions()] == [request_id]
    stack.wait_for_status(request_id, "SMSSent")
    stack.aws.wait_idle()
    assert len(stack.aws.outbox.messages()) == 1
