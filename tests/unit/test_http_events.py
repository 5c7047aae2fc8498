"""API Gateway HTTP API (payload 2.0) events in, JSON out, every error in the API's error shape."""

import base64
import copy
import functools
import json
import re
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.adapters import api_gateway
from runtime.domain.errors import (
    DailyLimitReached,
    DomainError,
    IdempotencyKeyReused,
    IntentUnclear,
    InvalidInput,
    LinkExpired,
    LinkInvalid,
    LinkUsed,
    NotThroughSite,
    PayloadTooLarge,
    RequestClosed,
    RequestNotFound,
    ServiceUnavailable,
    TooManyLookups,
    TooManyOpenRequests,
)
from runtime.domain.model import Status
from tests import hostile

EVENTS = Path(__file__).resolve().parents[1] / "events"
HANGUL = re.compile("[가-힣]")
LIMIT = 16 * 1024
# The origin header's value in the recorded events (what CloudFront added on the recorded stack).
RECORDED_ORIGIN_SECRET = "origin-secret-of-the-recorded-stack"
serve = functools.partial(api_gateway.serve, origin_secret=RECORDED_ORIGIN_SECRET)


def _event(name: str, **overrides) -> dict:
    event = json.loads((EVENTS / f"{name}.json").read_text(encoding="utf-8"))
    event.update(copy.deepcopy(overrides))
    return event


def _body(response: dict) -> dict:
    return json.loads(response["body"])


def _fail(error: Exception):
    def action(_request: api_gateway.HttpRequest) -> api_gateway.Reply:
        raise error

    return action


# --- the recorded events ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("name", "route"),
    [
        ("chat_post", "POST /api/chat"),
        ("confirm_get", "GET /api/confirm/{token}"),
        ("respond_post", "POST /api/respond"),
        ("request_status_get", "GET /api/requests/{requestId}"),
    ],
)
def test_recorded_events_are_http_api_payload_2_0(name, route):
    event = _event(name)
    assert event["version"] == "2.0"
    assert event["routeKey"] == event["requestContext"]["routeKey"] == route
    assert event["rawPath"] == event["requestContext"]["http"]["path"]
    assert all(key == key.lower() for key in event["headers"])
    assert isinstance(event["isBase64Encoded"], bool)
    assert event["requestContext"]["requestId"]


def test_parse_event_reads_a_chat_post():
    request = api_gateway.parse_event(_event("chat_post"))
    assert request.method == "POST"
    assert request.path == "/api/chat"
    assert request.source_ip == "130.176.212.73"
    assert request.path_parameters == {}
    assert request.header("Idempotency-Key") == "c4b1e2f0-5d6a-4e7b-8c9d-0a1b2c3d4e5f"
    assert request.header("CONTENT-TYPE") == "application/json"
    assert api_gateway.json_object(request) == {
        "customerPhone": "010-0000-1001",
        "reservationNumber": "HTL-100101",
        "message": "체크인 날짜를 하루 미루고 싶어요",
    }


def test_parse_event_reads_path_parameters_and_an_empty_get_body():
    confirm = api_gateway.parse_event(_event("confirm_get"))
    assert (confirm.method, confirm.body) == ("GET", b"")
    assert confirm.path_parameters == {"token": "ASi30INRsKgwawPYuJrELCmtFN1E"}
    status = api_gateway.parse_event(_event("request_status_get"))
    assert status.path == "/api/requests/0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f"
    assert status.path_parameters == {"requestId": "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f"}


def test_parse_event_reads_a_partner_answer():
    assert api_gateway.json_object(api_gateway.parse_event(_event("respond_post"))) == {
        "token": "ASi30INRsKgwawPYuJrELCmtFN1E",
        "response": "alternative",
        "alternativeTime": "2026-12-01T15:00:00+09:00",
    }


def test_header_names_are_case_insensitive_even_if_an_event_is_not_lowercased():
    event = _event("chat_post", headers={"Idempotency-Key": "abcdefgh-1", "Content-Type": "application/json"})
    request = api_gateway.parse_event(event)
    assert request.header("idempotency-key") == "abcdefgh-1"
    assert request.headers == {"idempotency-key": "abcdefgh-1", "content-type": "application/json"}
    assert request.header("x-missing") is None


def test_a_base64_encoded_body_is_decoded_to_the_same_bytes():
    plain = _event("chat_post")
    encoded = _event(
        "chat_post",
        body=base64.b64encode(plain["body"].encode("utf-8")).decode("ascii"),
        isBase64Encoded=True,
    )
    assert api_gateway.parse_event(encoded).body == plain["body"].encode("utf-8")
    assert (
        api_gateway.json_object(api_gateway.parse_event(encoded))["message"]
        == "체크인 날짜를 하루 미루고 싶어요"
    )


def test_a_body_that_is_not_valid_base64_is_invalid_input_in_korean():
    with pytest.raises(InvalidInput) as raised:
        api_gateway.parse_event(_event("chat_post", body="not base64 at all!", isBase64Encoded=True))
    assert raised.value.message == "요청 본문을 읽을 수 없습니다."


def test_method_is_read_from_the_request_context_in_upper_case():
    event = _event("respond_post")
    event["requestContext"]["http"]["method"] = "post"
    assert api_gateway.method_of(event) == "POST"
    assert api_gateway.method_of({}) == ""


# --- the 16 KiB limit ---------------------------------------------------------------------------


def test_a_body_of_exactly_16_kib_is_accepted():
    assert len(api_gateway.parse_event(_event("chat_post", body="a" * LIMIT)).body) == LIMIT


@pytest.mark.parametrize(
    "body",
    [
        "a" * (LIMIT + 1),
        "가" * 5462,  # 5,462 characters, but 16,386 bytes in UTF-8
    ],
    ids=["ascii", "korean-counted-in-bytes"],
)
def test_a_body_over_16_kib_is_payload_too_large(body):
    with pytest.raises(PayloadTooLarge):
        api_gateway.parse_event(_event("chat_post", body=body))


def test_the_limit_applies_to_the_decoded_body_of_a_base64_event():
    at_limit = base64.b64encode(b"a" * LIMIT).decode()
    over = base64.b64encode(b"a" * (LIMIT + 1)).decode()
    assert (
        len(api_gateway.parse_event(_event("chat_post", body=at_limit, isBase64Encoded=True)).body) == LIMIT
    )
    with pytest.raises(PayloadTooLarge):
        api_gateway.parse_event(_event("chat_post", body=over, isBase64Encoded=True))


def test_serve_answers_413_for_a_body_over_the_limit_without_running_the_action():
    ran = []
    response = serve(_event("chat_post", body="a" * (LIMIT + 1)), ran.append)
    assert response["statusCode"] == 413
    assert _body(response)["error"]["code"] == "PAYLOAD_TOO_LARGE"
    assert HANGUL.search(_body(response)["error"]["message"])
    assert ran == []


# --- JSON bodies --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("body", "message"),
    [
        ("not json", "요청 본문이 올바른 JSON 형식이 아닙니다."),
        ('{"customerPhone": ', "요청 본문이 올바른 JSON 형식이 아닙니다."),
        ("", "요청 본문이 올바른 JSON 형식이 아닙니다."),
        ("[1, 2]", "요청 본문은 JSON 객체여야 합니다."),
        ('"text"', "요청 본문은 JSON 객체여야 합니다."),
        ("null", "요청 본문은 JSON 객체여야 합니다."),
    ],
)
def test_a_body_that_is_not_a_json_object_is_a_korean_400(body, message):
    response = serve(
        _event("chat_post", body=body), lambda r: api_gateway.Reply(200, api_gateway.json_object(r))
    )
    assert response["statusCode"] == 400
    assert _body(response) == {"error": {"code": "INVALID_INPUT", "message": message}}


def test_a_body_that_is_not_utf8_is_a_korean_400():
    event = _event(
        "chat_post", body=base64.b64encode(b'{"message": "\xff\xfe"}').decode(), isBase64Encoded=True
    )
    response = serve(event, lambda r: api_gateway.Reply(200, api_gateway.json_object(r)))
    assert response["statusCode"] == 400
    assert _body(response)["error"]["message"] == "요청 본문이 올바른 JSON 형식이 아닙니다."


# --- serve: success and every error -------------------------------------------------------------


def test_serve_returns_the_reply_as_json_with_safe_headers():
    seen = []

    def action(request: api_gateway.HttpRequest) -> api_gateway.Reply:
        seen.append(request)
        return api_gateway.Reply(
            201, {"requestId": "r-1", "message": "문의가 접수되었습니다."}, {"x-extra": "1"}
        )

    response = serve(_event("chat_post"), action)
    assert response["statusCode"] == 201
    assert response["isBase64Encoded"] is False
    assert response["headers"]["content-type"] == "application/json; charset=utf-8"
    assert response["headers"]["cache-control"] == "no-store"
    assert response["headers"]["x-content-type-options"] == "nosniff"
    assert response["headers"]["x-extra"] == "1"
    assert _body(response) == {"requestId": "r-1", "message": "문의가 접수되었습니다."}
    assert "문의가 접수되었습니다." in response["body"]  # UTF-8 text, not \\u escapes
    assert seen[0].path == "/api/chat"


@pytest.mark.parametrize(
    ("error", "status", "code"),
    [
        (InvalidInput("예약번호를 입력해 주세요.", field="reservationNumber"), 400, "INVALID_INPUT"),
        (LinkInvalid(), 401, "LINK_INVALID"),
        (LinkExpired(), 401, "LINK_EXPIRED"),
        (RequestNotFound(), 404, "REQUEST_NOT_FOUND"),
        (LinkUsed(), 409, "LINK_USED"),
        (RequestClosed(Status.TIMEOUT), 409, "REQUEST_CLOSED"),
        (RequestClosed(Status.FAILED), 409, "REQUEST_CLOSED"),
        (RequestClosed(Status.RESPONDED), 409, "REQUEST_CLOSED"),
        (IdempotencyKeyReused(), 409, "IDEMPOTENCY_KEY_REUSED"),
        (PayloadTooLarge(), 413, "PAYLOAD_TOO_LARGE"),
        (IntentUnclear(), 422, "INTENT_UNCLEAR"),
        (TooManyOpenRequests(retry_after_seconds=300, maximum=3), 429, "TOO_MANY_OPEN_REQUESTS"),
        (DailyLimitReached(retry_after_seconds=7200, maximum=10), 429, "DAILY_LIMIT_REACHED"),
        (TooManyLookups(retry_after_seconds=1200, maximum=5), 429, "TOO_MANY_LOOKUPS"),
        (NotThroughSite(), 403, "FORBIDDEN"),
        (ServiceUnavailable(), 503, "SERVICE_UNAVAILABLE"),
    ],
    ids=lambda value: value.__class__.__name__ if isinstance(value, Exception) else str(value),
)
def test_each_domain_error_has_its_status_and_the_documented_shape(error, status, code):
    response = serve(_event("respond_post"), _fail(error))
    assert response["statusCode"] == status
    assert response["headers"]["content-type"] == "application/json; charset=utf-8"
    body = _body(response)
    # Only an unclear intent offers choices beside the error.
    assert set(body) == ({"error", "choices"} if code == "INTENT_UNCLEAR" else {"error"})
    assert body["error"]["code"] == code
    assert body["error"]["message"] == error.message
    assert HANGUL.search(body["error"]["message"])
    assert set(body["error"]) <= {"code", "message", "field"}


def test_an_unclear_intent_offers_the_three_intents_with_their_korean_labels():
    body = _body(serve(_event("chat_post"), _fail(IntentUnclear())))
    assert body["choices"] == [
        {"intent": "ChangeReservation", "label": "예약변경"},
        {"intent": "ReportTrouble", "label": "트러블신고"},
        {"intent": "AddOnService", "label": "부가서비스"},
    ]
    assert "고르시거나" in body["error"]["message"]


def test_every_domain_error_class_is_mapped_to_a_status_other_than_500():
    def all_subclasses(cls):
        for sub in cls.__subclasses__():
            yield sub
            yield from all_subclasses(sub)

    unmapped = [
        cls.__name__
        for cls in all_subclasses(DomainError)
        if not any(issubclass(cls, mapped) for mapped in api_gateway.ERROR_STATUS)
    ]
    assert unmapped == []


def test_invalid_input_names_its_field():
    error = InvalidInput("휴대전화 번호 형식이 올바르지 않습니다. 예: 010-1234-5678", field="customerPhone")
    assert _body(serve(_event("chat_post"), _fail(error))) == {
        "error": {
            "code": "INVALID_INPUT",
            "message": "휴대전화 번호 형식이 올바르지 않습니다. 예: 010-1234-5678",
            "field": "customerPhone",
        }
    }


def test_an_error_without_a_field_has_no_field_key():
    assert "field" not in _body(serve(_event("chat_post"), _fail(InvalidInput())))["error"]
    assert "field" not in _body(serve(_event("chat_post"), _fail(LinkUsed())))["error"]


def test_a_used_link_says_so_in_the_documented_words():
    response = serve(_event("respond_post"), _fail(LinkUsed()))
    assert (response["statusCode"], _body(response)["error"]["message"]) == (409, "이미 응답한 링크입니다.")


def test_a_link_of_a_timed_out_request_says_the_time_has_passed():
    response = serve(_event("confirm_get"), _fail(RequestClosed(Status.TIMEOUT)))
    assert response["statusCode"] == 409
    assert "응답 시간이 지났습니다" in _body(response)["error"]["message"]


def test_an_unexpected_exception_is_a_500_without_any_internal_detail():
    crash = RuntimeError("boom at /var/task/runtime/services/submit.py secret=abc123 +821012345678")
    response = serve(_event("chat_post"), _fail(crash))
    assert response["statusCode"] == 500
    assert _body(response) == {
        "error": {
            "code": "INTERNAL_ERROR",
            "message": "일시적인 오류가 발생했습니다. 잠시 후 다시 시도해 주세요.",
        }
    }
    for leak in ("Traceback", "RuntimeError", "boom", "/var/task", "secret", "File ", "+8210"):
        assert leak not in response["body"]


@pytest.mark.parametrize("crash", [KeyError("requestId"), TypeError("NoneType"), ValueError("x")])
def test_any_unexpected_exception_kind_is_the_same_500(crash):
    response = serve(_event("request_status_get"), _fail(crash))
    assert response["statusCode"] == 500
    assert _body(response)["error"]["code"] == "INTERNAL_ERROR"


def test_a_generic_domain_error_without_a_mapping_is_a_500_with_its_korean_message():
    response = serve(_event("chat_post"), _fail(DomainError()))
    assert response["statusCode"] == 500
    assert _body(response)["error"] == {"code": "ERROR", "message": "요청을 처리하지 못했습니다."}


# --- hostile requests: every one a 4xx in the error shape, never a 500 ----------------------------


def _echo(request: api_gateway.HttpRequest) -> api_gateway.Reply:
    return api_gateway.Reply(200, api_gateway.json_object(request))


def _post(body: str | bytes, **headers: str) -> dict:
    event = _event("chat_post")
    if isinstance(body, bytes):
        event.update(body=base64.b64encode(body).decode(), isBase64Encoded=True)
    else:
        event["body"] = body
    event["headers"] = {**event["headers"], **headers}
    return serve(event, _echo)


def _assert_error(response: dict, status: int, code: str) -> dict:
    assert response["statusCode"] == status
    body = _body(response)
    assert set(body) == {"error"} and body["error"]["code"] == code
    assert HANGUL.search(body["error"]["message"])
    response["body"].encode("utf-8")  # what the Lambda runtime does with it
    return body["error"]


@pytest.mark.parametrize(
    "body",
    [
        "[" * 8000 + "]" * 8000,
        '{"message": ' + "9" * 5000 + "}",
        '{"message": NaN}',
        '{"message": Infinity}',
        '{"message": -Infinity}',
        '{"message": 1e999}',
        '{"message": "a", "message": "b"}',
        '{"message": "\\ud800"}',
        "\ufeff{}",
        "",
        "[]",
        "42",
    ],
    ids=[
        "deep",
        "5000-digits",
        "nan",
        "infinity",
        "minus-infinity",
        "overflow",
        "duplicate",
        "surrogate",
        "bom",
        "empty",
        "array",
        "number",
    ],
)
def test_hostile_json_is_a_korean_400(body):
    _assert_error(_post(body), 400, "INVALID_INPUT")


def test_a_lone_surrogate_in_the_event_text_itself_is_a_400_not_an_encoding_crash():
    _assert_error(_post('{"message": "\ud800"}'), 400, "INVALID_INPUT")


@pytest.mark.parametrize(
    "body",
    [b'{"message": "\xed\xa0\x80"}', b"\xff\xfe{\x00}\x00", b"\x80"],
    ids=["encoded-surrogate", "utf16", "stray-byte"],
)
def test_bytes_that_are_not_utf8_are_a_korean_400(body):
    _assert_error(_post(body), 400, "INVALID_INPUT")


@pytest.mark.parametrize(
    "headers",
    [
        {"content-type": "text/plain"},
        {"content-type": "application/x-www-form-urlencoded"},
        {"content-type": "application/json; charset=iso-8859-1"},
        {"content-type": ""},
    ],
    ids=["text", "form", "latin1", "blank"],
)
def test_a_body_not_declared_as_json_is_415(headers):
    error = _assert_error(_post('{"message": "x"}', **headers), 415, "UNSUPPORTED_MEDIA_TYPE")
    assert "application/json" in error["message"]


def test_a_body_without_any_content_type_is_415():
    event = _event("chat_post")
    del event["headers"]["content-type"]
    _assert_error(serve(event, _echo), 415, "UNSUPPORTED_MEDIA_TYPE")


def test_json_with_a_utf8_charset_is_read():
    response = _post('{"message": "안녕"}', **{"content-type": "application/json; charset=UTF-8"})
    assert (response["statusCode"], _body(response)) == (200, {"message": "안녕"})


def test_the_size_limit_is_checked_before_the_content_type():
    _assert_error(_post("a" * (LIMIT + 1), **{"content-type": "text/plain"}), 413, "PAYLOAD_TOO_LARGE")


@pytest.mark.parametrize("name", ["idempotency-key", "authorization", "content-type"])
@pytest.mark.parametrize("value", ["키-12345678", "abc\x00defgh", "abc\x7fdefgh", "\ud800abcdefgh", "é" * 10])
def test_a_read_header_with_odd_characters_is_a_400_naming_it(name, value):
    response = _post('{"message": "x"}', **{name: value})
    error = _assert_error(response, 400, "INVALID_INPUT")
    assert error["field"].lower() == name


def test_a_get_with_a_body_is_a_400():
    event = _event("request_status_get", body='{"a": 1}')
    _assert_error(serve(event, lambda r: api_gateway.Reply(200, {})), 400, "INVALID_INPUT")


def test_a_get_without_a_body_is_served():
    assert serve(_event("request_status_get"), lambda r: api_gateway.Reply(200, {}))["statusCode"] == 200


@pytest.mark.parametrize(
    "overrides",
    [{"body": {"a": 1}}, {"body": 12}, {"headers": ["content-type"]}, {"headers": None}],
    ids=["dict-body", "number-body", "list-headers", "no-headers"],
)
def test_an_event_of_the_wrong_shape_is_a_4xx(overrides):
    response = serve(_event("chat_post", **overrides), _echo)
    assert 400 <= response["statusCode"] < 500


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(
    body=hostile.hostile_bodies,
    headers=st.fixed_dictionaries(
        {},
        optional={
            "content-type": hostile.content_types,
            "idempotency-key": hostile.header_texts,
            "authorization": hostile.header_texts,
        },
    ),
    encoded=st.booleans(),
    method=st.sampled_from(["POST", "GET"]),
)
def test_any_body_and_headers_give_a_json_object_or_a_4xx_in_the_error_shape(body, headers, encoded, method):
    event = _event("chat_post" if method == "POST" else "request_status_get")
    event["headers"] = headers
    try:
        text, base64_encoded = (body.decode("utf-8"), False) if not encoded else (None, True)
    except UnicodeDecodeError:
        text, base64_encoded = None, True
    event.update(
        body=text if text is not None else base64.b64encode(body).decode(), isBase64Encoded=base64_encoded
    )

    response = serve(event, _echo if method == "POST" else lambda r: api_gateway.Reply(200, {}))

    response["body"].encode("utf-8")
    if response["statusCode"] == 200:
        return
    assert 400 <= response["statusCode"] < 500
    error = _body(response)["error"]
    assert set(error) <= {"code", "message", "field"}
    assert HANGUL.search(error["message"])


# --- only through the site: the origin header ---------------------------------------------------


def _ran(event: dict, origin_secret: str = RECORDED_ORIGIN_SECRET) -> tuple[dict, list]:
    ran: list = []

    def action(request: api_gateway.HttpRequest) -> api_gateway.Reply:
        ran.append(request)
        return api_gateway.Reply(200, {"ok": True})

    return api_gateway.serve(event, action, origin_secret=origin_secret), ran


@pytest.mark.parametrize(
    "headers",
    [
        {},
        {"x-origin-verify": ""},
        {"x-origin-verify": "origin-secret-of-the-recorded-stac"},
        {"x-origin-verify": "origin-secret-of-the-recorded-stackX"},
        {"x-origin-verify": "ORIGIN-SECRET-OF-THE-RECORDED-STACK"},
        {"x-origin-verify": "오리진"},
        {"x-origin-verify": "\ud800"},
        {"x-origin-verify": RECORDED_ORIGIN_SECRET, "X-Origin-Verify": RECORDED_ORIGIN_SECRET},
    ],
    ids=["missing", "empty", "shorter", "longer", "other case", "korean", "lone surrogate", "twice"],
)
def test_a_request_without_the_origin_secret_is_403_before_any_other_work(headers):
    event = _event("chat_post", body="not even json", isBase64Encoded=False)
    event["headers"] = {k: v for k, v in event["headers"].items() if k != "x-origin-verify"} | headers
    response, ran = _ran(event)
    assert response["statusCode"] == 403
    assert _body(response) == {"error": {"code": "FORBIDDEN", "message": NotThroughSite.message}}
    assert ran == []


def test_a_body_too_large_from_around_the_site_is_403_not_413_nothing_is_read():
    event = _event("chat_post", body="a" * (LIMIT + 1))
    del event["headers"]["x-origin-verify"]
    assert _ran(event)[0]["statusCode"] == 403


def test_the_header_name_is_matched_whatever_its_case():
    event = _event("confirm_get")
    event["headers"]["X-ORIGIN-VERIFY"] = event["headers"].pop("x-origin-verify")
    response, ran = _ran(event)
    assert response["statusCode"] == 200 and len(ran) == 1


def test_without_a_configured_origin_secret_every_request_is_refused():
    """A function deployed without the setting fails closed, even for a request that carries a value."""
    event = _event("confirm_get")
    event["headers"]["x-origin-verify"] = ""
    assert _ran(event, origin_secret="")[0]["statusCode"] == 403
    assert _ran(_event("confirm_get"), origin_secret="")[0]["statusCode"] == 403


def test_the_origin_secret_is_compared_in_constant_time(monkeypatch):
    compared = []
    real = api_gateway.hmac.compare_digest

    def spy(a, b):
        compared.append((a, b))
        return real(a, b)

    monkeypatch.setattr(api_gateway.hmac, "compare_digest", spy)
    assert _ran(_event("confirm_get"))[0]["statusCode"] == 200
    assert compared == [(RECORDED_ORIGIN_SECRET.encode(), RECORDED_ORIGIN_SECRET.encode())]


def test_a_limit_answers_429_with_retry_after_in_seconds():
    response = serve(_event("chat_post"), _fail(DailyLimitReached(retry_after_seconds=5400, maximum=10)))
    assert response["statusCode"] == 429
    assert response["headers"]["retry-after"] == "5400"
    assert "10건" in _body(response)["error"]["message"]
