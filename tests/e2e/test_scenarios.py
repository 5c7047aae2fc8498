"""The product over HTTP on a local stack, as a customer and a partner use it (what `make demo` plays)."""

import subprocess
import sys
import time
import uuid
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest
import requests

from definitions.routes import ROUTES
from local import demo
from local.client import ProductClient, token_of
from runtime.domain.kst import KST
from tests.e2e.conftest import FLOW_DEADLINE_SECONDS

PROJECT_ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture
def client(local_stack):
    return ProductClient(local_stack.url, patience=FLOW_DEADLINE_SECONDS)


def customer_of(product) -> dict[str, str]:
    """This test's own reservation, as its customer types it."""
    return {"reservation_number": product.sample.reservation, "phone": product.sample.phone}


def submit_and_get_link(client, product, message="체크인 날짜를 하루 미루고 싶어요", **customer):
    """Submit, then the SMS texted for THIS request (other tests' messages may still be arriving)."""
    submitted = client.submit(message=message, **{**customer_of(product), **customer})
    assert submitted.status == 201, submitted.body
    request_id = submitted.body["requestId"]
    link = product.partner_link(request_id)
    sms = next(entry for entry in client.outbox() if entry["link"] == link)
    return request_id, token_of(link), sms


# The carrier's reports on the partner's SMS come on its own time, not the flow's.
DELIVERY_OUTCOMES = ("Delivered", "Undeliverable")


def events_of(final):
    """The flow's events (without the SMS delivery outcomes)."""
    return [event["type"] for event in final["events"] if event["type"] not in DELIVERY_OUTCOMES]


def answered_flow(final):
    """The flow's events, with the reminder a partner gets if the answer comes after the reminder
    time (60 % of the e2e stack's 8 s: a slow moment of the machine can do that) left out, once."""
    found = events_of(final)
    if found.count("Reminded") == 1 and found.index("SMSSent") < found.index("Reminded"):
        found.remove("Reminded")
    return found


@pytest.mark.parametrize(
    ("answer", "expected_words"),
    [("accept", "수락했습니다"), ("reject", "받아들이기 어렵다")],
)
def test_the_partner_answers_and_the_customer_is_told(client, product, answer, expected_words):
    request_id, token, sms = submit_and_get_link(client, product)
    assert sms["to"] == product.sample.partner_phone

    opened = client.open_link(token)
    answered = client.answer(token, answer)
    final = client.wait_until_told(request_id)

    assert opened.status == 200 and opened.body["reservationNumber"] == product.sample.reservation
    assert answered.status == 200 and answered.body["success"] is True
    assert final["status"] == "Responded"
    assert expected_words in final["notification"]["message"]
    assert answered_flow(final) == ["Created", "SMSSent", "Opened", "Responded", "Notified"]


def test_a_proposed_time_reaches_the_customer_in_korean_time(client, product):
    request_id, token, _ = submit_and_get_link(client, product, "투어 출발 시간을 오전으로 옮길 수 있나요")
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


def test_a_silent_partner_times_out_and_the_late_link_says_so(client, product, local_stack):
    request_id, token, _ = submit_and_get_link(client, product, "객실 에어컨이 작동하지 않아요")

    final = client.wait_until_told(request_id, timeout=local_stack.partner_timeout_seconds + 20)
    late = client.answer(token, "accept")

    assert final["status"] == "Timeout"
    assert events_of(final) == ["Created", "SMSSent", "Reminded", "Timeout", "Notified"]
    assert late.status == 409 and late.error_code == "REQUEST_CLOSED"
    assert "응답 시간이 지났습니다" in late.body["error"]["message"]


def test_unknown_reservation_and_wrong_phone_read_the_same_and_text_nobody(client, product):
    unknown = client.submit(
        reservation_number="HTL-999999", phone=product.sample.phone, message="날짜를 바꾸고 싶어요"
    )
    wrong = client.submit(
        reservation_number=product.sample.reservation, phone="010-1111-2222", message="날짜를 바꾸고 싶어요"
    )

    finals = [client.wait_until_told(reply.body["requestId"]) for reply in (unknown, wrong)]

    assert [f["status"] for f in finals] == ["Failed", "Failed"]
    assert finals[0]["notification"]["message"] == finals[1]["notification"]["message"]
    assert [events_of(f) for f in finals] == [["Created", "Failed", "Notified"]] * 2  # no SMSSent


def test_a_used_link_cannot_answer_again(client, product):
    request_id, token, _ = submit_and_get_link(client, product, "조식을 추가하고 싶어요")
    assert client.answer(token, "accept").status == 200

    again = client.answer(token, "reject")

    assert again.status == 409 and again.error_code == "LINK_USED"
    assert client.wait_until_told(request_id)["status"] == "Responded"


def test_a_forged_link_is_refused(client, product):
    _, token, _ = submit_and_get_link(client, product, "픽업 시간을 바꾸고 싶어요")
    forged = token[:-3] + ("xyz" if not token.endswith("xyz") else "abc")

    assert client.open_link(forged).error_code == "LINK_INVALID"
    assert client.answer(forged, "accept").status == 401


def test_the_same_idempotency_key_returns_the_same_request_and_texts_the_partner_once(client, product):
    question = {
        "message": "주차권을 추가로 구매할 수 있나요",
        "idempotency_key": f"e2e-retry-{uuid.uuid4().hex}",
        **customer_of(product),
    }
    first = client.submit(**question)
    again = client.submit(**question)

    assert first.status == again.status == 201
    request_id = first.body["requestId"]
    assert again.body["requestId"] == request_id
    client.open_link(token_of(product.partner_link(request_id)))  # its workflow is past the SMS
    texted = [
        entry
        for entry in client.outbox()  # a partner told of a decision gets an SMS without a link
        if entry["link"] and product.request_of(entry["link"]) == request_id
    ]
    # One link, sent once (a reminder, if a slow moment lets one come, repeats the same link).
    assert len({entry["link"] for entry in texted}) == 1
    assert events_of(client.timeline(request_id).body).count("SMSSent") == 1


def test_an_unclear_question_is_422_with_choices_and_a_pick_makes_the_request(client, product):
    reply = client.submit(message="안녕하세요", **customer_of(product))

    assert reply.status == 422 and reply.error_code == "INTENT_UNCLEAR"
    assert "requestId" not in reply.body
    assert "구체적으로" in reply.body["error"]["message"]
    picked = reply.body["choices"][1]
    assert picked == {"intent": "ReportTrouble", "label": "트러블신고"}

    created = client.submit(message="안녕하세요", intent=picked["intent"], **customer_of(product))
    assert created.status == 201
    timeline = client.timeline(created.body["requestId"]).body
    assert (timeline["intent"], timeline["intentLabel"], timeline["intentSource"]) == (
        "ReportTrouble",
        "트러블신고",
        "customer",
    )
    product.partner_link(created.body["requestId"])  # its SMS went out: nothing left in flight


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


def test_the_outbox_lists_messages_newest_first_in_html_and_newest_last_in_json(client, product, local_stack):
    _, _, older = submit_and_get_link(client, product, "수건이랑 어메니티를 추가로 받을 수 있을까요")
    _, _, newer = submit_and_get_link(client, product, "유아용 침대 대여 부탁드립니다")

    links = [entry["link"] for entry in client.outbox()]
    page = requests.get(f"{local_stack.url}/_local/outbox", timeout=10).text

    assert set(newer) == {"to", "body", "link", "sentAt"}
    # Each link's first SMS (a reminder may repeat a link later): first in the JSON, last in the page.
    assert links.index(older["link"]) < links.index(newer["link"])
    assert page.rindex(newer["link"]) < page.rindex(older["link"])
    assert f'href="{newer["link"]}"' in page


def test_the_partner_link_serves_the_partner_page_and_the_api_is_described(local_stack):
    partner_page = requests.get(f"{local_stack.url}/r/AAAAAAAAAAAAAAAAAAAAAAAAAAAA", timeout=10)
    document = requests.get(f"{local_stack.url}/api/openapi.json", timeout=10).json()

    assert partner_page.status_code == 200
    assert partner_page.headers["content-type"].startswith("text/html")
    assert partner_page.headers["referrer-policy"] == "no-referrer"
    described = {(method.upper(), path) for path, item in document["paths"].items() for method in item}
    assert described == {(route.method, route.path) for route in ROUTES}


def test_a_fourth_question_while_three_wait_is_429_with_retry_after_and_texts_nobody(client, product):
    waiting = []
    for _ in range(3):
        submitted = client.submit(message="조식을 추가하고 싶어요", **customer_of(product))
        waiting.append(submitted.body["requestId"])
        product.partner_link(submitted.body["requestId"])  # texted
    texted = [e for e in client.outbox() if e["to"] == product.sample.partner_phone]

    refused = client.submit(message="조식을 추가하고 싶어요", **customer_of(product))

    if refused.status == 201:
        # Accepted only if one of the three had stopped waiting (its partner timeout passed first).
        fourth = refused.body["requestId"]
        statuses = [client.timeline(request_id).body["status"] for request_id in waiting]
        assert any(status in ("Timeout", "Failed", "Responded") for status in statuses), (
            f"{fourth} accepted while three waited: {statuses}"
        )
        return
    assert refused.status == 429 and refused.error_code == "TOO_MANY_OPEN_REQUESTS"
    assert "3건" in refused.body["error"]["message"]
    time.sleep(1)
    # Three links (a partner silent past the reminder time got one of them twice).
    assert len({e["link"] for e in texted}) == 3, [e["body"] for e in texted]
    # Since then, at most the three requests' reminders (their own links again), nothing new.
    later = [e for e in client.outbox() if e["to"] == product.sample.partner_phone][len(texted) :]
    assert {e["link"] for e in later} <= {e["link"] for e in texted}, [e["body"] for e in later]


def test_the_carrier_reports_the_link_delivered_on_the_customers_timeline(client, product):
    """Reported on the carrier's time: on the timeline whatever the request's status by then."""
    request_id, _, _ = submit_and_get_link(client, product)
    timeline = client.wait_for_event(request_id, "Delivered")
    types = [e["type"] for e in timeline["events"]]
    # One report per SMS: the link's, and the reminder's if the partner was texted again meanwhile.
    assert 1 <= types.count("Delivered") <= 1 + types.count("Reminded"), types
    assert types.index("Created") < types.index("Delivered")


def test_make_demo_plays_every_scenario_as_expected():
    """`make demo` itself, on its own local stack (a process of its own: the stacks share no state)."""
    # Each scenario ends within its partner's timeout, a decision window and the customer's message.
    deadline = len(demo.SCENARIOS) * (demo.PARTNER_TIMEOUT_SECONDS + demo.DECISION_TIMEOUT_SECONDS + 60)
    played = subprocess.run(
        [sys.executable, "-m", "local.demo"],
        cwd=PROJECT_ROOT,
        capture_output=True,
        text=True,
        timeout=deadline,
        check=False,
    )

    assert played.returncode == 0, played.stdout + played.stderr
    assert f"{len(demo.SCENARIOS)}/{len(demo.SCENARIOS)} scenarios ended as expected." in played.stdout
    for name in demo.SCENARIOS:
        assert f"OK   {name}:" in played.stdout
