"""POST /api/chat: a customer's question becomes a request."""

from typing import Any

from runtime import bootstrap
from runtime.adapters import api_gateway, api_payloads
from runtime.contract import Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.submit import submit_request


@lambda_entry(Function.CHAT)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    return api_gateway.serve(event, _submit, origin_secret=bootstrap.origin_secret())


def _submit(request: api_gateway.HttpRequest) -> api_gateway.Reply:
    submitted = submit_request(
        api_gateway.json_object(request),
        idempotency_key=request.header("Idempotency-Key"),
        **bootstrap.for_chat(),
    )
    replayed = {"idempotent-replayed": "true"} if submitted.replayed else {}
    return api_gateway.Reply(201, api_payloads.created(submitted.request, submitted.customer_token), replayed)
