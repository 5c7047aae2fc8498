"""The product as its two users meet it: a customer on one phone, a partner on another.

The stack's partner timeout is short (conftest.PARTNER_TIMEOUT_SECONDS), so the partner acts as soon
as the SMS is in the outbox.
"""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from runtime.domain.kst import KST, format_kst
from tests.e2e.conftest import PARTNER_TIMEOUT_SECONDS

# ms: the partner timeout, the workflow's last steps, and the page's polling backoff (up to 5 s).
FINAL_MESSAGE_WAIT = (PARTNER_TIMEOUT_SECONDS + 15) * 1000


def ask(page: Page, sample, *, phone: str = "") -> str:
    """Fill and send the customer form; returns the request id the page put in its address."""
    page.goto("/")
    page.get_by_label("예약번호").fill(sample.reservation)
    page.get_by_label("휴대전화 번호").fill(phone or sample.phone)
    page.get_by_label("문의 내용").fill(sample.question)
    page.get_by_role("button", name="문의 보내기").click()
    expect(page.get_by_role("heading", name="문의 진행 상황")).to_be_visible()
    page.wait_for_url("**/?request=*")
    return page.url.split("request=", 1)[1].split("#", 1)[0]


def answer(partner: Page, link: str, choice: str) -> None:
    partner.goto(link)
    expect(partner.get_by_role("heading", name="고객 요청 확인")).to_be_visible()
    partner.get_by_role("radio", name=choice).check()


def test_customer_asks_partner_accepts_customer_sees_the_answer(browser, product):
    customer = browser.new_page("customer")
    request_id = ask(customer, product.sample)

    partner = browser.new_page("partner")
    answer(partner, product.partner_link(request_id), "수락")
    expect(partner.locator("#customer-query")).to_have_text(product.sample.question)
    expect(partner.locator("#reservation-number")).to_have_text(product.sample.reservation)
    expect(partner.locator("#intent-label")).to_have_text("예약변경")
    expect(partner.locator("#reservation-date")).to_contain_text(product.sample.reservation_date)
    partner.get_by_role("button", name="수락으로 응답 보내기").click()
    expect(partner.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()
    expect(partner.locator("#done-choice")).to_have_text("선택한 응답: 수락")

    expect(customer.locator('[data-step="final"]')).to_contain_text("응답 완료", timeout=FINAL_MESSAGE_WAIT)
    for step in ("Created", "SMSSent", "Opened", "final"):
        expect(customer.locator(f'[data-step="{step}"]')).to_have_class(re.compile(r"\bis-done\b"))
    expect(customer.locator('[data-step="SMSSent"]')).to_contain_text("파트너에게 문자 발송")
    expect(customer.locator('[data-step="SMSSent"] time')).not_to_be_empty()
    result = customer.get_by_role("region", name="안내 메시지")
    expect(result).to_contain_text("수락했습니다", timeout=FINAL_MESSAGE_WAIT)
    expect(customer.locator("#status-text")).to_have_text("파트너가 응답했어요.")
    assert product.timeline(request_id)["notification"]["message"] in result.inner_text()


def test_partner_proposes_another_time_and_the_customer_reads_it_in_korean(browser, product):
    customer = browser.new_page("customer")
    request_id = ask(customer, product.sample)

    proposed = (datetime.now(KST) + timedelta(days=2)).replace(hour=15, minute=30, second=0, microsecond=0)
    partner = browser.new_page("partner")
    answer(partner, product.partner_link(request_id), "다른 시간 제안")
    time_field = partner.get_by_label("제안할 날짜와 시간 (한국 시간)")
    expect(time_field).to_be_visible()
    time_field.fill(proposed.strftime("%Y-%m-%dT%H:%M"))
    expect(partner.locator("#alternativeTime-preview")).to_contain_text(format_kst(proposed))
    partner.get_by_role("button", name="다른 시간 제안 보내기").click()
    expect(partner.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()
    expect(partner.locator("#done-choice")).to_contain_text(format_kst(proposed))

    result = customer.get_by_role("region", name="안내 메시지")
    expect(result).to_contain_text(format_kst(proposed), timeout=FINAL_MESSAGE_WAIT)
    expect(result).to_contain_text("다른 시간을 제안했습니다")
    expect(customer.locator('[data-step="final"]')).to_contain_text("응답 완료")


def test_silent_partner_times_out_and_the_link_then_says_so(browser, product):
    customer = browser.new_page("customer")
    request_id = ask(customer, product.sample)
    link = product.partner_link(request_id)

    final = customer.locator('[data-step="final"]')
    expect(final).to_contain_text("응답 시간 초과", timeout=FINAL_MESSAGE_WAIT)
    expect(final).to_have_class(re.compile(r"\bis-late\b"))
    expect(customer.locator('[data-step="Opened"]')).to_have_class(re.compile(r"\bis-skipped\b"))
    result = customer.get_by_role("region", name="안내 메시지")
    expect(result).to_contain_text("제한 시간 안에", timeout=FINAL_MESSAGE_WAIT)
    expect(customer.locator("#status-text")).to_have_text("파트너가 제한 시간 안에 응답하지 않았어요.")

    browser.expect_http_errors(409)
    partner = browser.new_page("partner")
    partner.goto(link)
    expect(partner.get_by_role("heading", name="이미 종료된 요청입니다")).to_be_visible()
    expect(partner.locator("#problem-message")).to_contain_text("응답 시간이 지났습니다")
    expect(partner.locator("#answer-form")).to_be_hidden()


def test_unmatched_reservation_ends_as_failed_without_revealing_anything(browser, product):
    customer = browser.new_page("customer")
    ask(customer, product.sample, phone="010-9999-8888")  # a real format, not this reservation's phone

    final = customer.locator('[data-step="final"]')
    expect(final).to_contain_text("처리 실패", timeout=FINAL_MESSAGE_WAIT)
    expect(final).to_have_class(re.compile(r"\bis-bad\b"))
    expect(customer.locator('[data-step="SMSSent"]')).to_have_class(re.compile(r"\bis-skipped\b"))
    expect(customer.get_by_role("region", name="안내 메시지")).to_contain_text(
        "예약을 확인하지 못했습니다", timeout=FINAL_MESSAGE_WAIT
    )
