"""The customer's page while a silent partner is reminded: a line says so, and the page waits on."""

from __future__ import annotations

import json
import uuid

from playwright.sync_api import Route, expect


def test_a_reminded_partner_is_shown_as_reminded_while_the_customer_waits(browser, product):
    request_id = str(uuid.uuid4())
    waiting = {
        "requestId": request_id,
        "status": "SMSSent",
        "intent": "ChangeReservation",
        "intentLabel": "예약변경",
        "intentSource": "local",
        "reservationNumber": product.sample.reservation,
        "createdAt": "2026-11-24T09:00:00+09:00",
        "updatedAt": "2026-11-24T09:03:00+09:00",
        "events": [
            {"type": "Created", "at": "2026-11-24T09:00:00+09:00"},
            {"type": "SMSSent", "at": "2026-11-24T09:00:01+09:00"},
            {"type": "Reminded", "at": "2026-11-24T09:03:00+09:00"},
        ],
        "notification": None,
    }

    def status(route: Route) -> None:
        route.fulfill(
            status=200, content_type="application/json", body=json.dumps(waiting, ensure_ascii=False)
        )

    page = browser.new_page("customer")
    page.route(f"**/api/requests/{request_id}", status)
    page.goto(f"/?request={request_id}")

    expect(page.locator("#status-text")).to_have_text("파트너에게 한 번 더 알렸어요. 확인을 기다리고 있어요.")
    expect(page.locator('[aria-current="step"]')).to_have_attribute("data-step", "Opened")
    expect(page.locator("#result")).to_be_hidden()
