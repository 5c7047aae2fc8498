"""Stream (new requests): match the reservation and partner, start the workflow."""

from runtime import bootstrap
from runtime.adapters.stream_batches import for_each_new_image
from runtime.contract import Function
from runtime.domain.model import Request
from runtime.entrypoint import lambda_entry
from runtime.services.orchestrate import start_confirmation


@lambda_entry(Function.ORCHESTRATOR)
def handle(event, context):
    dependencies = bootstrap.for_orchestrator()
    return for_each_new_image(event, Request, lambda request: start_confirmation(request, **dependencies))
