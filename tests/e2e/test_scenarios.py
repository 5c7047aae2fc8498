"""The product over HTTP on a local stack, as a customer and a partner use it (what `make demo` plays)."""

from datetime import UTC, datetime, timedelta

import pytest
import requests

from infra.routes import ROUTES
from local.client import ProductClient, token_of
from runtime.domain.time import KST

CUSTOMER = {"reservation_number": "HTL-100101", "phone": "010-2345-6789"}


@pytest.fixture
def client(local_stack):
    return ProductClient(local_stack.url)


def submit_and_get_link(client, message="체크인 날짜를 하루 미루고 싶어요", **customer):
    sent_before = len(client.outbox())
    submitted = client.submit(message=message, **{**CUSTOMER, **customer})
    assert submitted.status == 201, submitted.body
    sms = client.wait_for_sms(after=sent_before)
    return submitted.body["requestId"], token_of(sms["link"]), sms


def events_of(final):
    return [event["type"] for event in final["events"]]


@pytest.mark.parametrize(
    ("answer", "expected_words"),
    [("accept", "수락했습니다"), ("reject", "받아들이기 어렵다")],
)
def test_the_partner_answers_and_the_customer_is_told(client, answer, expected_words):
    request_id, token, sms = submit_and_get_link(client)
    assert sms["to"] == "+821090010001"

    opened = client.open_link(token)
    answered = client.answer(token, answer)
    final = client.wait_until_told(request_id)

    assert opened.status == 200 and opened.body["reservationNumber"] == "HTL-100101"
    assert answered.status == 200 and answered.body["success"] is True
    assert final["status"] == "Responded"
    assert expected_words in final["notification"]["message"]
    assert events_of(final) == ["Created", "SMSSent", "Opened", "Responded", "Notified"]


def test_a_proposed_time_reaches_the_customer_in_korean_time(client):
    request_id, token, _ = submit_and_get_link(client, "투어 출발 시간을 오전으로 옮길 수 있나요")
    proposed = (
        (datetime.now(UTC) + timedelta(days=3))
        .astimezone(KST)
        .replace(hour=10, minute=30, second=0, microsecond=0)
    )

    assert client.answer(token, "alternative", proposed.isoformat()).status == 200
    final = client.wait_until_told(request_id)

    assert final["status"] == "Responded"
    assert f"{proposed.month}월 {proposed.day}일" in final["notification"]["message"]
    assert "오전 10시 30분" in final["notification"]["message"]


def test_a_silent_partner_times_out_and_the_late_link_says_so(client, local_stack):
    request_id, token, _ = submit_and_get_link(client, "객실 에어컨이 작동하지 않아요")

    final = client.wait_until_told(request_id, timeout=local_stack.partner_timeout_seconds + 20)
    late = client.answer(token, "accept")

    assert final["status"] == "Timeout"
    assert events_of(final) == ["Created", "SMSSent", "Timeout", "Notified"]
    assert late.status == 409 and late.error_code == "REQUEST_CLOSED"
    assert "응답 시간이 지났습니다" in late.body["error"]["message"]


def test_unknown_reservation_and_wrong_phone_read_the_same_and_text_nobody(client):
    sent_before = len(client.outbox())
    unknown = client.submit(
        reservation_number="HTL-999999", phone=CUSTOMER["phone"], message="날짜를 바꾸고 싶어요"
    )
    wrong = client.submit(
        reservation_number="HTL-100101", phone="010-1111-2222", message="날짜를 바꾸고 싶어요"
    )

    finals = [client.wait_until_told(reply.body["requestId"]) for reply in (unknown, wrong)]

    assert [f["status"] for f in finals] == ["Failed", "Failed"]
    assert finals[0]["notification"]["message"] == finals[1]["notification"]["message"]
    assert len(client.outbox()) == sent_before


def test_a_used_link_cannot_answer_again(client):
    request_id, token, _ = submit_and_get_link(client, "조식을 추가하고 싶어요")
    assert client.answer(token, "accept").status == 200

    again = client.answer(token, "reject")

    assert again.status == 409 and again.error_code == "LINK_USED"
    assert client.wait_until_told(request_id)["status"] == "Responded"


def test_a_forged_link_is_refused(client):
    _, token, _ = submit_and_get_link(client, "픽업 시간을 바꾸고 싶어요")
    forged = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")

    assert client.open_link(forged).error_code == "LINK_INVALID"
    assert client.answer(forged, "accept").status == 401


def test_the_same_idempotency_key_returns_the_same_request(client):
    first = client.submit(
        message="주차권을 추가로 구매할 수 있나요", idempotency_key="e2e-retry-0001", **CUSTOMER
    )
    again = client.submit(
        message="주차권을 추가로 구매할 수 있나요", idempotency_key="e2e-retry-0001", **CUSTOMER
    )
    assert first.status == again.status == 201
    assert first.body["requestId"] == again.body["requestId"]


def test_an_unclear_question_is_422_and_creates_nothing(client):
    sent_before = len(client.outbox())
    reply = client.submit(message="안녕하세요", **CUSTOMER)
    assert reply.status == 422 and reply.error_code == "INTENT_UNCLEAR"
    assert len(client.outbox()) == sent_before


def test_bad_requests_get_the_error_shape_not_a_crash(local_stack):
    base = local_stack.url
    unknown = requests.get(f"{base}/api/nothing-here", timeout=10)
    not_json = requests.post(
        f"{base}/api/chat", data="{oops", headers={"content-type": "application/json"}, timeout=10
    )
    too_large = requests.post(f"{base}/api/chat", data="가" * 6000, timeout=10)

    assert (unknown.status_code, unknown.json()["error"]["code"]) == (404, "NOT_FOUND")
    assert (not_json.status_code, not_json.json()["error"]["code"]) == (400, "INVALID_INPUT")
    assert (too_large.status_code, too_large.json()["error"]["code"]) == (413, "PAYLOAD_TOO_LARGE")
    for reply in (unknown, not_json, too_large):
        assert reply.headers["content-type"].startswith("application/json")
        assert any("가" <= ch <= "힣" for ch in reply.json()["error"]["message"])


def test_the_outbox_lists_messages_newest_first_in_html_and_newest_last_in_json(client, local_stack):
    submit_and_get_link(client, "수건이랑 어메니티를 추가로 받을 수 있을까요")
    submit_and_get_link(client, "유아용 침대 대여 부탁드립니다")

    entries = client.outbox()
    page = requests.get(f"{local_stack.url}/_local/outbox", timeout=10).text

    assert set(entries[-1]) == {"to", "body", "link", "sentAt"}
    assert entries[-1]["sentAt"] >= entries[-2]["sentAt"]
    assert page.index(entries[-1]["link"]) < page.index(entries[-2]["link"])
    assert f'href="{entries[-1]["link"]}"' in page


def test_the_partner_link_serves_the_partner_page_and_the_api_is_described(local_stack):
    partner_page = requests.get(f"{local_stack.url}/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAA", timeout=10)
    document = requests.get(f"{local_stack.url}/api/openapi.json", timeout=10).json()

    assert partner_page.status_code == 200
    assert partner_page.headers["content-type"].startswith("text/html")
    assert partner_page.headers["referrer-policy"] == "no-referrer"
    described = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert described == {(route.method, route.path) for route in ROUTES}
