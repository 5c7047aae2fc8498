"""Every page: the error page, page weight, tap targets, and the layout on a desktop."""

from __future__ import annotations

from playwright.sync_api import Page, Response, expect

from bench.pages import PAGE_BUDGET

# HTML + CSS + JS of one page, as transferred: compressed as CloudFront sends it (the local front door
# compresses the same files the same way).
MAX_PAGE_BYTES = PAGE_BUDGET
MIN_TAP = 44  # px


def page_weight(page: Page, path: str) -> dict[str, int]:
    """Bytes transferred for every document, stylesheet and script the page loads, by URL."""
    loaded: list[Response] = []

    def keep(response: Response) -> None:  # Playwright cannot take a bound builtin like list.append
        loaded.append(response)

    page.on("response", keep)
    page.goto(path, wait_until="networkidle")
    return {
        response.url: response.request.sizes()["responseBodySize"]
        for response in loaded
        if response.request.resource_type in ("document", "stylesheet", "script")
    }


def test_unknown_address_shows_the_friendly_not_found_page_with_a_way_home(browser, product):
    browser.allow_console(r"status of 404 \(Not Found\)")  # the document itself is a 404
    page = browser.new_page("error")
    response = page.goto("/no/such/page")
    assert response is not None and response.status == 404
    expect(page.get_by_role("heading", name="페이지를 찾을 수 없습니다")).to_be_visible()
    expect(page.locator("html")).to_have_attribute("lang", "ko")
    browser.screenshot(page, "not-found")
    page.get_by_role("link", name="처음 화면으로 가기").click()
    expect(page.get_by_role("heading", name="예약 문의하기")).to_be_visible()


def test_each_page_weighs_at_most_30_kb_and_loads_nothing_from_elsewhere(browser, product):
    link = product.partner_link(product.submit())
    browser.allow_console(r"status of 404 \(Not Found\)")
    weights = {}
    for name, path in (("customer", "/"), ("partner", link), ("error", "/no-such-page")):
        page = browser.new_page(name)
        files = page_weight(page, path)
        assert any(url.endswith(".css") for url in files), files
        assert name == "error" or any(url.endswith(".js") for url in files), files
        assert all(url.startswith(product.url) for url in files), files
        weights[name] = sum(files.values())
    assert all(total <= MAX_PAGE_BYTES for total in weights.values()), weights


def test_the_front_door_compresses_pages_scripts_and_styles_as_cloudfront_does(browser, product):
    """CloudFront compresses text files from 1,000 bytes when the browser accepts it."""
    page = browser.new_page("customer")
    loaded: list[Response] = []
    page.on("response", lambda response: loaded.append(response))  # noqa: PLW0108 - Playwright needs a function
    page.goto("/", wait_until="networkidle")
    text = [r for r in loaded if r.request.resource_type in ("document", "stylesheet", "script")]
    large = [r for r in text if len(r.body()) >= 1_000]
    assert len(large) >= 3, [r.url for r in text]
    assert all(r.headers.get("content-encoding") == "gzip" for r in large), [
        (r.url, r.headers) for r in large
    ]
    assert all(r.request.sizes()["responseBodySize"] < len(r.body()) for r in large)


def test_controls_are_big_enough_to_tap_on_a_phone(browser, product):
    customer = browser.new_page("customer")
    customer.goto("/")
    for control in customer.locator("input:visible, textarea:visible, button:visible, a:visible").all():
        box = control.bounding_box()
        assert box and box["height"] >= MIN_TAP, (control.evaluate("e => e.outerHTML"), box)

    partner = browser.new_page("partner")
    partner.goto(product.partner_link(product.submit()))
    expect(partner.get_by_role("heading", name="고객 요청 확인")).to_be_visible()
    partner.get_by_role("radio", name="다른 시간 제안").check()
    for control in partner.locator(".choice:visible, button:visible, #alternativeTime").all():
        box = control.bounding_box()
        assert box and box["height"] >= MIN_TAP and box["width"] >= MIN_TAP, box
    # Nothing overflows the phone's width.
    for page in (customer, partner):
        assert page.evaluate("document.documentElement.scrollWidth") <= 360


def test_pages_read_well_on_a_desktop(browser, product):
    customer = browser.new_page("customer-desktop", viewport="desktop")
    customer.goto("/")
    form = customer.locator("#ask-form").bounding_box()
    assert form is not None and form["width"] <= 640
    assert abs((form["x"] + form["width"] / 2) - 640) < 20  # centred
    send = customer.get_by_role("button", name="문의 보내기").bounding_box()
    assert send is not None and send["height"] >= MIN_TAP

    partner = browser.new_page("partner-desktop", viewport="desktop")
    partner.goto(product.partner_link(product.submit()))
    expect(partner.get_by_role("heading", name="고객 요청 확인")).to_be_visible()
    summary = partner.locator(".card").first.bounding_box()
    assert summary is not None and summary["width"] <= 640


def test_the_outbox_fits_a_phone_and_shows_korean_time(browser, product):
    product.partner_link(product.submit())  # at least one SMS, with its long link
    outbox = browser.new_page("outbox")
    outbox.goto("/_local/outbox")

    sent = outbox.locator("li time").first
    expect(sent).to_contain_text("월")  # 12월 1일(화) 오후 3시 30분, as the product's pages show times
    assert "T" not in sent.inner_text()
    assert outbox.evaluate("document.documentElement.scrollWidth") <= 360
