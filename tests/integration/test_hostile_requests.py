"""Hostile bodies and headers through the real handlers on the emulated account: always a 4xx in the
error shape with a Korean message, never a 500, and nothing stored."""

from __future__ import annotations

import base64
import json
import re
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from runtime.handlers import chat, partner_page, request_status
from tests import hostile
from tests.integration.conftest import Stack, api_event
from tests.integration.flows import CUSTOMER, link_token, submit

HANGUL = re.compile("[가-힣]")
HOSTILE = settings(
    max_examples=120,
    deadline=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)
VALID_CHAT = json.dumps({**CUSTOMER, "message": "조식을 추가하고 싶어요"}, ensure_ascii=False)

# What turns a valid body into a hostile one: spliced in as one more member of the object.
_MEMBERS = (
    '"note": "\\ud800"',
    '"note": "체크인 \\udfff"',
    '"extra": ' + "9" * 5000,
    '"extra": NaN',
    '"extra": -Infinity',
    '"extra": 1e999',
    '"extra": ' + "[" * 8000 + "]" * 8000,
    '"\\ud800": 1',
)


def _with_member(valid: str, member: str) -> str:
    return valid[:-1] + ", " + member + "}"


def _event(name: str, body: bytes | str | None, headers: dict[str, str], **parts: Any) -> dict[str, Any]:
    event = api_event(name, headers=headers, **parts)
    if isinstance(body, bytes):
        try:
            event.update(body=body.decode("utf-8"), isBase64Encoded=False)
        except UnicodeDecodeError:  # what API Gateway does with a body that is not UTF-8
            event.update(body=base64.b64encode(body).decode("ascii"), isBase64Encoded=True)
    elif body is not None:
        event.update(body=body, isBase64Encoded=False)
    return event


def _assert_refused(reply: dict[str, Any]) -> dict[str, Any]:
    assert 400 <= reply["statusCode"] < 500, reply
    reply["body"].encode("utf-8")  # the Lambda runtime sends the body as UTF-8
    error = json.loads(reply["body"])["error"]
    assert set(error) <= {"code", "message", "field"}
    assert HANGUL.search(error["message"])
    return error


def _nothing_stored(stack: Stack) -> None:
    assert stack.items("REQ#") == []
    assert stack.items("IDEM#") == []


headers = st.fixed_dictionaries(
    {"content-type": hostile.content_types},
    optional={"idempotency-key": hostile.header_texts, "authorization": hostile.header_texts},
)


# --- the cases that used to answer 500 --------------------------------------------------------------


@pytest.mark.parametrize("member", [*_MEMBERS, '"message": "중복"'])
def test_a_hostile_member_in_a_submit_with_an_idempotency_key_is_a_400(stack, member):
    event = _event(
        "chat_post",
        _with_member(VALID_CHAT, member),
        {"idempotency-key": "page-submit-hostile-1"},
    )

    error = _assert_refused(chat.handle(event, None))

    assert error["code"] == "INVALID_INPUT"
    _nothing_stored(stack)


@pytest.mark.parametrize("message", ["\ud800", "체크인 날짜 \udfff", "\ud83d 조식"])
def test_a_message_with_a_lone_surrogate_and_an_idempotency_key_is_a_400(stack, message):
    body = json.dumps({**CUSTOMER, "message": message})  # ASCII-escaped: "\\ud800", as a client sends it
    event = _event("chat_post", body, {"idempotency-key": "page-submit-hostile-2"})

    error = _assert_refused(chat.handle(event, None))

    assert error["code"] == "INVALID_INPUT"
    _nothing_stored(stack)


def test_each_hostile_member_in_a_partner_answer_is_a_400_and_the_link_stays_usable(stack):
    request_id = submit()["requestId"]
    token = link_token(stack)
    stack.wait_for_status(request_id, "SMSSent")
    valid = json.dumps({"token": token, "response": "accept"})

    for member in (*_MEMBERS, '"response": "reject"'):
        reply = partner_page.handle(_event("respond_post", _with_member(valid, member), {}), None)
        assert _assert_refused(reply)["code"] == "INVALID_INPUT", member[:40]

    assert stack.request_item(request_id)["status"] == "SMSSent"
    assert partner_page.handle(_event("respond_post", valid, {}), None)["statusCode"] == 200


def test_a_partner_answer_sent_as_a_form_is_415(stack):
    event = _event(
        "respond_post", "token=x&response=accept", {"content-type": "application/x-www-form-urlencoded"}
    )
    assert _assert_refused(partner_page.handle(event, None))["code"] == "UNSUPPORTED_MEDIA_TYPE"


# --- generated: every route ---------------------------------------------------------------------


def test_any_hostile_submit_is_refused_and_stores_nothing(stack):
    @HOSTILE
    @given(body=hostile.hostile_bodies, headers=headers)
    def submit_any(body, headers):
        _assert_refused(chat.handle(_event("chat_post", body, headers), None))

    submit_any()
    _nothing_stored(stack)


def test_any_hostile_partner_answer_is_refused(stack):
    request_id = submit()["requestId"]
    stack.wait_for_status(request_id, "SMSSent")

    @HOSTILE
    @given(body=hostile.hostile_bodies, headers=headers)
    def answer_any(body, headers):
        _assert_refused(partner_page.handle(_event("respond_post", body, headers), None))

    answer_any()
    assert stack.request_item(request_id)["status"] == "SMSSent"


@settings(HOSTILE, max_examples=60)
@given(
    token=st.text(min_size=1, max_size=60),
    body=st.none() | hostile.hostile_bodies.filter(bool),
    headers=st.fixed_dictionaries({}, optional={"authorization": hostile.header_texts}),
)
def test_any_link_opened_with_any_token_body_or_header_is_refused(stack, token, body, headers):
    event = _event("confirm_get", body, headers, path_parameters={"token": token})
    _assert_refused(partner_page.handle(event, None))


@settings(HOSTILE, max_examples=60)
@given(
    request_id=st.text(min_size=1, max_size=60) | st.uuids().map(str),
    body=st.none() | hostile.hostile_bodies.filter(bool),
    headers=st.fixed_dictionaries({}, optional={"authorization": hostile.header_texts}),
)
def test_any_poll_with_any_id_body_or_header_is_refused(stack, request_id, body, headers):
    event = _event("request_status_get", body, headers, path_parameters={"requestId": request_id})
    _assert_refused(request_status.handle(event, None))
