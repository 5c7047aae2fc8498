"""Stream (requests that timed out or failed for a system reason): tell the operators."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.stream_batches import for_each_new_image
from runtime.contract import Function
from runtime.domain.model import Request
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.escalate import escalate


@lambda_entry(Function.ESCALATOR)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    dependencies = bootstrap.for_escalator()
    return for_each_new_image(event, Request, lambda request: escalate(request, **dependencies))
