"""Workflow's last step: write the customer's message (Bedrock, fallback model, template) once."""

from runtime import bootstrap
from runtime.contract import Function
from runtime.domain.model import Outcome
from runtime.entrypoint import lambda_entry
from runtime.services.notify import notify_customer


@lambda_entry(Function.NOTIFICATION)
def handle(event, context):
    notify_customer(event["requestId"], Outcome(event["outcome"]), **bootstrap.for_notification())
    return {"requestId": event["requestId"], "notified": True}
