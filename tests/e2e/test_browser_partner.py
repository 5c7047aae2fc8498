"""The partner's page at /r/{token}: what it shows, what it sends, and every way a link can be unusable."""

from __future__ import annotations

import json
from datetime import datetime, timedelta

import requests
from playwright.sync_api import Page, Route, expect

from runtime.domain.kst import KST, format_kst

XSS = "<img src=x onerror=alert(1)> <script>alert(2)</script>"


def open_link(page: Page, link: str) -> None:
    page.goto(link)
    expect(page.get_by_role("heading", name="고객 요청 확인")).to_be_visible()


def answer_by_api(product, link: str, response: str = "accept") -> None:
    token = link.rsplit("/r/", 1)[1]
    reply = requests.post(
        f"{product.url}/api/respond", json={"token": token, "response": response}, timeout=10
    )
    assert reply.status_code == 200, reply.text


def test_expired_link_shows_the_expired_screen(browser, product):
    link = product.partner_link(product.submit())
    browser.expect_http_errors(401)
    partner = browser.new_page("partner")
    partner.goto(product.expired_link(link))
    expect(partner.get_by_role("heading", name="링크 유효 시간이 지났습니다")).to_be_visible()
    expect(partner.locator("#screen-problem")).to_have_attribute("data-kind", "expired")
    expect(partner.locator("#screen-request")).to_be_hidden()


def test_reused_link_shows_the_used_screen(browser, product):
    link = product.partner_link(product.submit())
    answer_by_api(product, link)
    browser.expect_http_errors(409)
    partner = browser.new_page("partner")
    partner.goto(link)
    expect(partner.get_by_role("heading", name="이미 응답한 링크입니다")).to_be_visible()
    expect(partner.locator("#screen-problem")).to_have_attribute("data-kind", "used")


def test_answer_sent_from_another_phone_first_shows_the_used_screen(browser, product):
    link = product.partner_link(product.submit())
    partner = browser.new_page("partner")
    open_link(partner, link)
    answer_by_api(product, link, "reject")  # e.g. a colleague who received the same text
    browser.expect_http_errors(409)
    partner.get_by_role("radio", name="수락").check()
    partner.get_by_role("button", name="수락으로 응답 보내기").click()
    expect(partner.get_by_role("heading", name="이미 응답한 링크입니다")).to_be_visible()


def test_forged_and_garbled_links_show_the_invalid_screen(browser, product):
    browser.expect_http_errors(401)
    partner = browser.new_page("partner")
    for path in ("/r/AQAAAAAAAAAAAAAAAAAAAAAAAAAA", "/r/not-a-real-link", "/r/", "/r/%3Cscript%3E"):
        partner.goto(path)
        expect(partner.get_by_role("heading", name="올바르지 않은 링크입니다")).to_be_visible()
        expect(partner.locator("#screen-problem")).to_have_attribute("data-kind", "invalid")


def test_customer_words_are_shown_as_text_and_run_nothing(browser, product):
    question = f"{product.sample.question} {XSS}"
    link = product.partner_link(product.submit(question))
    partner = browser.new_page("partner")
    open_link(partner, link)
    expect(partner.locator("#customer-query")).to_have_text(question)
    assert partner.locator("#customer-query *").count() == 0
    assert partner.locator("img[src='x']").count() == 0
    assert partner.locator("script:not([src])").count() == 0
    partner.wait_for_timeout(300)  # an onerror handler would have fired by now
    assert browser.dialogs == []


def test_an_answer_must_be_chosen_and_a_proposed_time_be_in_the_future_before_anything_is_sent(
    browser, product
):
    link = product.partner_link(product.submit())
    partner = browser.new_page("partner")
    posts: list[str] = []
    partner.on("request", lambda r: r.method == "POST" and posts.append(r.url))
    open_link(partner, link)
    partner.get_by_role("button", name="응답 보내기").click()
    expect(partner.locator("#response-error")).to_have_text(
        "응답을 선택해 주세요: 수락, 거절 또는 다른 시간 제안"
    )
    expect(partner.get_by_role("radio", name="수락")).to_be_focused()
    partner.get_by_role("radio", name="다른 시간 제안").check()
    expect(partner.locator("#response-error")).to_be_empty()
    partner.get_by_role("button", name="다른 시간 제안 보내기").click()
    field = partner.get_by_label("제안할 날짜와 시간 (한국 시간)")
    expect(partner.locator("#alternativeTime-error")).to_have_text("제안할 날짜와 시간을 입력해 주세요.")
    expect(field).to_be_focused()

    yesterday = datetime.now(KST) - timedelta(days=1)
    field.fill(yesterday.strftime("%Y-%m-%dT%H:%M"))
    partner.get_by_role("button", name="다른 시간 제안 보내기").click()
    expect(partner.locator("#alternativeTime-error")).to_have_text("제안 시간은 지금 이후여야 합니다.")
    expect(field).to_have_attribute("aria-invalid", "true")
    assert posts == []


def test_times_are_korean_whatever_the_phone_clock_says(browser, product):
    """A partner travelling abroad: the page still reads and sends Korean time (+09:00)."""
    link = product.partner_link(product.submit())
    partner = browser.new_page("partner", timezone="America/Los_Angeles")
    open_link(partner, link)
    expect(partner.locator("#reservation-date")).to_contain_text(product.sample.reservation_date)

    proposed = (datetime.now(KST) + timedelta(days=3)).replace(hour=10, minute=0, second=0, microsecond=0)
    partner.get_by_role("radio", name="다른 시간 제안").check()
    partner.get_by_label("제안할 날짜와 시간 (한국 시간)").fill(proposed.strftime("%Y-%m-%dT%H:%M"))
    with partner.expect_request("**/api/respond") as sent:
        partner.get_by_role("button", name="다른 시간 제안 보내기").click()
    body = json.loads(sent.value.post_data or "{}")
    assert body["response"] == "alternative"
    assert datetime.fromisoformat(body["alternativeTime"]) == proposed
    assert body["alternativeTime"].endswith("+09:00")
    expect(partner.locator("#done-choice")).to_contain_text(format_kst(proposed))


def test_server_busy_keeps_the_form_and_the_same_answer_goes_through_on_retry(browser, product):
    link = product.partner_link(product.submit())
    partner = browser.new_page("partner")
    calls: list[str] = []

    def busy_once(route: Route) -> None:
        calls.append(route.request.post_data or "")
        if len(calls) == 1:
            route.fulfill(
                status=503,
                content_type="application/json; charset=utf-8",
                body=json.dumps(
                    {
                        "error": {
                            "code": "SERVICE_UNAVAILABLE",
                            "message": "일시적인 문제로 처리하지 못했습니다. 잠시 후 다시 시도해 주세요.",
                        }
                    },
                    ensure_ascii=False,
                ),
            )
        else:
            route.continue_()

    browser.expect_http_errors(503)
    partner.route("**/api/respond", busy_once)
    open_link(partner, link)
    partner.get_by_role("radio", name="거절").check()
    send = partner.get_by_role("button", name="거절로 응답 보내기")
    send.click()
    expect(partner.get_by_role("alert")).to_contain_text("일시적인 문제로 처리하지 못했습니다")
    expect(partner.get_by_role("alert")).to_contain_text("다시 보내 주세요")
    expect(send).to_be_enabled()
    send.click()
    expect(partner.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()
    expect(partner.locator("#done-choice")).to_have_text("선택한 응답: 거절")
    assert len(calls) == 2 and calls[0] == calls[1]
