"""Workflow's last step: write the customer's message (Bedrock, fallback model, template) once."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.workflow_payloads import awaits_decision, ending_of, request_of
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.notify import notify_customer


@lambda_entry(Function.NOTIFICATION)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    told = notify_customer(request_of(event), ending_of(event), **bootstrap.for_notification())
    return {"requestId": event["requestId"], "notified": True, "awaitDecision": awaits_decision(told)}
