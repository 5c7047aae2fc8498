"""The partner's page: GET /api/confirm/{token} shows the request, POST /api/respond answers it."""

from typing import Any

from runtime import bootstrap
from runtime.adapters import api_gateway, api_payloads
from runtime.contract import TOKEN_PARAMETER, Function
from runtime.entrypoint import LambdaEvent, LambdaResult, lambda_entry
from runtime.services.partner_link import answer_link, open_link


@lambda_entry(Function.PARTNER_PAGE)
def handle(event: LambdaEvent, context: Any) -> LambdaResult:
    return api_gateway.serve(
        event,
        _answer if api_gateway.method_of(event) == "POST" else _open,
        origin_secret=bootstrap.origin_secret(),
    )


def _open(request: api_gateway.HttpRequest) -> api_gateway.Reply:
    token = request.path_parameters.get(TOKEN_PARAMETER, "")
    return api_gateway.Reply(200, api_payloads.confirm_page(open_link(token, **bootstrap.for_open_link())))


def _answer(request: api_gateway.HttpRequest) -> api_gateway.Reply:
    answered = answer_link(api_gateway.json_object(request), **bootstrap.for_answer_link())
    return api_gateway.Reply(200, api_payloads.answered(answered))
