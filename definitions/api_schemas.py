"""The HTTP API's payloads as OpenAPI 3.0 schemas, and its errors as the runtime makes them.

Enumerations come from the domain and error examples from the runtime's own error mapping, so the
document cannot promise a status, a code or a value the handlers do not produce. Plain Python.
"""

from __future__ import annotations

import http
from collections import defaultdict
from typing import Any

from runtime.adapters import api_gateway
from runtime.contract import REQUEST_ID_PARAMETER, TOKEN_PARAMETER
from runtime.domain import errors
from runtime.domain.link_token import TOKEN_LENGTH
from runtime.domain.model import Answer, Decision, EventType, Intent, IntentSource, ProposalState, Status
from runtime.domain.validation import MESSAGE_MAX_CHARS, NOTE_MAX_CHARS

# The WAF answers 429 itself (see rate_limit.py), in the same shape as every other error.
RATE_LIMITED = {
    "error": {
        "code": "RATE_LIMITED",
        "message": "요청이 너무 많습니다. 1분 정도 기다린 뒤 다시 시도해 주세요.",
    }
}

# One instance of every error the handlers map to a status; `error_reply` turns each into the status
# and body a client would see.
_DOMAIN_ERRORS: tuple[errors.DomainError, ...] = (
    errors.InvalidInput("예약번호를 입력해 주세요.", field="reservationNumber"),
    errors.PayloadTooLarge(),
    errors.UnsupportedMediaType(),
    errors.IntentUnclear(),
    errors.RequestNotFound(),
    errors.IdempotencyKeyReused(),
    errors.LinkInvalid(),
    errors.LinkExpired(),
    errors.LinkUsed(),
    errors.LinkUsed(ProposalState.ACCEPTED),
    errors.CustomerTokenInvalid(),
    errors.NoPendingProposal(ProposalState.LAPSED),
    errors.RequestClosed(Status.TIMEOUT),
    errors.NotThroughSite(),
    errors.TooManyOpenRequests(retry_after_seconds=300, maximum=3),
    errors.DailyLimitReached(retry_after_seconds=3600, maximum=10),
    errors.TooManyLookups(retry_after_seconds=1800, maximum=5),
    errors.ServiceUnavailable(),
)

_ERROR_DESCRIPTIONS = {
    400: "입력값이 없거나 올바르지 않습니다 (field 가 문제의 항목을 가리킵니다).",
    401: "링크 또는 고객 토큰이 올바르지 않거나 유효 시간이 지났습니다.",
    403: "사이트(CloudFront)를 거치지 않고 API 주소로 직접 보낸 요청입니다.",
    404: "요청을 찾을 수 없습니다.",
    409: (
        "이미 응답한 링크 (제안한 시간이 있었다면 고객의 결정을 함께 알려 줍니다), 종료된 요청, "
        "결정할 제안이 "
        "없는 요청, 또는 다른 내용에 다시 쓴 Idempotency-Key 입니다."
    ),
    413: "요청 본문이 너무 큽니다.",
    415: "요청 본문이 JSON (Content-Type: application/json, charset 은 utf-8 만) 으로 보내지지 않았습니다.",
    422: (
        "문의 의도를 알 수 없습니다. 요청은 만들어지지 않았습니다. choices 의 intent 하나를 골라 "
        "같은 문의를 intent 와 함께 다시 보내면 접수됩니다."
    ),
    429: (
        "요청이 너무 많습니다: IP 당 분당 100회, 또는 예약번호·휴대전화 번호당 한도 (진행 중 3건, 하루 10건, "
        "확인하지 못한 조회 시간당 5회). 아무것도 저장되지 않았고, Retry-After 초 뒤에 다시 보낼 수 있습니다."
    ),
    500: "예상하지 못한 오류입니다. 내부 정보는 담지 않습니다.",
    503: "의존 서비스가 일시적으로 응답하지 않습니다. 잠시 후 다시 시도해 주세요.",
}


def error_response_name(status: int) -> str:
    """`413` -> `RequestEntityTooLarge`: the component name of that error response."""
    return http.HTTPStatus(status).phrase.replace(" ", "").replace("-", "")


def error_examples() -> dict[int, list[dict[str, Any]]]:
    """Every error body by status, exactly as the runtime (or the WAF) would send it."""
    by_status: dict[int, list[dict[str, Any]]] = defaultdict(list)
    for error in _DOMAIN_ERRORS:
        reply = api_gateway.error_reply(error)
        by_status[reply.status].append(dict(reply.payload))
    by_status[429].append(RATE_LIMITED)
    by_status[500].append({"error": api_gateway.INTERNAL_ERROR})
    return dict(by_status)


# Errors whose body carries more than `error`.
_ERROR_SCHEMAS = {422: "IntentUnclearError"}
# Statuses whose answer says when the same request may be sent again.
RETRY_AFTER_STATUSES = (429, 503)


def error_responses() -> dict[str, Any]:
    responses = {}
    for status, bodies in sorted(error_examples().items()):
        responses[error_response_name(status)] = {
            "description": _ERROR_DESCRIPTIONS[status],
            "content": {
                "application/json": {
                    "schema": {"$ref": f"#/components/schemas/{_ERROR_SCHEMAS.get(status, 'Error')}"},
                    "examples": {body["error"]["code"]: {"value": body} for body in bodies},
                }
            },
        }
        if status in RETRY_AFTER_STATUSES:
            responses[error_response_name(status)]["headers"] = {
                "Retry-After": {
                    "description": "다시 보내도 되는 때까지의 초",
                    "schema": {"type": "integer", "minimum": 1},
                }
            }
    return responses


def parameters() -> dict[str, Any]:
    return {
        REQUEST_ID_PARAMETER: {
            "name": REQUEST_ID_PARAMETER,
            "in": "path",
            "required": True,
            "description": "문의 접수 때 받은 요청 번호",
            "schema": {"type": "string", "format": "uuid"},
        },
        TOKEN_PARAMETER: {
            "name": TOKEN_PARAMETER,
            "in": "path",
            "required": True,
            "description": "문자로 받은 링크 `/r/{token}` 의 서명된 토큰",
            "schema": _token(),
        },
        "Idempotency-Key": {
            "name": "Idempotency-Key",
            "in": "header",
            "required": False,
            "description": "같은 키로 다시 보낸 요청은 새 요청 대신 처음 요청을 돌려줍니다 (24시간).",
            "schema": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{8,128}$"},
        },
        "Authorization": {
            "name": "Authorization",
            "in": "header",
            "required": True,
            "description": "`Bearer <customerToken>`: 문의 접수 때 받은 고객 토큰 (이 요청에만 씀)",
            "schema": {"type": "string", "pattern": f"^Bearer [A-Za-z0-9_-]{{{TOKEN_LENGTH}}}$"},
        },
    }


def success_headers(schema: str) -> dict[str, Any]:
    if schema != "ChatCreated":
        return {}
    return {
        "idempotent-replayed": {
            "description": "true: 같은 Idempotency-Key 로 이미 접수된 요청을 돌려준 경우",
            "schema": {"type": "string", "enum": ["true"]},
        }
    }


def schemas() -> dict[str, Any]:
    return {
        "ChatRequest": _object(
            {
                "customerId": {"type": "string", "pattern": "^[A-Za-z0-9_.:-]{1,64}$"},
                "customerPhone": {"type": "string", "example": "010-0000-1001"},
                "reservationNumber": {"type": "string", "example": "HTL-100101"},
                "message": {"type": "string", "maxLength": MESSAGE_MAX_CHARS, "example": "조식 추가할게요"},
                "intent": {
                    **_enum(Intent),
                    "description": "고객이 고른 문의 유형 (422 의 choices 중 하나): 의도 분류 없이 접수",
                },
            },
            required=("customerPhone", "reservationNumber", "message"),
        ),
        "ChatCreated": _object(
            {
                "requestId": {"type": "string", "format": "uuid"},
                "status": _enum(Status),
                "message": {"type": "string"},
                "customerToken": {
                    **_token(),
                    "description": (
                        "이 요청의 고객 토큰: 파트너가 제안한 시간을 수락하거나 거절할 때 Authorization 에 "
                        "씁니다. 서버로 보내지지 않는 곳(주소의 # 뒤)에 보관하세요."
                    ),
                },
            },
            required=("requestId", "status", "message"),
        ),
        "RequestTimeline": _object(
            {
                "requestId": {"type": "string", "format": "uuid"},
                "status": _enum(Status),
                "intent": _enum(Intent),
                "intentLabel": {"type": "string", "example": "예약변경"},
                "intentSource": _enum(IntentSource),
                "reservationNumber": {"type": "string"},
                "createdAt": _time(),
                "updatedAt": _time(),
                "events": {"type": "array", "items": {"$ref": "#/components/schemas/TimelineEvent"}},
                "notification": {
                    "allOf": [{"$ref": "#/components/schemas/Notification"}],
                    "nullable": True,
                    "description": "고객 안내 메시지. 워크플로가 끝나기 전에는 null",
                },
                "partnerNote": {
                    "type": "string",
                    "maxLength": NOTE_MAX_CHARS,
                    "description": "파트너가 남긴 메모 (안내 메시지와 함께). 글자 그대로 (HTML 아님)",
                },
                "proposal": {"$ref": "#/components/schemas/Proposal"},
            },
            required=("requestId", "status", "intent", "intentLabel", "createdAt", "events", "notification"),
        ),
        "Proposal": _object(
            {
                "time": {**_time(), "description": "파트너가 제안한 시간"},
                "state": _enum(ProposalState),
                "decidedAt": {**_time(), "description": "고객이 결정했거나 제안이 만료된 때"},
            },
            required=("time", "state"),
        ),
        "DecisionRequest": _object({"decision": _enum(Decision)}, required=("decision",)),
        "DecisionResult": _object(
            {
                "requestId": {"type": "string", "format": "uuid"},
                "status": _enum(Status),
                "proposal": {"$ref": "#/components/schemas/Proposal"},
            },
            required=("requestId", "status", "proposal"),
        ),
        "TimelineEvent": _object({"type": _enum(EventType), "at": _time()}, required=("type", "at")),
        "Notification": _object({"message": {"type": "string"}, "at": _time()}, required=("message", "at")),
        # No request id: whoever holds a link must not reach the customer's timeline with it.
        "ConfirmPage": _object(
            {
                "status": _enum(Status),
                "customerQuery": {"type": "string"},
                "intent": _enum(Intent),
                "intentLabel": {"type": "string"},
                "reservationNumber": {"type": "string"},
                "reservationDate": {"type": "string"},
                "serviceType": {"type": "string"},
                "partnerName": {"type": "string"},
            },
            required=("status", "customerQuery", "intent", "intentLabel", "reservationNumber"),
        ),
        "RespondRequest": _object(
            {
                "token": _token(),
                "response": _enum(Answer),
                "alternativeTime": {
                    **_time(),
                    "description": "alternative 일 때 필수. 지금 이후 1년 이내 (오프셋이 없으면 KST)",
                },
                "note": {
                    "type": "string",
                    "description": (
                        f"고객에게 전할 메모 (선택). 앞뒤 공백을 빼고 제어 문자와 방향 제어 문자를 지운 뒤 "
                        f"{NOTE_MAX_CHARS}자 이내"
                    ),
                },
            },
            required=("token", "response"),
        ),
        "RespondResult": _object(
            {"success": {"type": "boolean", "enum": [True]}, "message": {"type": "string"}},
            required=("success", "message"),
        ),
        "Error": _object({"error": _error_detail()}, required=("error",)),
        "IntentChoice": _object(
            {"intent": _enum(Intent), "label": {"type": "string", "example": "예약변경"}},
            required=("intent", "label"),
        ),
        "IntentUnclearError": _object(
            {
                "error": _error_detail(),
                "choices": {
                    "type": "array",
                    "description": "고를 수 있는 문의 유형 (버튼으로 보여 줄 빠른 답장)",
                    "items": {"$ref": "#/components/schemas/IntentChoice"},
                },
            },
            required=("error", "choices"),
        ),
    }


def _error_detail() -> dict[str, Any]:
    return _object(
        {
            "code": {"type": "string", "example": "INVALID_INPUT"},
            "message": {"type": "string", "description": "사람이 읽는 한국어 안내"},
            "field": {"type": "string", "description": "입력 오류일 때 문제의 항목"},
        },
        required=("code", "message"),
    )


def _object(properties: dict[str, Any], *, required: tuple[str, ...]) -> dict[str, Any]:
    return {"type": "object", "properties": properties, "required": list(required)}


def _enum(
    values: type[Status | EventType | Intent | IntentSource | Answer | Decision | ProposalState],
) -> dict[str, Any]:
    return {"type": "string", "enum": [str(value) for value in values]}


def _time() -> dict[str, Any]:
    return {"type": "string", "format": "date-time", "example": "2026-12-01T15:00:00+09:00"}


def _token() -> dict[str, Any]:
    return {"type": "string", "pattern": f"^[A-Za-z0-9_-]{{{TOKEN_LENGTH}}}$"}
