"""POST /api/requests/{requestId}/decision: the customer accepts or declines a proposed time."""

from typing import Any

from runtime import bootstrap
from runtime.adapters import api_gateway, api_payloads
from runtime.contract import REQUEST_ID_PARAMETER, Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.decide import decide_on_proposal


@lambda_entry(Function.DECISION)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    return api_gateway.serve(event, _decide, origin_secret=bootstrap.origin_secret())


def _decide(request: api_gateway.HttpRequest) -> api_gateway.Reply:
    decided = decide_on_proposal(
        request.path_parameters.get(REQUEST_ID_PARAMETER, ""),
        request.header("Authorization"),
        api_gateway.json_object(request),
        **bootstrap.for_decision(),
    )
    return api_gateway.Reply(200, api_payloads.decided(decided))
