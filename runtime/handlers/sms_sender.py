"""Workflow task (waitForTaskToken): store the task token, then text the partner the signed link."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.workflow_payloads import request_of
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.send_link import send_partner_link


@lambda_entry(Function.SMS_SENDER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    send_partner_link(request_of(event), event["taskToken"], **bootstrap.for_sms_sender())
    return {"requestId": event["requestId"]}
