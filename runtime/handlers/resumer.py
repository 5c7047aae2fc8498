"""Stream (answers recorded): resume the workflow waiting for the partner's answer."""

from runtime import bootstrap
from runtime.adapters.stream_batches import for_each_new_image
from runtime.contract import Function
from runtime.domain.model import Request
from runtime.entrypoint import lambda_entry
from runtime.services.resume import resume_workflow


@lambda_entry(Function.RESUMER)
def handle(event, context):
    dependencies = bootstrap.for_resumer()
    return for_each_new_image(event, Request, lambda request: resume_workflow(request, **dependencies))
