"""Stream (answers recorded, links undeliverable): end the wait of the workflow that waits for the partner."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.stream_batches import for_each_new_image
from runtime.contract import Function
from runtime.domain.model import Request
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.resume import end_wait


@lambda_entry(Function.RESUMER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    dependencies = bootstrap.for_resumer()
    return for_each_new_image(event, Request, lambda request: end_wait(request, **dependencies))
