"""Async, from the chat handler: match the reservation and partner, start the workflow."""

from runtime import bootstrap
from runtime.adapters.workflow_payloads import request_of
from runtime.contract import Function
from runtime.entrypoint import lambda_entry
from runtime.services.orchestrate import start_confirmation


@lambda_entry(Function.ORCHESTRATOR)
def handle(event, context):
    start_confirmation(request_of(event), **bootstrap.for_orchestrator())
    return {"requestId": event["requestId"]}
