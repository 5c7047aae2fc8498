"""The local front door, as CloudFront + API Gateway are in AWS: `site/` at `/`, the partner page at
`/r/{token}`, and `/api/*` turned into API Gateway HTTP API v2.0 events for the same handlers, on the
same routes (definitions/routes.py). Plus the SMS outbox, so a person can play the partner.

It reads a body only as far as one sane Content-Length says (no chunked bodies, nothing over the
API's limit) and answers everything it refuses in the API's error shape. Like CloudFront, it adds the
origin header with the stack's secret to every API request (replacing one a client sent): the
functions refuse a request without it, as they refuse one sent to the API around CloudFront.
`/_local/*` writes need the `X-Local-Stack` header: a page on another site cannot add a custom header
without a CORS preflight, which this gateway never grants, so no web page can forge them.
"""

from __future__ import annotations

import base64
import functools
import gzip
import html
import json
import mimetypes
import re
import sys
import threading
import time
from collections.abc import Callable
from datetime import datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import structlog

from definitions.cdn import CONTENT_SECURITY_POLICY
from definitions.routes import Route, find_route, openapi_document
from definitions.site_settings import SITE_SETTINGS_FILE, site_settings
from local.api_events import api_event
from local.emulator import SmsOutbox
from local.faults import FaultInvalid, FaultPlan, parse_faults
from local.lambdas import InvocationKilled, LambdaContext, load_handler
from runtime.adapters.api_gateway import INTERNAL_ERROR, MAX_BODY_BYTES, RETRY_AFTER_SECONDS
from runtime.adapters.json_body import is_json_media_type, read_json
from runtime.contract import API_PREFIX, ORIGIN_HEADER, PARTNER_LINK_PREFIX, PARTNER_PAGE
from runtime.deployment import FUNCTIONS
from runtime.domain.errors import InvalidInput, ServiceUnavailable, UnsupportedMediaType
from runtime.domain.kst import format_kst

SITE_DIR = Path(__file__).resolve().parents[1] / "site"
_LINK = re.compile(r"https?://\S+")
log = structlog.get_logger("local.gateway")

FAULTS_PATH = "/_local/faults"
# The header every `/_local/*` write must carry, and what tools send with such a write.
LOCAL_STACK_HEADER = "X-Local-Stack"
LOCAL_WRITE_HEADERS = {LOCAL_STACK_HEADER: "1", "Content-Type": "application/json"}
# How long a client may take to send the body it announced before the connection is dropped.
BODY_TIMEOUT_SECONDS = 10.0
# RFC 9110's 1*DIGIT; more than 15 digits (a petabyte) is no body any client sends.
_CONTENT_LENGTH = re.compile(r"[0-9]{1,15}")

_NOT_FOUND = {"code": "NOT_FOUND", "message": "요청하신 주소를 찾을 수 없습니다."}
_TOO_LARGE = {"code": "PAYLOAD_TOO_LARGE", "message": "요청이 너무 큽니다. 내용을 줄여 다시 보내 주세요."}
_METHOD_NOT_ALLOWED = {"code": "METHOD_NOT_ALLOWED", "message": "이 주소는 GET, POST, DELETE 만 받습니다."}
_READ_ONLY = {"code": "METHOD_NOT_ALLOWED", "message": "이 주소는 GET 만 받습니다."}
_BAD_LENGTH = {
    "code": "INVALID_CONTENT_LENGTH",
    "message": "요청 길이(Content-Length)가 올바르지 않습니다. 본문의 바이트 수를 한 번만 보내 주세요.",
}
_SHORT_BODY = {
    "code": "INVALID_CONTENT_LENGTH",
    "message": "요청 본문이 Content-Length 에 적힌 길이보다 짧습니다.",
}
_CHUNKED = {
    "code": "LENGTH_REQUIRED",
    "message": "나누어 보내기(Transfer-Encoding)는 받지 않습니다. Content-Length 를 붙여 보내 주세요.",
}
_BODY_TIMEOUT = {
    "code": "REQUEST_TIMEOUT",
    "message": "요청 본문이 제때 도착하지 않았습니다. 다시 보내 주세요.",
}
_LOCAL_FORBIDDEN = {
    "code": "FORBIDDEN",
    "message": f"로컬 스택 설정은 {LOCAL_STACK_HEADER}: 1 헤더를 붙인 요청으로만 바꿀 수 있습니다.",
}
_UNSUPPORTED_MEDIA_TYPE = {"code": UnsupportedMediaType.code, "message": UnsupportedMediaType.message}
# http.server's own refusals (a request line or headers it cannot read), in the error shape.
_PROTOCOL_ERRORS = {
    400: {"code": "BAD_REQUEST", "message": "요청을 읽을 수 없습니다. 요청 줄과 헤더를 확인해 주세요."},
    414: {"code": "URI_TOO_LONG", "message": "주소가 너무 깁니다."},
    431: {"code": "HEADERS_TOO_LARGE", "message": "요청 헤더가 너무 크거나 너무 많습니다."},
    505: {"code": "HTTP_VERSION_NOT_SUPPORTED", "message": "HTTP/1.0 과 HTTP/1.1 만 받습니다."},
}
_UNKNOWN_METHOD = {"code": "METHOD_NOT_ALLOWED", "message": "지원하지 않는 요청 방식입니다."}


class _Refused(Exception):
    """A request refused before it reached a route: the status and the error body to answer with."""

    def __init__(self, status: int, error: dict[str, str]) -> None:
        super().__init__(error["code"])
        self.status = status
        self.error = error


# What API Gateway answers when the function behind a route fails outright (crashed, timed out).
_FUNCTION_FAILED = {"message": "Internal Server Error"}
# Overload: at most this many API requests run at once; the next ones wait for a slot a little,
# then are asked to come back (503 + Retry-After), as API Gateway and Lambda throttle in AWS.
MAX_CONCURRENT_API_REQUESTS = 16
SLOT_WAIT_SECONDS = 2.0


class Gateway:
    def __init__(
        self,
        *,
        outbox: SmsOutbox,
        partner_timeout_seconds: int,
        faults: FaultPlan | None = None,
        escalations: Callable[[], list[dict[str, str]]] = list,
        host: str = "127.0.0.1",
        port: int = 0,
    ) -> None:
        """`escalations`: what the operators were e-mailed so far ({subject, message})."""
        self.outbox = outbox
        self.escalations = escalations
        self.faults = faults or FaultPlan()
        # Set once the stack is deployed (the deployment's origin secret).
        self.origin_secret = ""
        self.settings = site_settings(partner_timeout_seconds=partner_timeout_seconds)
        self.slots = threading.BoundedSemaphore(MAX_CONCURRENT_API_REQUESTS)
        self.turned_away = 0
        self._server = _Server((host, port), self)
        self._thread = threading.Thread(target=self._server.serve_forever, name="gateway", daemon=True)

    @property
    def url(self) -> str:
        host, port = self._server.server_address[:2]
        return f"http://{host!s}:{port}"

    def start(self) -> Gateway:
        self._thread.start()
        return self

    def stop(self) -> None:
        self._server.shutdown()
        self._server.server_close()

    def outbox_entries(self) -> list[dict[str, str]]:
        """`[{to, body, link, sentAt}]`, newest last."""
        entries = []
        for sms in self.outbox.messages():
            link = _LINK.search(sms.body)
            entries.append(
                {
                    "to": sms.to,
                    "body": sms.body,
                    "link": link.group(0) if link else "",
                    "sentAt": sms.sent_at.isoformat(timespec="seconds"),
                }
            )
        return entries


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    # socketserver's default backlog of 5 resets connections when a page's burst (or a test's 50
    # simultaneous answers) arrives at once; API Gateway accepts them all.
    request_queue_size = 256

    def __init__(self, address: tuple[str, int], gateway: Gateway) -> None:
        super().__init__(address, GatewayRequestHandler)
        self.gateway = gateway

    def handle_error(self, request: Any, client_address: Any) -> None:
        """A client that went away (browser tab closed, poll aborted) is no error; log anything else."""
        if isinstance(sys.exc_info()[1], ConnectionError):
            return
        log.exception("gateway_error", client=client_address[0])


class GatewayRequestHandler(BaseHTTPRequestHandler):
    """One HTTP request to the local stack: the site's files, `/api/*` through the same routes and
    handlers as in AWS, and the local pages (`/_local/...`)."""

    server: _Server

    server_version = "PartnerConfirmLocal"
    protocol_version = "HTTP/1.1"

    def do_GET(self) -> None:
        self._handle("GET")

    def do_POST(self) -> None:
        self._handle("POST")

    def do_HEAD(self) -> None:
        self._handle("GET")

    def do_DELETE(self) -> None:
        self._handle("DELETE")

    # Answered by the routes (404/405 in the error shape) rather than by http.server's HTML 501.
    def do_PUT(self) -> None:
        self._handle("PUT")

    def do_PATCH(self) -> None:
        self._handle("PATCH")

    def log_message(self, format: str, *args: Any) -> None:
        return  # one line per request is written by _handle

    def send_error(self, code: int, message: str | None = None, explain: str | None = None) -> None:
        """http.server's refusals (bad request line, huge headers, unknown method) as JSON."""
        self.close_connection = True
        if code == 501:  # no do_<METHOD>: a method nothing here serves
            code, error = 405, _UNKNOWN_METHOD
        else:
            error = _PROTOCOL_ERRORS.get(code, _PROTOCOL_ERRORS[400])
        self._json(code, {"error": error}, {"connection": "close"})

    def _handle(self, method: str) -> None:
        started = time.perf_counter()
        path = self.path.split("?", 1)[0]
        try:
            body = self._read_body()
        except _Refused as refused:
            # The body was not read (or not all of it): this connection cannot carry another request.
            self.close_connection = True
            status = self._json(refused.status, {"error": refused.error}, {"connection": "close"})
        else:
            status = self._route(method, path, body)
        log.info(
            "http",
            method=method,
            path=_loggable(path),
            status=status,
            ms=round((time.perf_counter() - started) * 1000, 1),
        )

    def _read_body(self) -> bytes:
        """The body, read only as far as one well-formed Content-Length within the limit says."""
        lengths = self.headers.get_all("Content-Length") or []
        if self.headers.get("Transfer-Encoding") is not None:
            raise _Refused(400 if lengths else 411, _CHUNKED)
        if not lengths:
            return b""
        values = {value.strip() for value in lengths}
        raw = values.pop()
        if values or not _CONTENT_LENGTH.fullmatch(raw):
            raise _Refused(400, _BAD_LENGTH)
        length = int(raw)
        if length > MAX_BODY_BYTES:
            raise _Refused(413, _TOO_LARGE)
        if length == 0:
            return b""
        self.connection.settimeout(BODY_TIMEOUT_SECONDS)
        try:
            body = self.rfile.read(length)
        except TimeoutError:
            raise _Refused(408, _BODY_TIMEOUT) from None
        finally:
            self.connection.settimeout(None)
        if len(body) < length:
            raise _Refused(400, _SHORT_BODY)
        return body

    def _route(self, method: str, path: str, body: bytes) -> int:
        if path == FAULTS_PATH:
            return self._faults(method, body)
        fixed = {
            f"{API_PREFIX}/openapi.json": lambda: self._json(200, openapi_document()),
            f"/{SITE_SETTINGS_FILE}": lambda: self._json(200, self.server.gateway.settings),
            "/_local/outbox.json": lambda: self._json(200, self.server.gateway.outbox_entries()),
            "/_local/escalations.json": lambda: self._json(200, self.server.gateway.escalations()),
            "/_local/outbox": lambda: self._send(
                200,
                _outbox_page(self.server.gateway.outbox_entries()).encode(),
                "text/html; charset=utf-8",
                security=False,
            ),
        }
        if path.startswith(f"{API_PREFIX}/") and path not in fixed:
            return self._api(method, path, body)
        if method != "GET":
            return self._json(405, {"error": _READ_ONLY})
        if path in fixed:
            return fixed[path]()
        if path.startswith(PARTNER_LINK_PREFIX):
            return self._file(PARTNER_PAGE)
        return self._file("index.html" if path == "/" else path.lstrip("/"))

    def _api(self, method: str, path: str, body: bytes) -> int:
        found = find_route(method, path)
        if found is None:
            return self._json(404, {"error": _NOT_FOUND})
        route, parameters = found
        headers = {
            name: value for name, value in self.headers.items() if name.lower() != ORIGIN_HEADER.lower()
        }
        event = api_event(
            route,
            path=path,
            parameters=parameters,
            headers={**headers, ORIGIN_HEADER: self.server.gateway.origin_secret},
            body=body,
            source_ip=self.client_address[0],
        )
        if not self.server.gateway.slots.acquire(timeout=SLOT_WAIT_SECONDS):
            self.server.gateway.turned_away += 1
            busy = ServiceUnavailable()
            return self._json(
                503,
                {"error": {"code": busy.code, "message": busy.message}},
                {"retry-after": str(RETRY_AFTER_SECONDS)},
            )
        try:
            result = _handler_of(route)(event, LambdaContext(str(route.function)))
        except InvocationKilled:
            log.warning("function_killed", route=route.key)
            return self._json(500, _FUNCTION_FAILED)
        except Exception:
            log.exception("handler_crashed", route=route.key)
            return self._json(500, {"error": INTERNAL_ERROR})
        finally:
            self.server.gateway.slots.release()
        payload = (result.get("body") or "").encode("utf-8")
        if result.get("isBase64Encoded"):
            payload = base64.b64decode(payload)
        headers = result.get("headers") or {}
        return self._send(
            int(result["statusCode"]), payload, headers.get("content-type", "application/json"), headers
        )

    def _faults(self, method: str, body: bytes) -> int:
        """GET shows the fault plan, POST sets faults (one or a list), DELETE clears them all.

        Writes need the local-stack header (else 403) and a JSON content type (else 415).
        """
        if method not in ("GET", "POST", "DELETE"):
            return self._json(405, {"error": _METHOD_NOT_ALLOWED})
        if method != "GET":
            if (self.headers.get(LOCAL_STACK_HEADER) or "").strip() != "1":
                return self._json(403, {"error": _LOCAL_FORBIDDEN})
            if not is_json_media_type(self.headers.get("Content-Type")):
                return self._json(415, {"error": _UNSUPPORTED_MEDIA_TYPE})
        if method == "DELETE":
            self.server.gateway.faults.clear()
        elif method == "POST":
            try:
                self.server.gateway.faults.set(*parse_faults(read_json(body)))
            except InvalidInput as error:
                return self._json(400, {"error": {"code": "INVALID_FAULT", "message": error.message}})
            except FaultInvalid as error:
                fault_error = {"code": "INVALID_FAULT", "message": error.message}
                return self._json(
                    400, {"error": fault_error | ({"field": error.field} if error.field else {})}
                )
        return self._json(200, self.server.gateway.faults.describe())

    def _file(self, relative: str) -> int:
        try:
            target = (SITE_DIR / relative).resolve()
        except (OSError, ValueError):  # a NUL byte or a name the file system refuses
            return self._file_not_found()
        if SITE_DIR not in target.parents or not target.is_file():
            return self._file_not_found()
        content_type = mimetypes.guess_type(target.name)[0] or "application/octet-stream"
        if content_type.startswith("text/") or content_type in (
            "application/javascript",
            "application/json",
        ):
            content_type += "; charset=utf-8"
        body, headers = target.read_bytes(), {"cache-control": "no-cache", "vary": "Accept-Encoding"}
        if _compressible(content_type, len(body)) and "gzip" in self.headers.get("Accept-Encoding", ""):
            body, headers["content-encoding"] = gzip.compress(body, mtime=0), "gzip"
        return self._send(200, body, content_type, headers)

    def _file_not_found(self) -> int:
        error_page = SITE_DIR / "error.html"
        if error_page.is_file():
            return self._send(404, error_page.read_bytes(), "text/html; charset=utf-8")
        return self._send(404, "찾을 수 없는 페이지입니다.".encode(), "text/plain; charset=utf-8")

    def _json(self, status: int, payload: Any, headers: dict[str, str] | None = None) -> int:
        body = json.dumps(payload, ensure_ascii=False).encode("utf-8")
        return self._send(
            status,
            body,
            "application/json; charset=utf-8",
            {"cache-control": "no-store", **(headers or {})},
        )

    def _send(
        self,
        status: int,
        body: bytes,
        content_type: str,
        headers: dict[str, str] | None = None,
        *,
        security: bool = True,
    ) -> int:
        self.send_response(status)
        self.send_header("Content-Type", content_type)
        self.send_header("Content-Length", str(len(body)))
        for name, value in (headers or {}).items():
            if name.lower() not in ("content-type", "content-length"):
                self.send_header(name, value)
        for name, value in _SECURITY_HEADERS.items() if security else ():
            self.send_header(name, value)
        self.end_headers()
        if self.command != "HEAD":
            self.wfile.write(body)
        return status


# CloudFront compresses these when the viewer accepts it (the site's behaviours set compress), for
# files of 1,000 bytes up to 10 MB; the local front door does the same, so pages weigh what they
# weigh in AWS.
_COMPRESSED_TYPES = ("text/", "application/javascript", "application/json", "image/svg+xml")
_COMPRESSED_SIZES = range(1_000, 10_000_001)


def _compressible(content_type: str, size: int) -> bool:
    return content_type.startswith(_COMPRESSED_TYPES) and size in _COMPRESSED_SIZES


def _loggable(path: str) -> str:
    """The path without the partner's token (`/r/…`, `/api/confirm/{token}`): logs are not for partners."""
    if path.startswith(PARTNER_LINK_PREFIX):
        return f"{PARTNER_LINK_PREFIX}…"
    found = find_route("GET", path) or find_route("POST", path)
    return found[0].path if found else path


@functools.cache
def _handler_of(route: Route) -> Callable[[Any, Any], Any]:
    return load_handler(FUNCTIONS[route.function].handler)


# What CloudFront's response-headers policy adds in AWS (HSTS aside: this is plain http), so pages
# behave the same locally.
_SECURITY_HEADERS = {
    "Content-Security-Policy": CONTENT_SECURITY_POLICY,
    "Referrer-Policy": "no-referrer",
    "X-Content-Type-Options": "nosniff",
    "X-Frame-Options": "DENY",
}


def _sent_at_kst(sent_at: str) -> str:
    """When an SMS went out, in Korean time as the pages show times (`12월 1일(화) 오후 3시 30분`)."""
    try:
        return format_kst(datetime.fromisoformat(sent_at))
    except ValueError:
        return sent_at


def _outbox_page(entries: list[dict[str, str]]) -> str:
    rows = "".join(
        "<li><p class=meta><time datetime={iso}>{at}</time> · {to}</p><p>{body}</p>{link}</li>".format(
            iso=html.escape(entry["sentAt"]),
            at=html.escape(_sent_at_kst(entry["sentAt"])),
            to=html.escape(entry["to"]),
            body=html.escape(entry["body"]),
            link=f'<a href="{html.escape(entry["link"])}">파트너 확인 페이지 열기</a>'
            if entry["link"]
            else "",
        )
        for entry in reversed(entries)
    )
    empty = "<p>아직 보낸 문자가 없습니다. 고객 페이지에서 문의를 보내 보세요.</p>"
    return (
        "<!doctype html><html lang=ko><head><meta charset=utf-8>"
        '<meta name=viewport content="width=device-width, initial-scale=1">'
        "<meta http-equiv=refresh content=3><title>문자 보관함 (로컬)</title>"
        '<link rel=icon href="/favicon.svg" type="image/svg+xml">'
        "<style>body{font-family:sans-serif;max-width:40rem;margin:1rem auto;padding:0 1rem}"
        "ul{padding:0;margin:0}"
        "li{list-style:none;border:1px solid #ccd;border-radius:.5rem;padding:.5rem 1rem;margin:.5rem 0;"
        "overflow-wrap:anywhere}"
        ".meta{color:#557;font-size:.85rem}</style></head><body>"
        f"<h1>문자 보관함</h1><p>로컬 스택이 보낸 SMS입니다. 최신 문자가 위에 있습니다.</p>"
        f"<ul>{rows or empty}</ul></body></html>"
    )
