"""Workflow's last step after a proposed time: text the partner, once, how it ended."""

from runtime import bootstrap
from runtime.contract import Function
from runtime.entrypoint import lambda_entry
from runtime.services.proposal import tell_partner


@lambda_entry(Function.PARTNER_TELLER)
def handle(event, context):
    told = tell_partner(event["requestId"], **bootstrap.for_partner_teller())
    return {"requestId": event["requestId"], "told": told}
