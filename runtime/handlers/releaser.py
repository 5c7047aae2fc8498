"""Stream (requests that closed): free the request's place among its reservation's open requests."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.stream_batches import for_each_new_image
from runtime.contract import Function
from runtime.domain.model import Request
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.release import release_open_request


@lambda_entry(Function.RELEASER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    dependencies = bootstrap.for_releaser()
    return for_each_new_image(event, Request, lambda request: release_open_request(request, **dependencies))
