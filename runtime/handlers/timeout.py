"""Workflow (Catch States.Timeout): the partner did not answer in time."""

from runtime import bootstrap
from runtime.contract import Function
from runtime.domain.model import Outcome
from runtime.entrypoint import lambda_entry
from runtime.services.close import close_on_timeout


@lambda_entry(Function.TIMEOUT)
def handle(event, context):
    close_on_timeout(event["requestId"], **bootstrap.for_closing())
    return {"requestId": event["requestId"], "outcome": Outcome.TIMEOUT}
