"""API Gateway HTTP API (payload v2.0) events in, JSON responses out, and every error mapped in one place."""

from __future__ import annotations

import base64
import binascii
import hmac
import json
import re
from collections.abc import Callable, Mapping
from typing import Any

import attrs
import structlog

from runtime.adapters.json_body import is_json_media_type, read_json
from runtime.contract import ORIGIN_HEADER
from runtime.domain.errors import (
    CustomerTokenInvalid,
    DependencyUnavailable,
    DomainError,
    IdempotencyKeyReused,
    IntentUnclear,
    InvalidInput,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    NoPendingProposal,
    NotThroughSite,
    PayloadTooLarge,
    RequestClosed,
    RequestNotFound,
    ServiceUnavailable,
    TooManyRequests,
    UnsupportedMediaType,
)

MAX_BODY_BYTES = 16 * 1024
RETRY_AFTER_SECONDS = 1
ERROR_STATUS: dict[type[DomainError], int] = {
    InvalidInput: 400,
    LinkInvalid: 401,
    LinkExpired: 401,
    CustomerTokenInvalid: 401,
    NotThroughSite: 403,
    RequestNotFound: 404,
    LinkUsed: 409,
    RequestClosed: 409,
    IdempotencyKeyReused: 409,
    NoPendingProposal: 409,
    PayloadTooLarge: 413,
    UnsupportedMediaType: 415,
    IntentUnclear: 422,
    TooManyRequests: 429,
    ServiceUnavailable: 503,
}
INTERNAL_ERROR = {
    "code": "INTERNAL_ERROR",
    "message": "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
}
_HEADERS = {
    "content-type": "application/json; charset=utf-8",
    "cache-control": "no-store",
    "x-content-type-options": "nosniff",
}
# The headers a handler reads, as clients spell them. Their values must be visible ASCII: anything
# else (controls, non-ASCII, lone surrogates) is refused before a handler or a log line meets it.
READ_HEADERS = ("Content-Type", "Idempotency-Key", "Authorization")
_HEADER_VALUE = re.compile(r"[\x20-\x7e\t]*")
_BODYLESS_METHODS = ("GET", "HEAD")
log = structlog.get_logger()


@attrs.frozen
class HttpRequest:
    method: str
    path: str
    path_parameters: Mapping[str, str]
    headers: Mapping[str, str]
    body: bytes
    source_ip: str

    def header(self, name: str) -> str | None:
        return self.headers.get(name.lower())


@attrs.frozen
class Reply:
    status: int
    payload: Mapping[str, Any]
    headers: Mapping[str, str] = attrs.field(factory=dict)


def serve(
    event: Mapping[str, Any], action: Callable[[HttpRequest], Reply], *, origin_secret: str
) -> dict[str, Any]:
    """Run `action` on the parsed event; turn whatever it raises into the documented error shape.

    A request that did not come through the site's CloudFront (no origin header with the stack's
    `origin_secret`) is refused first, before its body or anything else is looked at."""
    if not through_site(event, origin_secret):
        log.warning("origin_refused")
        return to_response(error_reply(NotThroughSite()))
    try:
        reply = action(parse_event(event))
    except DomainError as error:
        reply = error_reply(error)
        log.info("request_rejected", code=error.code, status=reply.status)
    except DependencyUnavailable as error:
        # An AWS service throttled or failed: worth a retry, so 503 rather than 500.
        log.warning("dependency_unavailable", error=str(error))
        reply = error_reply(ServiceUnavailable())
    except Exception:
        log.exception("request_crashed")
        reply = Reply(500, {"error": INTERNAL_ERROR})
    return to_response(reply)


def through_site(event: Mapping[str, Any], origin_secret: str) -> bool:
    """The origin header holds the stack's secret, compared in constant time (an empty secret, a
    missing or repeated header: no)."""
    headers = event.get("headers")
    if not origin_secret or not isinstance(headers, Mapping):
        return False
    values = [str(v) for k, v in headers.items() if str(k).lower() == ORIGIN_HEADER.lower()]
    if len(values) != 1:
        return False
    given = values[0].encode("utf-8", "surrogatepass")
    return hmac.compare_digest(given, origin_secret.encode("utf-8", "surrogatepass"))


def method_of(event: Mapping[str, Any]) -> str:
    return str(event.get("requestContext", {}).get("http", {}).get("method", "")).upper()


def parse_event(event: Mapping[str, Any]) -> HttpRequest:
    raw = event.get("body") or ""
    if not isinstance(raw, str):
        raise InvalidInput("요청 본문을 읽을 수 없습니다.")
    if event.get("isBase64Encoded"):
        try:
            body = base64.b64decode(raw, validate=True)
        except (binascii.Error, ValueError):
            raise InvalidInput("요청 본문을 읽을 수 없습니다.") from None
    else:
        # surrogatepass: a lone surrogate in the event's text becomes bytes that read_json refuses
        body = raw.encode("utf-8", "surrogatepass")
    if len(body) > MAX_BODY_BYTES:
        raise PayloadTooLarge()
    http = event.get("requestContext", {}).get("http", {})
    method = method_of(event)
    if body and method in _BODYLESS_METHODS:
        raise InvalidInput("이 주소는 요청 본문을 받지 않습니다. 본문 없이 다시 보내 주세요.")
    headers = _headers(event.get("headers"))
    return HttpRequest(
        method=method,
        path=str(event.get("rawPath", http.get("path", ""))),
        path_parameters=dict(event.get("pathParameters") or {}),
        headers=headers,
        body=body,
        source_ip=str(http.get("sourceIp", "")),
    )


def _headers(raw: Any) -> dict[str, str]:
    headers = {str(k).lower(): str(v) for k, v in raw.items()} if isinstance(raw, Mapping) else {}
    for name in READ_HEADERS:
        value = headers.get(name.lower())
        if value is not None and not _HEADER_VALUE.fullmatch(value):
            raise InvalidInput(f"{name} 헤더에 쓸 수 없는 문자가 있습니다.", field=name)
    return headers


def json_object(request: HttpRequest) -> dict[str, Any]:
    """The body as a JSON object, declared as JSON: otherwise a 415 or a 400 that says why in Korean."""
    if not is_json_media_type(request.header("Content-Type")):
        raise UnsupportedMediaType()
    value = read_json(request.body)
    if not isinstance(value, dict):
        raise InvalidInput("요청 본문은 JSON 객체여야 합니다.")
    return value


def error_reply(error: DomainError) -> Reply:
    status = next((code for kind, code in ERROR_STATUS.items() if isinstance(error, kind)), 500)
    body: dict[str, Any] = {"code": error.code, "message": error.message}
    if isinstance(error, InvalidInput) and error.field:
        body["field"] = error.field
    if isinstance(error, IntentUnclear):
        # Quick replies beside the error: the page offers them, and sends the pick back as `intent`.
        choices = [{"intent": str(intent), "label": intent.label} for intent in error.choices]
        return Reply(status, {"error": body, "choices": choices})
    headers: dict[str, str] = {}
    if isinstance(error, TooManyRequests):
        # A limit: when the request may be sent again (clients do not wait that long for an answer).
        headers["retry-after"] = str(error.retry_after_seconds)
    elif status == 503:
        # A busy or throttled dependency: clients send the same request again after a short wait.
        headers["retry-after"] = str(RETRY_AFTER_SECONDS)
    return Reply(status, {"error": body}, headers)


def to_response(reply: Reply) -> dict[str, Any]:
    return {
        "statusCode": reply.status,
        "headers": {**_HEADERS, **reply.headers},
        "body": json.dumps(reply.payload, ensure_ascii=False),
        "isBase64Encoded": False,
    }
