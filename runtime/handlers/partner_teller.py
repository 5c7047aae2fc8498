"""Workflow's last step after a proposed time: text the partner, once, how it ended."""

from typing import Any

from runtime import bootstrap
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.proposal import tell_partner


@lambda_entry(Function.PARTNER_TELLER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    told = tell_partner(event["requestId"], **bootstrap.for_partner_teller())
    return {"requestId": event["requestId"], "told": told}
