"""Workflow (Catch States.ALL): the SMS step failed for good; close as Failed, unless an answer was
recorded (through the link of an attempt whose reply was lost). The error the step raised (its type
name, as Step Functions caught it) says why: the partner's SMS limit, or an SMS that could not go."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.workflow_payloads import ending_result, failure_reason_of
from runtime.contract import Function
from runtime.domain.model import Ending, Outcome
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.close import close_unanswered


@lambda_entry(Function.FAILURE)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    failed = Ending(Outcome.FAILED, failure_reason=failure_reason_of(event))
    ending = close_unanswered(event["requestId"], failed, **bootstrap.for_closing())
    return ending_result(event["requestId"], ending)
