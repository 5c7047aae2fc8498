"""Stream (new requests): match the reservation and partner, start the workflow."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.stream_batches import for_each_new_image
from runtime.contract import Function
from runtime.domain.model import Request
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.orchestrate import start_confirmation


@lambda_entry(Function.ORCHESTRATOR)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    dependencies = bootstrap.for_orchestrator()
    return for_each_new_image(event, Request, lambda request: start_confirmation(request, **dependencies))
