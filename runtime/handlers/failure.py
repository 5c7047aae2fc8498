"""Workflow (Catch States.ALL): the SMS step failed for good; close as Failed, unless an answer was
recorded (through the link of an attempt whose reply was lost)."""

from runtime import bootstrap
from runtime.adapters.workflow_payloads import ending_result
from runtime.contract import Function
from runtime.domain.model import Ending, FailureReason, Outcome
from runtime.entrypoint import lambda_entry
from runtime.services.close import close_unanswered

_SMS_FAILED = Ending(Outcome.FAILED, failure_reason=FailureReason.SMS_NOT_DELIVERED)


@lambda_entry(Function.FAILURE)
def handle(event, context):
    ending = close_unanswered(event["requestId"], _SMS_FAILED, **bootstrap.for_closing())
    return ending_result(event["requestId"], ending)
