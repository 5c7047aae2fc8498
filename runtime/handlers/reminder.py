"""Workflow task (waitForTaskToken, second phase): remind the partner once, with the same link."""

from typing import Any

from runtime import bootstrap
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.remind import remind_partner


@lambda_entry(Function.REMINDER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    remind_partner(event["requestId"], event["taskToken"], **bootstrap.for_reminder())
    return {"requestId": event["requestId"]}
