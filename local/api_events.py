"""API Gateway HTTP API events (payload format 2.0), built once for everything that plays API Gateway:
the local gateway (from a live HTTP request), and the tests, bench and reliability checks that call a
handler directly (from a recorded event in tests/events, with their own body, headers and path).
"""

from __future__ import annotations

import base64
import copy
import json
import uuid
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from definitions.routes import Route
from runtime.contract import ORIGIN_HEADER

RECORDED_EVENTS = Path(__file__).resolve().parents[1] / "tests" / "events"


def api_event(
    route: Route,
    *,
    path: str,
    parameters: dict[str, str],
    headers: dict[str, str],
    body: bytes,
    source_ip: str,
) -> dict[str, Any]:
    """The event API Gateway (HTTP API, payload format 2.0) sends a Lambda proxy integration."""
    now = datetime.now(UTC)
    try:
        text, encoded = body.decode("utf-8"), False
    except UnicodeDecodeError:
        text, encoded = base64.b64encode(body).decode("ascii"), True
    return {
        "version": "2.0",
        "routeKey": route.key,
        "rawPath": path,
        "rawQueryString": "",
        "headers": {name.lower(): value for name, value in headers.items()},
        "requestContext": {
            "accountId": "123456789012",
            "apiId": "local",
            "domainName": "127.0.0.1",
            "http": {
                "method": route.method,
                "path": path,
                "protocol": "HTTP/1.1",
                "sourceIp": source_ip,
                "userAgent": headers.get("User-Agent", ""),
            },
            "requestId": uuid.uuid4().hex,
            "routeKey": route.key,
            "stage": "$default",
            "time": now.strftime("%d/%b/%Y:%H:%M:%S +0000"),
            "timeEpoch": int(now.timestamp() * 1000),
        },
        "pathParameters": parameters or None,
        "isBase64Encoded": encoded,
        "body": text or None,
    }


def recorded_api_event(
    name: str,
    *,
    origin_secret: str | None,
    body: Any = None,
    raw_body: str | None = None,
    headers: dict[str, str] | None = None,
    path_parameters: dict[str, str] | None = None,
) -> dict[str, Any]:
    """The recorded event `tests/events/<name>.json`, with this caller's body, headers and path and a
    fresh request id. `origin_secret`: the header CloudFront adds to every request it forwards (None:
    as a client that calls the API's own address sends it, without one)."""
    event = copy.deepcopy(json.loads((RECORDED_EVENTS / f"{name}.json").read_text(encoding="utf-8")))
    event["headers"].pop(ORIGIN_HEADER.lower(), None)
    if origin_secret is not None:
        event["headers"][ORIGIN_HEADER.lower()] = origin_secret
    if body is not None:
        event["body"] = json.dumps(body, ensure_ascii=False)
        event["isBase64Encoded"] = False
    if raw_body is not None:
        event["body"] = raw_body
        event["isBase64Encoded"] = False
    if headers:
        event["headers"] = {**event.get("headers", {}), **headers}
    if path_parameters is not None:
        event["pathParameters"] = path_parameters
    event["requestContext"]["requestId"] = uuid.uuid4().hex
    return event
