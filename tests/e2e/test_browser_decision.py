"""A proposed time on two phones: the partner writes a note and proposes a time, the customer decides
(or lets it lapse), and the partner's old link and SMS tell how it ended."""

from __future__ import annotations

import re
from datetime import datetime, timedelta

from playwright.sync_api import Page, expect

from runtime.domain.kst import KST, format_kst
from tests.e2e.conftest import DECISION_TIMEOUT_SECONDS
from tests.e2e.test_browser_flows import FINAL_MESSAGE_WAIT, answer, ask

# A note that would be markup if a page ever read it as HTML.
HTML_NOTE = '오전은 <b>만실</b>이에요 <img src=x onerror="alert(1)"> & 오후로 드려요'
# ms: the customer's window, the lapse and the page's slower polling while a proposal waits (10 s).
LAPSE_WAIT = (DECISION_TIMEOUT_SECONDS + 40) * 1000


def _proposed() -> datetime:
    return (datetime.now(KST) + timedelta(days=2)).replace(hour=15, minute=30, second=0, microsecond=0)


def _propose_on_the_page(partner: Page, link: str, when: datetime, note: str) -> None:
    answer(partner, link, "다른 시간 제안")
    partner.get_by_label("제안할 날짜와 시간 (한국 시간)").fill(when.strftime("%Y-%m-%dT%H:%M"))
    expect(partner.locator("#note-count")).to_have_text("0 / 200자")
    partner.get_by_label("고객에게 남길 메모 (선택)").fill(note)
    expect(partner.locator("#note-count")).to_have_text(f"{len(note)} / 200자")
    partner.get_by_role("button", name="다른 시간 제안 보내기").click()
    expect(partner.get_by_role("heading", name="응답을 보냈습니다")).to_be_visible()


def _propose_by_api(product, request_id: str, when: datetime) -> None:
    token = product.partner_link(request_id).rsplit("/r/", 1)[1]
    assert product.api.answer(token, "alternative", when.isoformat()).status == 200


def _told_partner(product, words: str) -> list[str]:
    """The SMS the partner got about this reservation's proposal (no link in it)."""
    return product.wait_for(
        lambda: [
            sms.body
            for sms in product.stack.aws.outbox.messages()
            if "/r/" not in sms.body and product.sample.reservation in sms.body and words in sms.body
        ],
        timeout=30,
        what="the partner told",
    )


def test_partner_notes_and_proposes_customer_accepts_and_the_old_link_tells_it(browser, product):
    customer = browser.new_page("customer")
    request_id = ask(customer, product.sample)
    link = product.partner_link(request_id)
    when = _proposed()

    partner = browser.new_page("partner")
    _propose_on_the_page(partner, link, when, HTML_NOTE)

    result = customer.get_by_role("region", name="안내 메시지")
    expect(result).to_contain_text(format_kst(when), timeout=FINAL_MESSAGE_WAIT)
    # The note is shown as the partner typed it: text, never markup.
    expect(customer.locator("#partner-note-text")).to_have_text(HTML_NOTE)
    expect(customer.locator("#result b, #result img")).to_have_count(0)
    expect(customer.locator("#proposal-time")).to_have_text(format_kst(when))
    customer.get_by_role("button", name="수락").click()
    expect(customer.locator("#proposal-state")).to_contain_text("수락했어요")
    expect(customer.get_by_role("button", name="수락")).to_be_hidden()
    expect(customer.locator("#proposal-state")).to_contain_text("파트너에게 알렸어요", timeout=30_000)

    (told,) = _told_partner(product, "수락")
    assert format_kst(when) in told
    assert _story(product, request_id)[-2:] == ["CustomerAccepted", "PartnerTold"]

    browser.expect_http_errors(409)
    again = browser.new_page("partner-again")
    again.goto(link)
    expect(again.get_by_role("heading", name="이미 응답한 링크입니다")).to_be_visible()
    expect(again.locator("#problem-message")).to_have_text("고객이 제안하신 시간을 수락했습니다.")


def test_a_reload_keeps_the_decision_here_and_another_address_cannot_decide(browser, product):
    customer = browser.new_page("customer")
    request_id = ask(customer, product.sample)
    _propose_by_api(product, request_id, _proposed())
    decline = customer.get_by_role("button", name="다른 시간 요청(거절)")
    expect(decline).to_be_visible(timeout=FINAL_MESSAGE_WAIT)
    assert re.search(r"#t=[A-Za-z0-9_-]{28}$", customer.url)

    # The same request without the fragment (a shared address): it shows, it cannot decide.
    shared = browser.new_page("shared")
    shared.goto(f"/?request={request_id}")
    expect(shared.locator("#proposal-state")).to_contain_text(
        "이 화면에서는 결정할 수 없어요", timeout=15_000
    )
    expect(shared.get_by_role("button", name="수락")).to_be_hidden()

    customer.reload()
    expect(decline).to_be_visible(timeout=15_000)
    decline.click()
    expect(customer.locator("#proposal-state")).to_contain_text("다른 시간을 요청했어요")
    _told_partner(product, "거절")
    assert product.timeline(request_id)["proposal"]["state"] == "declined"

    # A new question forgets the request and its token.
    customer.get_by_role("button", name="새 문의하기").click()
    expect(customer.get_by_role("heading", name="예약 문의하기")).to_be_visible()
    expect(customer).to_have_url(re.compile(r"/$"))


def test_an_undecided_proposal_lapses_and_both_sides_are_told(browser, product):
    customer = browser.new_page("customer")
    request_id = ask(customer, product.sample)
    _propose_by_api(product, request_id, _proposed())
    expect(customer.get_by_role("button", name="수락")).to_be_visible(timeout=FINAL_MESSAGE_WAIT)

    expect(customer.locator("#proposal-state")).to_contain_text("제안이 만료되었어요", timeout=LAPSE_WAIT)
    expect(customer.get_by_role("button", name="수락")).to_be_hidden()
    _told_partner(product, "만료")
    assert _story(product, request_id)[-2:] == ["ProposalLapsed", "PartnerTold"]


def _story(product, request_id: str) -> list[str]:
    """The timeline's events without the carrier's delivery reports, which come on their own time."""
    events = product.timeline(request_id)["events"]
    return [e["type"] for e in events if e["type"] not in ("Delivered", "Undeliverable")]
