"""The customer's page: the form, its checks, its errors, and a timeline that survives a reload."""

from __future__ import annotations

import json
import re
import uuid

from playwright.sync_api import Page, Route, expect


def fill(page: Page, sample, *, reservation: str = "", phone: str = "", message: str | None = None) -> None:
    page.get_by_label("예약번호").fill(reservation or sample.reservation)
    page.get_by_label("휴대전화 번호").fill(phone or sample.phone)
    page.get_by_label("문의 내용").fill(sample.question if message is None else message)


def chat_posts(page: Page) -> list[dict[str, str]]:
    """The headers of every POST /api/chat the page makes from now on."""
    sent: list[dict[str, str]] = []
    page.on("request", lambda r: r.method == "POST" and "/api/chat" in r.url and sent.append(r.headers))
    return sent


def test_keyboard_alone_fills_and_sends_the_form(browser, product):
    page = browser.new_page("customer")
    page.goto("/")
    for _ in range(6):
        page.keyboard.press("Tab")
        if page.evaluate("document.activeElement.id") == "reservationNumber":
            break
    expect(page.get_by_label("예약번호")).to_be_focused()
    page.keyboard.type(product.sample.reservation)
    page.keyboard.press("Tab")
    expect(page.get_by_label("휴대전화 번호")).to_be_focused()
    page.keyboard.type(product.sample.phone)
    page.keyboard.press("Tab")
    expect(page.get_by_label("문의 내용")).to_be_focused()
    page.keyboard.type(product.sample.question)
    page.keyboard.press("Tab")
    send = page.get_by_role("button", name="문의 보내기")
    expect(send).to_be_focused()
    outline = send.evaluate(
        "el => getComputedStyle(el).outlineStyle + ' ' + getComputedStyle(el).outlineWidth"
    )
    assert outline.startswith("solid") and not outline.endswith(" 0px"), outline  # visible focus
    page.keyboard.press("Enter")

    heading = page.get_by_role("heading", name="문의 진행 상황")
    expect(heading).to_be_visible()
    expect(heading).to_be_focused()
    expect(page.locator('[data-step="Created"]')).to_have_class(re.compile(r"\bis-done\b"))
    expect(page.locator("#fact-reservation")).to_have_text(product.sample.reservation)
    product.partner_link(
        page.url.split("request=", 1)[1].split("#", 1)[0]
    )  # its SMS went out: nothing left in flight


def test_invalid_input_is_explained_next_to_each_field_and_nothing_is_sent(browser, product):
    page = browser.new_page("customer")
    page.goto("/")
    sent = chat_posts(page)
    fill(page, product.sample, reservation="HTL-1", phone="010-12", message="   ")
    page.get_by_role("button", name="문의 보내기").click()

    expect(page.locator("#reservationNumber-error")).to_have_text(
        "예약번호 형식이 올바르지 않습니다. 예: HTL-100101"
    )
    expect(page.locator("#customerPhone-error")).to_have_text(
        "휴대전화 번호 형식이 올바르지 않습니다. 예: 010-1234-5678"
    )
    expect(page.locator("#message-error")).to_have_text("문의 내용을 입력해 주세요.")
    for label in ("예약번호", "휴대전화 번호", "문의 내용"):
        expect(page.get_by_label(label)).to_have_attribute("aria-invalid", "true")
    expect(page.get_by_label("예약번호")).to_be_focused()
    # The message is part of the field's accessible description, so it is read with the field.
    expect(page.get_by_label("휴대전화 번호")).to_have_accessible_description(
        re.compile("형식이 올바르지 않습니다")
    )
    browser.screenshot(page, "errors")

    # Every form the server accepts is accepted here too, and fixing a field clears its message.
    for phone in ("01000001001", "+82 10 0000 1001", "010-0000-1001"):
        page.get_by_label("휴대전화 번호").fill(phone)
        expect(page.locator("#customerPhone-error")).to_be_empty()
    page.get_by_label("예약번호").fill("htl100101")
    expect(page.locator("#reservationNumber-error")).to_be_empty()
    page.get_by_label("문의 내용").fill("가" * 1001)
    page.get_by_role("button", name="문의 보내기").click()
    expect(page.locator("#message-error")).to_have_text("문의 내용은 1,000자 이내로 입력해 주세요.")
    expect(page.locator("#message-count")).to_have_text("1,001 / 1,000자")
    assert sent == []
    expect(page).to_have_url(re.compile(r"/$"))


CHOICES = ("예약변경", "트러블신고", "부가서비스")


def test_an_unclear_question_offers_three_choices_and_creates_nothing(browser, product):
    page = browser.new_page("customer")
    browser.expect_http_errors(422)
    page.goto("/")
    fill(page, product.sample, message="안녕하세요")
    page.get_by_role("button", name="문의 보내기").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("어떤 문의인지 알려 주세요")
    expect(alert).to_contain_text("구체적으로")
    choices = page.get_by_role("group", name="문의 유형").get_by_role("button")
    expect(choices).to_have_text(list(CHOICES))
    expect(choices.first).to_be_focused()  # not the text box: a phone's keyboard would hide the buttons
    for choice in choices.all():
        box = choice.bounding_box()
        assert box and box["height"] >= 44 and box["width"] >= 44  # a finger's size
    browser.screenshot(page, "choices")
    expect(page.get_by_role("button", name="문의 보내기")).to_be_enabled()
    expect(page.locator("#track")).to_be_hidden()
    expect(page).to_have_url(re.compile(r"/$"))

    # Sending it again as written puts the choices away until the answer brings them back.
    page.route("**/api/chat", lambda route: None)  # an answer that never comes
    page.get_by_role("button", name="문의 보내기").click()
    expect(page.locator("#choices")).to_be_hidden()


def test_tapping_a_choice_sends_the_same_question_with_that_intent(browser, product):
    page = browser.new_page("customer")
    browser.expect_http_errors(422)
    sent: list[dict] = []
    page.on(
        "request", lambda r: r.method == "POST" and "/api/chat" in r.url and sent.append(r.post_data_json)
    )
    page.goto("/")
    fill(page, product.sample, message="음 그게요")
    page.get_by_role("button", name="문의 보내기").click()
    page.get_by_role("button", name="부가서비스").tap()

    expect(page.get_by_role("heading", name="문의 진행 상황")).to_be_visible()
    expect(page.locator("#fact-intent")).to_have_text("부가서비스")
    expect(page.locator('[data-step="Created"]')).to_have_class(re.compile(r"\bis-done\b"))
    assert [body.get("intent") for body in sent] == [None, "AddOnService"]
    assert sent[0]["message"] == sent[1]["message"] == "음 그게요"
    request_id = page.url.split("request=", 1)[1].split("#", 1)[0]
    timeline = product.timeline(request_id)
    assert (timeline["intent"], timeline["intentSource"]) == ("AddOnService", "customer")
    browser.screenshot(page, "chosen")
    product.partner_link(request_id)  # its SMS went out: nothing left in flight


def test_a_limit_is_shown_at_once_with_its_korean_message_and_nothing_is_created(browser, product):
    """Three questions about the reservation already wait for the partner: the page does not wait out
    the 429's Retry-After (minutes), it says why and when at once."""
    for _ in range(3):
        product.submit("조식을 추가하고 싶어요")
    page = browser.new_page("customer")
    browser.expect_http_errors(429)
    sent = []
    page.on("request", lambda request: sent.append(request.url) if request.method == "POST" else None)
    page.goto("/")
    fill(page, product.sample)
    page.get_by_role("button", name="문의 보내기").click()
    alert = page.get_by_role("alert")
    expect(alert).to_contain_text("잠시 후 다시 보내 주세요")
    expect(alert).to_contain_text("확인을 기다리는 문의가 이미 3건")
    assert len(sent) == 1  # sent once: a Retry-After of minutes is not waited for
    expect(page.locator("#track")).to_be_hidden()
    expect(page.get_by_role("button", name="다시 보내기")).to_be_enabled()  # the same question, later
    assert product.requests_stored() == 3


def test_server_field_message_is_shown_when_the_server_disagrees(browser, product):
    """The server stays the authority: a 400 with a field lands next to that field."""
    page = browser.new_page("customer")
    browser.expect_http_errors(400)

    def reject(route: Route) -> None:
        route.fulfill(
            status=400,
            content_type="application/json; charset=utf-8",
            body='{"error": {"code": "INVALID_INPUT", "message": "서버가 거절한 번호입니다.", '
            '"field": "customerPhone"}}',
        )

    page.route("**/api/chat", reject)
    page.goto("/")
    fill(page, product.sample)
    page.get_by_role("button", name="문의 보내기").click()
    expect(page.locator("#customerPhone-error")).to_have_text("서버가 거절한 번호입니다.")
    expect(page.get_by_label("휴대전화 번호")).to_be_focused()


def test_network_failure_then_retry_sends_the_same_idempotency_key(browser, product):
    page = browser.new_page("customer")
    browser.allow_console(r"net::ERR_FAILED")
    sent = chat_posts(page)
    calls = {"n": 0}

    def fail_first(route: Route) -> None:
        calls["n"] += 1
        if calls["n"] == 1:
            route.abort("failed")
        else:
            route.continue_()

    page.route("**/api/chat", fail_first)
    page.goto("/")
    fill(page, product.sample)
    page.get_by_role("button", name="문의 보내기").click()
    expect(page.get_by_role("alert")).to_contain_text("문의를 보내지 못했어요")
    retry = page.get_by_role("button", name="다시 보내기")
    expect(retry).to_be_enabled()
    browser.screenshot(page, "network-error")
    retry.click()
    expect(page.get_by_role("heading", name="문의 진행 상황")).to_be_visible()
    expect(page.locator('[data-step="Created"]')).to_have_class(re.compile(r"\bis-done\b"))  # settled

    keys = [headers.get("idempotency-key") for headers in sent]
    assert len(keys) == 2 and keys[0] == keys[1], keys
    assert re.fullmatch(r"[A-Za-z0-9_.:-]{8,128}", keys[0] or "")

    # A new question is a new submit: a new key.
    page.get_by_role("button", name="새 문의하기").press("Enter")  # the timeline may still move
    fill(page, product.sample)
    page.get_by_role("button", name="문의 보내기").click()
    page.wait_for_url(re.compile(r"request="))
    assert len(sent) == 3 and sent[2].get("idempotency-key") != keys[0]
    product.partner_link(
        page.url.split("request=", 1)[1].split("#", 1)[0]
    )  # its SMS went out: nothing left in flight


def test_reload_resumes_the_same_request_from_the_address(browser, product):
    page = browser.new_page("customer")
    page.goto("/")
    fill(page, product.sample)
    page.get_by_role("button", name="문의 보내기").click()
    # The request id in the query; the customer's own token in the fragment (never sent to a server).
    page.wait_for_url(re.compile(r"/\?request=[0-9a-f-]{36}#t=[A-Za-z0-9_-]{28}$"))
    request_id = page.url.split("request=", 1)[1].split("#", 1)[0]
    expect(page.locator('[data-step="Created"]')).to_have_class(re.compile(r"\bis-done\b"))

    page.reload()
    expect(page.get_by_role("heading", name="문의 진행 상황")).to_be_visible()
    expect(page.locator("#fact-reservation")).to_have_text(product.sample.reservation)
    expect(page.locator("#fact-intent")).to_have_text("예약변경")
    expect(page.locator('[data-step="Created"] time')).not_to_be_empty()
    assert re.search(rf"\?request={request_id}#t=", page.url)
    assert product.timeline(request_id)["reservationNumber"] == product.sample.reservation

    # "새 문의하기" goes back to an empty form; the browser's back button returns to the timeline.
    page.get_by_role("button", name="새 문의하기").press("Enter")  # the timeline may still move
    expect(page.get_by_role("heading", name="예약 문의하기")).to_be_visible()
    expect(page).to_have_url(re.compile(r"/$"))
    expect(page.get_by_label("예약번호")).to_be_focused()
    page.go_back()
    expect(page.get_by_role("heading", name="문의 진행 상황")).to_be_visible()
    expect(page.locator("#fact-reservation")).to_have_text(product.sample.reservation)


def test_unknown_request_in_the_address_says_so(browser, product):
    browser.expect_http_errors(404)
    page = browser.new_page("customer")
    page.goto("/?request=00000000-0000-4000-8000-000000000000")
    expect(page.locator("#missing")).to_contain_text("문의를 찾을 수 없어요")
    expect(page.locator("#missing")).to_contain_text("요청을 찾을 수 없습니다")
    page.goto("/?request=not-a-request")
    expect(page.locator("#missing")).to_contain_text("문의를 찾을 수 없어요")


def test_timeline_in_progress_rides_out_a_server_hiccup_and_honours_reduced_motion(browser, product):
    """The poll answers 503 once, then a request waiting for the partner (fixed by the test)."""
    request_id = str(uuid.uuid4())
    waiting = {
        "requestId": request_id,
        "status": "SMSSent",
        "intent": "ChangeReservation",
        "intentLabel": "예약변경",
        "intentSource": "local",
        "reservationNumber": product.sample.reservation,
        "createdAt": "2026-11-24T09:00:00+09:00",
        "updatedAt": "2026-11-24T09:00:01+09:00",
        "events": [
            {"type": "Created", "at": "2026-11-24T09:00:00+09:00"},
            {"type": "SMSSent", "at": "2026-11-24T09:00:01+09:00"},
        ],
        "notification": None,
    }
    answers = [
        (503, {"error": {"code": "SERVICE_UNAVAILABLE", "message": "일시적인 문제로 처리하지 못했습니다."}}),
    ]

    def status(route: Route) -> None:
        code, body = answers.pop(0) if answers else (200, waiting)
        route.fulfill(status=code, content_type="application/json", body=json.dumps(body, ensure_ascii=False))

    browser.expect_http_errors(503)
    page = browser.new_page("customer")
    page.route(f"**/api/requests/{request_id}", status)
    page.goto(f"/?request={request_id}")
    expect(page.locator("#connection")).to_contain_text("자동으로 다시 확인하고 있어요")
    expect(page.locator('[data-step="SMSSent"]')).to_have_class(re.compile(r"\bis-done\b"))
    expect(page.locator("#connection")).to_be_hidden()
    expect(page.locator("#status-text")).to_have_text("파트너에게 문자를 보냈어요. 확인을 기다리고 있어요.")
    current = page.locator('[aria-current="step"]')
    expect(current).to_have_attribute("data-step", "Opened")
    expect(page.locator('[data-step="SMSSent"] time')).to_have_attribute(
        "datetime", waiting["events"][1]["at"]
    )
    expect(page.locator("#result")).to_be_hidden()

    dot = current.locator(".dot")
    assert dot.evaluate("e => getComputedStyle(e).animationName") == "pulse"
    page.emulate_media(reduced_motion="reduce")
    assert dot.evaluate("e => getComputedStyle(e).animationName") == "none"
