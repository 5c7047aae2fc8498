"""Workflow task (waitForTaskToken, after a proposed time): wait for the customer's decision."""

from typing import Any

from runtime import bootstrap
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.proposal import await_decision


@lambda_entry(Function.DECISION_WAITER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    await_decision(event["requestId"], event["taskToken"], **bootstrap.for_decision_waiter())
    return {"requestId": event["requestId"]}
