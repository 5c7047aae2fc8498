"""The running local gateway against hostile HTTP: odd lengths, chunked bodies, slow or short bodies,
requests http.server itself refuses, and generated bodies and headers on every API route. Each gets
a 4xx in the error shape with a Korean message, promptly, and never a 5xx."""

from __future__ import annotations

import http.client
import json
import re
import socket
from typing import Any
from urllib.parse import quote, urlsplit

import attrs
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from definitions.routes import ROUTES
from local import gateway
from tests import hostile

HANGUL = re.compile("[가-힣]")
CHAT_BODY = json.dumps(
    {"customerPhone": "010-2345-6789", "reservationNumber": "HTL-100101", "message": "조식 추가"},
    ensure_ascii=False,
).encode()
# Far longer than any answer here takes: a request the gateway would read until the client closes
# runs into it instead of hanging the test.
PATIENCE_SECONDS = 30.0


@attrs.frozen
class RawReply:
    status: int
    headers: dict[str, str]
    body: bytes

    def error(self) -> dict[str, Any]:
        assert self.headers["content-type"].startswith("application/json")
        payload = json.loads(self.body)
        assert set(payload) == {"error"}
        error = payload["error"]
        assert set(error) <= {"code", "message", "field"}
        assert HANGUL.search(error["message"])
        return error


def _address(local_stack) -> tuple[str, int]:
    url = urlsplit(local_stack.url)
    return url.hostname, url.port


def _raw(local_stack, request: bytes, *, half_close: bool = False) -> RawReply:
    """Send bytes exactly as given (no client library fixes them up) and read one answer."""
    with socket.create_connection(_address(local_stack), timeout=PATIENCE_SECONDS) as connection:
        connection.sendall(request)
        if half_close:
            connection.shutdown(socket.SHUT_WR)
        response = http.client.HTTPResponse(connection)
        response.begin()
        return RawReply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())


def _post_chat(*header_lines: str, body: bytes = b"") -> bytes:
    head = "".join(f"{line}\r\n" for line in ("POST /api/chat HTTP/1.1", "Host: local", *header_lines))
    return head.encode("utf-8") + b"\r\n" + body


def _send(local_stack, method: str, path: str, body: bytes, headers: dict[str, bytes]) -> RawReply:
    """One request through http.client, header values as raw bytes (latin-1 on the wire, like browsers)."""
    connection = http.client.HTTPConnection(*_address(local_stack), timeout=PATIENCE_SECONDS)
    try:
        connection.putrequest(method, path, skip_accept_encoding=True)
        for name, value in headers.items():
            connection.putheader(name, value)
        connection.putheader("Content-Length", str(len(body)))
        connection.endheaders(body)
        response = connection.getresponse()
        return RawReply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read())
    finally:
        connection.close()


# --- Content-Length and Transfer-Encoding -------------------------------------------------------


@pytest.mark.parametrize(
    "value",
    ["-1", "-16384", "abc", "1e3", "+5", "0x10", "1_0", "5 5", "١٢", "", "9" * 30],
    ids=[
        "-1",
        "negative-limit",
        "word",
        "exponent",
        "plus",
        "hex",
        "underscore",
        "two",
        "arabic",
        "blank",
        "absurd",
    ],
)
def test_a_content_length_that_is_no_length_is_a_400_at_once(local_stack, value):
    answer = _raw(local_stack, _post_chat("Content-Type: application/json", f"Content-Length: {value}"))

    assert answer.status == 400
    assert answer.error()["code"] == "INVALID_CONTENT_LENGTH"
    assert answer.headers["connection"] == "close"


def test_two_different_content_lengths_are_a_400(local_stack):
    request = _post_chat(
        "Content-Type: application/json", "Content-Length: 2", "Content-Length: 3", body=b"{}"
    )
    answer = _raw(local_stack, request)

    assert (answer.status, answer.error()["code"]) == (400, "INVALID_CONTENT_LENGTH")


def test_a_length_over_the_limit_is_a_413_without_reading_the_body(local_stack):
    answer = _raw(local_stack, _post_chat("Content-Type: application/json", "Content-Length: 1000000000"))

    assert (answer.status, answer.error()["code"]) == (413, "PAYLOAD_TOO_LARGE")


def test_a_chunked_body_without_a_length_is_refused_with_411(local_stack):
    chunked = b"2\r\n{}\r\n0\r\n\r\n"
    answer = _raw(
        local_stack, _post_chat("Content-Type: application/json", "Transfer-Encoding: chunked", body=chunked)
    )

    assert (answer.status, answer.error()["code"]) == (411, "LENGTH_REQUIRED")
    assert answer.headers["connection"] == "close"


def test_a_chunked_body_with_a_length_as_well_is_a_400(local_stack):
    request = _post_chat(
        "Content-Type: application/json",
        "Transfer-Encoding: chunked",
        "Content-Length: 7",
        body=b"2\r\n{}\r\n",
    )
    answer = _raw(local_stack, request)

    assert (answer.status, answer.error()["code"]) == (400, "LENGTH_REQUIRED")


def test_a_body_shorter_than_its_length_is_a_400_once_the_client_stops(local_stack):
    request = _post_chat("Content-Type: application/json", "Content-Length: 100", body=b'{"a"')
    answer = _raw(local_stack, request, half_close=True)

    assert (answer.status, answer.error()["code"]) == (400, "INVALID_CONTENT_LENGTH")


def test_a_body_that_never_arrives_is_a_408(local_stack, monkeypatch):
    monkeypatch.setattr(gateway, "BODY_TIMEOUT_SECONDS", 0.5)
    answer = _raw(local_stack, _post_chat("Content-Type: application/json", "Content-Length: 100", body=b"{"))

    assert (answer.status, answer.error()["code"]) == (408, "REQUEST_TIMEOUT")


def test_a_well_formed_length_reaches_the_handler(local_stack):
    request = _post_chat(
        "Content-Type: application/json", f"Content-Length: {len(b'{}')}", "Connection: close", body=b"{}"
    )
    answer = _raw(local_stack, request)

    assert (answer.status, answer.error()["field"]) == (400, "customerPhone")


# --- what http.server refuses, and what it does not know ----------------------------------------


def test_headers_too_large_are_a_431_in_the_error_shape(local_stack):
    answer = _raw(local_stack, b"GET /api/openapi.json HTTP/1.1\r\nX-Big: " + b"a" * 70_000 + b"\r\n\r\n")

    assert (answer.status, answer.error()["code"]) == (431, "HEADERS_TOO_LARGE")


@pytest.mark.parametrize("method", ["OPTIONS", "TRACE", "BREW"])
def test_an_unknown_method_is_a_405_in_the_error_shape_without_cors(local_stack, method):
    answer = _raw(
        local_stack,
        f"{method} /_local/faults HTTP/1.1\r\nHost: local\r\nOrigin: https://x.example\r\n\r\n".encode(),
    )

    assert (answer.status, answer.error()["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert not any(name.startswith("access-control-") for name in answer.headers)


def test_a_post_to_a_page_is_a_405_and_the_connection_stays_usable(local_stack):
    connection = http.client.HTTPConnection(*_address(local_stack), timeout=PATIENCE_SECONDS)
    try:
        connection.request("POST", "/index.html", body=b"x" * 100, headers={"Content-Type": "text/plain"})
        refused = connection.getresponse()
        refused_body = refused.read()
        connection.request("GET", "/config.json")
        after = connection.getresponse()
        after_body = after.read()
    finally:
        connection.close()

    assert (refused.status, json.loads(refused_body)["error"]["code"]) == (405, "METHOD_NOT_ALLOWED")
    assert after.status == 200
    assert "partnerTimeoutSeconds" in json.loads(after_body)


def test_a_nul_byte_in_a_path_is_a_404_page(local_stack):
    answer = _raw(local_stack, b"GET /js/a\x00b.js HTTP/1.1\r\nHost: local\r\nConnection: close\r\n\r\n")

    assert answer.status == 404


# --- headers the handlers read ------------------------------------------------------------------


@pytest.mark.parametrize("name", ["Idempotency-Key", "Authorization"])
@pytest.mark.parametrize(
    "value", [b"\xff\xfe\xfd\xfc\xfb\xfa\xf9\xf8", b"key\x01\x02\x03abcd", "키-12345678".encode()]
)
@pytest.mark.parametrize(
    "route", ["POST /api/chat", "GET /api/requests/0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f"]
)
def test_a_header_with_odd_characters_is_a_400_naming_it(local_stack, name, value, route):
    method, path = route.split(" ")
    body = CHAT_BODY if method == "POST" else b""
    answer = _send(local_stack, method, path, body, {"Content-Type": b"application/json", name: value})

    assert answer.status == 400
    assert answer.error()["field"] == name


def test_a_chat_body_declared_as_text_is_a_415(local_stack):
    answer = _send(local_stack, "POST", "/api/chat", CHAT_BODY, {"Content-Type": b"text/plain;charset=UTF-8"})

    assert (answer.status, answer.error()["code"]) == (415, "UNSUPPORTED_MEDIA_TYPE")


# --- generated: every route ---------------------------------------------------------------------


def _path(route_path: str, segment: str) -> str:
    return re.sub(r"\{\w+\}", quote(segment, safe="") or "x", route_path)


@settings(
    max_examples=200,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
@given(
    route=st.sampled_from(ROUTES),
    segment=st.text(min_size=1, max_size=40),
    body=hostile.hostile_bodies,
    headers=st.fixed_dictionaries(
        {},
        optional={
            "Content-Type": hostile.wire_content_types,
            "Idempotency-Key": hostile.header_bytes,
            "Authorization": hostile.header_bytes,
        },
    ),
)
def test_any_hostile_request_on_any_route_is_a_4xx_in_the_error_shape(
    local_stack, route, segment, body, headers
):
    if route.method == "GET" and not body:
        body = b"{}"  # a GET route's hostile request is one with a body
    answer = _send(local_stack, route.method, _path(route.path, segment), body, headers)

    assert 400 <= answer.status < 500, (route.key, answer)
    answer.error()
