"""GET /api/requests/{requestId}: the customer's page polls its request's timeline."""

from typing import Any

from runtime import bootstrap
from runtime.adapters import api_gateway, api_payloads
from runtime.contract import REQUEST_ID_PARAMETER, Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.timeline import get_timeline


@lambda_entry(Function.REQUEST_STATUS)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    return api_gateway.serve(event, _timeline, origin_secret=bootstrap.origin_secret())


def _timeline(request: api_gateway.HttpRequest) -> api_gateway.Reply:
    request_id = request.path_parameters.get(REQUEST_ID_PARAMETER, "")
    found, events = get_timeline(request_id, **bootstrap.for_timeline())
    return api_gateway.Reply(200, api_payloads.timeline(found, events))
