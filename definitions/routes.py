"""The HTTP API's routes as plain objects: API Gateway builds its routes from them, the local gateway
dispatches with them, and the OpenAPI document describes them. One list, three uses, no drift.

Plain Python: no Pulumi import, so the local stack can use this module without the infra toolchain.
"""

from __future__ import annotations

import functools
import re
from collections.abc import Mapping
from typing import Any

import attrs

from definitions import api_schemas
from runtime.contract import API_PREFIX, REQUEST_ID_PARAMETER, TOKEN_PARAMETER, Function

_PARAMETER = re.compile(r"\{(\w+)\}")
# Where the OpenAPI document is served, locally and on AWS (from the site bucket, not a Lambda).
OPENAPI_PATH = f"{API_PREFIX}/openapi.json"
# Every route refuses a malformed request (a body on a GET, a header with characters no client
# sends) and one sent around the site (no origin header), can be throttled (WAF, stage), and fails
# without detail when something breaks.
COMMON_ERRORS = (400, 403, 429, 500, 503)


@attrs.frozen
class Route:
    method: str
    path: str
    function: Function
    summary: str
    operation_id: str
    success_status: int
    success_schema: str
    request_schema: str | None = None
    request_headers: tuple[str, ...] = ()
    errors: tuple[int, ...] = ()
    tag: str = "customer"

    @property
    def key(self) -> str:
        """API Gateway's route key, e.g. `GET /api/requests/{requestId}`."""
        return f"{self.method} {self.path}"

    @property
    def path_parameters(self) -> tuple[str, ...]:
        return tuple(_PARAMETER.findall(self.path))

    @property
    def error_statuses(self) -> tuple[int, ...]:
        return tuple(sorted({*self.errors, *COMMON_ERRORS}))

    def match(self, method: str, path: str) -> dict[str, str] | None:
        """The path parameters if this route serves `method path`, else None (one segment each)."""
        if method.upper() != self.method:
            return None
        found = _path_pattern(self.path).fullmatch(path)
        return found.groupdict() if found else None


ROUTES: tuple[Route, ...] = (
    Route(
        method="POST",
        path=f"{API_PREFIX}/chat",
        function=Function.CHAT,
        summary="고객 문의를 접수합니다 (의도 분류 또는 고객이 고른 유형, 요청 생성, 파트너 확인 시작)",
        operation_id="submitQuestion",
        success_status=201,
        success_schema="ChatCreated",
        request_schema="ChatRequest",
        request_headers=("Idempotency-Key",),
        errors=(400, 409, 413, 415, 422),
    ),
    Route(
        method="GET",
        path=f"{API_PREFIX}/requests/{{{REQUEST_ID_PARAMETER}}}",
        function=Function.REQUEST_STATUS,
        summary="요청의 현재 상태와 진행 기록, 고객 안내 메시지를 조회합니다",
        operation_id="getRequestStatus",
        success_status=200,
        success_schema="RequestTimeline",
        errors=(404,),
    ),
    Route(
        method="POST",
        path=f"{API_PREFIX}/requests/{{{REQUEST_ID_PARAMETER}}}/decision",
        function=Function.DECISION,
        summary="파트너가 제안한 시간을 고객이 수락하거나 거절합니다 (고객 토큰 필요)",
        operation_id="decideOnProposal",
        success_status=200,
        success_schema="DecisionResult",
        request_schema="DecisionRequest",
        request_headers=("Authorization",),
        errors=(400, 401, 404, 409, 413, 415),
    ),
    Route(
        method="GET",
        path=f"{API_PREFIX}/confirm/{{{TOKEN_PARAMETER}}}",
        function=Function.PARTNER_PAGE,
        summary="파트너 확인 링크를 엽니다 (링크를 소모하지 않음)",
        operation_id="openPartnerLink",
        success_status=200,
        success_schema="ConfirmPage",
        errors=(401, 409),
        tag="partner",
    ),
    Route(
        method="POST",
        path=f"{API_PREFIX}/respond",
        function=Function.PARTNER_PAGE,
        summary="파트너가 요청에 응답합니다 (수락, 거절, 다른 시간 제안; 링크당 한 번)",
        operation_id="answerPartnerLink",
        success_status=200,
        success_schema="RespondResult",
        request_schema="RespondRequest",
        errors=(400, 401, 409, 413, 415),
        tag="partner",
    ),
)


@functools.cache
def _path_pattern(template: str) -> re.Pattern[str]:
    """`/api/requests/{requestId}` -> `/api/requests/(?P<requestId>[^/]+)`."""
    pattern, position = "", 0
    for parameter in _PARAMETER.finditer(template):
        pattern += re.escape(template[position : parameter.start()]) + f"(?P<{parameter[1]}>[^/]+)"
        position = parameter.end()
    return re.compile(pattern + re.escape(template[position:]))


def find_route(method: str, path: str) -> tuple[Route, dict[str, str]] | None:
    """The route serving `method path` and its path parameters, matched as API Gateway matches."""
    for route in ROUTES:
        parameters = route.match(method, path)
        if parameters is not None:
            return route, parameters
    return None


def openapi_document() -> dict[str, Any]:
    """OpenAPI 3.0 description of ROUTES. Pure: a new dict on every call."""
    paths: dict[str, dict[str, Any]] = {}
    for route in ROUTES:
        paths.setdefault(route.path, {})[route.method.lower()] = _operation(route)
    return {
        "openapi": "3.0.3",
        "info": {
            "title": "Partner Confirm API",
            "version": "1.0.0",
            "description": (
                "고객 문의를 파트너에게 문자로 확인받는 API. 오류는 항상 "
                '{"error": {"code", "message", "field?"}} 형식이며 message 는 사람이 읽는 한국어입니다. '
                "의도를 알 수 없는 문의(422)에는 error 옆에 고를 수 있는 choices 가 함께 옵니다."
            ),
        },
        "servers": [{"url": "/"}],
        "tags": [
            {"name": "customer", "description": "고객 페이지"},
            {"name": "partner", "description": "파트너 확인 페이지 (문자 링크)"},
        ],
        "paths": paths,
        "components": {
            "schemas": api_schemas.schemas(),
            "responses": api_schemas.error_responses(),
            "parameters": api_schemas.parameters(),
        },
    }


def _operation(route: Route) -> dict[str, Any]:
    operation: dict[str, Any] = {
        "operationId": route.operation_id,
        "summary": route.summary,
        "tags": [route.tag],
        "parameters": [
            {"$ref": f"#/components/parameters/{name}"}
            for name in (*route.path_parameters, *route.request_headers)
        ],
        "responses": {
            str(route.success_status): _success(route),
            **{
                str(status): {"$ref": f"#/components/responses/{api_schemas.error_response_name(status)}"}
                for status in route.error_statuses
            },
        },
    }
    if route.request_schema:
        operation["requestBody"] = {
            "required": True,
            "content": {"application/json": {"schema": _ref(route.request_schema)}},
        }
    if not operation["parameters"]:
        del operation["parameters"]
    return operation


def _success(route: Route) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": "성공",
        "content": {"application/json": {"schema": _ref(route.success_schema)}},
    }
    headers: Mapping[str, Any] = api_schemas.success_headers(route.success_schema)
    if headers:
        response["headers"] = dict(headers)
    return response


def _ref(schema: str) -> dict[str, str]:
    return {"$ref": f"#/components/schemas/{schema}"}
