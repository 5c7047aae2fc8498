"""Stream (answers recorded): resume the workflow waiting for the partner's answer."""

from typing import Any

from runtime import bootstrap
from runtime.adapters.stream_batches import for_each_new_image
from runtime.contract import Function
from runtime.domain.model import Request
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.resume import resume_workflow


@lambda_entry(Function.RESUMER)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    dependencies = bootstrap.for_resumer()
    return for_each_new_image(event, Request, lambda request: resume_workflow(request, **dependencies))
