"""The customer's page when the carrier reports on the partner's SMS: a line says it arrived while the
customer waits, and a request closed because it never could says why."""

from __future__ import annotations

import json
import uuid

from playwright.sync_api import Route, expect


def _timeline(product, request_id, status, events, notification=None):
    return {
        "requestId": request_id,
        "status": status,
        "intent": "ChangeReservation",
        "intentLabel": "예약변경",
        "intentSource": "local",
        "reservationNumber": product.sample.reservation,
        "createdAt": "2026-11-24T09:00:00+09:00",
        "updatedAt": events[-1]["at"],
        "events": events,
        "notification": notification,
    }


def _show(browser, request_id, body):
    def status(route: Route) -> None:
        route.fulfill(status=200, content_type="application/json", body=json.dumps(body, ensure_ascii=False))

    page = browser.new_page("customer")
    page.route(f"**/api/requests/{request_id}", status)
    page.goto(f"/?request={request_id}")
    return page


def test_a_delivered_sms_is_shown_while_the_customer_waits(browser, product):
    request_id = str(uuid.uuid4())
    events = [
        {"type": "Created", "at": "2026-11-24T09:00:00+09:00"},
        {"type": "SMSSent", "at": "2026-11-24T09:00:01+09:00"},
        {"type": "Delivered", "at": "2026-11-24T09:00:04+09:00"},
    ]
    page = _show(browser, request_id, _timeline(product, request_id, "SMSSent", events))
    expect(page.locator("#status-text")).to_have_text(
        "파트너 휴대전화에 문자가 도착했어요. 확인을 기다리고 있어요."
    )
    expect(page.locator('[aria-current="step"]')).to_have_attribute("data-step", "Opened")


def test_an_undeliverable_sms_is_given_as_the_reason_the_request_failed(browser, product):
    request_id = str(uuid.uuid4())
    events = [
        {"type": "Created", "at": "2026-11-24T09:00:00+09:00"},
        {"type": "SMSSent", "at": "2026-11-24T09:00:01+09:00"},
        {"type": "Undeliverable", "at": "2026-11-24T09:00:05+09:00"},
        {"type": "Failed", "at": "2026-11-24T09:00:05+09:00"},
        {"type": "Notified", "at": "2026-11-24T09:00:07+09:00"},
    ]
    message = {
        "message": "파트너의 휴대전화로 문자가 전달되지 않았습니다.",
        "at": "2026-11-24T09:00:07+09:00",
    }
    page = _show(browser, request_id, _timeline(product, request_id, "Failed", events, message))
    expect(page.locator("#status-text")).to_have_text(
        "파트너 휴대전화로 문자가 전달되지 않아 확인을 받지 못했어요."
    )
    expect(page.locator("#result-message")).to_have_text(message["message"])
    expect(page.locator('[data-step="final"]')).to_have_class("step is-bad")
