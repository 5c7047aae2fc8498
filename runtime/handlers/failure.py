"""Failures: the workflow's Catch (States.ALL), and the orchestrator's on-failure destination.

Inside the workflow the notification step follows; from the destination nothing follows, so the
customer's message is written here, with the status.
"""

from runtime import bootstrap
from runtime.contract import Function
from runtime.domain.model import FailureReason, Outcome
from runtime.entrypoint import lambda_entry
from runtime.services.close import close_as_failed, fail_abandoned


@lambda_entry(Function.FAILURE)
def handle(event, context):
    if "requestPayload" in event:  # Lambda async destination: the orchestrator gave up
        request_id = event["requestPayload"]["requestId"]
        fail_abandoned(request_id, **bootstrap.for_closing())
    else:
        request_id = event["requestId"]
        close_as_failed(request_id, FailureReason.SMS_NOT_DELIVERED, **bootstrap.for_closing())
    return {
        "requestId": request_id,
        "outcome": Outcome.FAILED,
        "failureReason": FailureReason.SMS_NOT_DELIVERED,
    }
