"""Workflow (Catch States.Timeout): the partner did not answer in time, unless an answer was recorded."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.workflow_payloads import ending_result
from runtime.contract import Function
from runtime.domain.model import Ending, Outcome
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.close import close_unanswered


@lambda_entry(Function.TIMEOUT)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    ending = close_unanswered(event["requestId"], Ending(Outcome.TIMEOUT), **bootstrap.for_closing())
    return ending_result(event["requestId"], ending)
