"""The orchestrator: one workflow per request, and no hint whether a reservation exists."""

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
    request_id = submit()["requestId"]
    stack.wait_for(stack.executions)
    stack.aws.dispatcher.wait_idle()

    orchestrator.handle({"requestId": request_id}, None)
    orchestrator.handle({"requestId": request_id}, None)

    assert [e["name"] for e in stack.executions()] == [request_id]
    stack.wait_for_status(request_id, "SMSSent")
    assert len(stack.aws.outbox.messages()) == 1


def test_a_request_matched_but_not_started_is_started_once_on_retry(stack):
    """A crash between matching and starting: the retry starts the workflow, exactly once."""
    request_id = submit()["requestId"]
    stack.aws.dispatcher.wait_idle()
    execution = stack.wait_for(stack.executions)[0]
    stack.aws.client("stepfunctions").stop_execution(executionArn=execution["executionArn"])

    orchestrator.handle({"requestId": request_id}, None)

    assert len(stack.executions()) == 1
