"""End-to-end tier: the whole product on this machine, driven over HTTP and in a real browser.

One `LocalStack` serves the whole session. Handlers read their settings from `os.environ` and
bootstrap keeps one boto3 client per service, so two stacks cannot live in one process; every test
shares this one. Its partner timeout is short (8 s), so the timeout path runs in seconds, with room for a slow
browser to answer in time on the other paths. Its links
live ten minutes, so an *expired* link is made the way the product makes links: signed with the
stack's own secret (read from the emulated Secrets Manager) for a real link's token id, with an
expiry in the past. The server verifies that signature and answers LINK_EXPIRED, as it would for a
link opened too late.

Browser tests drive Debian's Chromium through Playwright (never a downloaded browser build). The
`browser` fixture opens pages in a phone (360×740) or desktop viewport, fails the test on any console
error, uncaught exception, dialog or request leaving the site, and saves a screenshot of every page
it opened under test-output/screenshots/, whether the test passed or not.
"""

from __future__ import annotations

import re
import time
from collections.abc import Callable, Iterator
from datetime import datetime
from pathlib import Path
from typing import Any

import attrs
import pytest
from playwright.sync_api import Browser, ConsoleMessage, Page, Request, sync_playwright

from local.client import ProductClient
from local.emulator import SAMPLE_RESERVATIONS
from local.reservations import store_reservations, unique_reservations
from local.stack import LocalStack
from runtime.adapters.dynamo_converter import from_item
from runtime.adapters.dynamo_expressions import plain, typed
from runtime.adapters.dynamo_keys import link_key
from runtime.adapters.sample_data import read_reservations
from runtime.adapters.secrets_manager import read_keyring
from runtime.deployment import SWEEP_PERIOD_SECONDS
from runtime.domain.kst import format_kst
from runtime.domain.link_token import Keyring, LinkClaims, sign_link, verify_link
from runtime.domain.model import LinkRecord
from tests.local_stack_session import reach_the_emulator, running_stack

PARTNER_TIMEOUT_SECONDS = 8
# The longest a test waits for what a flow must bring (an SMS, a status, a message): the product's
# own bound, a request's window plus the sweeper's period plus a minute. A correct stack brings it in
# seconds; a slow moment of the machine gets the product's patience, not a guess at its speed.
FLOW_DEADLINE_SECONDS = PARTNER_TIMEOUT_SECONDS + SWEEP_PERIOD_SECONDS + 60
# The customer's time to decide on a proposed time: long enough for a slow browser to click, short
# enough to see a lapse.
DECISION_TIMEOUT_SECONDS = 30
TOKEN_TTL_SECONDS = 600
CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-background-networking"]
SCREENSHOTS = Path(__file__).resolve().parents[2] / "test-output" / "screenshots"
PHONE = {"width": 360, "height": 740}
DESKTOP = {"width": 1280, "height": 800}

_LINK = re.compile(r"https?://\S+/r/[A-Za-z0-9_-]+")
_FAILED_LOAD = re.compile(r"Failed to load resource: the server responded with a status of (\d{3})")


# --- the product ---------------------------------------------------------------------------------


@attrs.frozen
class Sample:
    """A reservation like the first of infra/sample_reservations.json (its partner, service and date),
    with a number and phones of its own, as its customer would type it."""

    reservation: str
    phone: str
    partner_name: str
    partner_phone: str  # E.164, as the SMS is addressed
    reservation_date: str  # as people read it, e.g. 12월 24일(목) 오후 3시
    # A question the local classifier reads as ChangeReservation (예약변경).
    question: str = "체크인 날짜를 하루 미룰 수 있을까요?"


@pytest.fixture
def sample(local_stack) -> Sample:
    """A reservation of this test's own, stored in the stack's table: the product's limits per
    reservation and per phone apply to each test as to one customer, never across tests."""
    assert local_stack.deployment is not None
    (made,) = unique_reservations(read_reservations(SAMPLE_RESERVATIONS)[0], 1, letters="WEB")
    store_reservations(local_stack.aws.client("dynamodb"), local_stack.deployment.table_name, [made])
    domestic = "0" + made.customer_phone.removeprefix("+82")
    return Sample(
        reservation=made.reservation_number,
        phone=f"{domestic[:3]}-{domestic[3:7]}-{domestic[7:]}",
        partner_name=made.partner_name,
        partner_phone=made.partner_phone,
        reservation_date=format_kst(datetime.fromisoformat(made.reservation_date)),
    )


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    """The product on a free port: partner timeout 3 s, links valid 10 minutes."""
    with running_stack(
        partner_timeout_seconds=PARTNER_TIMEOUT_SECONDS,
        token_ttl_seconds=TOKEN_TTL_SECONDS,
        customer_decision_seconds=DECISION_TIMEOUT_SECONDS,
    ) as stack:
        yield stack


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch, local_stack):
    reach_the_emulator(monkeypatch, local_stack)


class Product:
    """What a test needs from the running product besides a browser: the API, the SMS outbox, links."""

    def __init__(self, stack: LocalStack, sample: Sample) -> None:
        assert stack.deployment is not None
        self.stack = stack
        self.sample = sample
        self.url = stack.url
        self.api = ProductClient(stack.url, patience=FLOW_DEADLINE_SECONDS)
        self._deployment = stack.deployment
        self._requests_by_token: dict[str, str] = {}

    def submit(self, message: str | None = None) -> str:
        """POST /api/chat for the sample reservation, as the customer page would; returns the request id."""
        reply = self.api.submit(
            reservation_number=self.sample.reservation,
            phone=self.sample.phone,
            message=message or self.sample.question,
        )
        assert reply.status == 201, reply.body
        return reply.body["requestId"]

    def requests_stored(self) -> int:
        """Requests stored for this test's reservation."""
        pages = (
            self.stack.aws.client("dynamodb")
            .get_paginator("scan")
            .paginate(TableName=self._deployment.table_name)
        )
        return sum(
            1
            for page in pages
            for item in page["Items"]
            if item["SK"]["S"] == "METADATA"
            and item["PK"]["S"].startswith("REQ#")
            and item["reservationNumber"]["S"] == self.sample.reservation
        )

    def timeline(self, request_id: str) -> dict[str, Any]:
        reply = self.api.timeline(request_id)
        assert reply.status == 200, reply.body
        return reply.body

    def wait_for(
        self, condition: Callable[[], Any], *, timeout: float = FLOW_DEADLINE_SECONDS, what: str = ""
    ) -> Any:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            if result := condition():
                return result
            time.sleep(0.05)
        raise AssertionError(f"not within {timeout} s: {what or condition}")

    def wait_for_status(
        self, request_id: str, *statuses: str, timeout: float = FLOW_DEADLINE_SECONDS
    ) -> dict[str, Any]:
        return self.wait_for(
            lambda: (found := self.timeline(request_id))["status"] in statuses and found,
            timeout=timeout,
            what=f"request {request_id} in {statuses}",
        )

    def partner_link(self, request_id: str, *, timeout: float = FLOW_DEADLINE_SECONDS) -> str:
        """The link the partner was texted for this request (SMS outbox), matched by its token."""

        def find() -> str | None:
            for sms in reversed(self.stack.aws.outbox.messages()):
                found = _LINK.search(sms.body)
                if found and self.request_of(found.group(0)) == request_id:
                    return found.group(0)
            return None

        return self.wait_for(find, timeout=timeout, what=f"the SMS for {request_id}")

    def request_of(self, link: str) -> str | None:
        """The request a partner link stands for, as the server resolves it (TOKEN# item)."""
        token = link.rsplit("/r/", 1)[1]
        if token not in self._requests_by_token:
            claims = verify_link(self.link_keys().key, token, now=0)
            item = (
                self.stack.aws.client("dynamodb")
                .get_item(
                    TableName=self._deployment.table_name,
                    Key=typed(link_key(claims.token_id)),
                )
                .get("Item")
            )
            if item is None:
                return None
            self._requests_by_token[token] = from_item(plain(item), LinkRecord).request_id
        return self._requests_by_token[token]

    def expired_link(self, link: str) -> str:
        """The same link, genuinely signed by the stack's secret, but with an expiry a minute ago."""
        token = link.rsplit("/r/", 1)[1]
        keys = self.link_keys()
        claims = verify_link(keys.key, token, now=0)
        expired = LinkClaims(token_id=claims.token_id, expires_at=int(time.time()) - 60)
        return f"{self.url}/r/{sign_link(keys.current, expired)}"

    def link_keys(self) -> Keyring:
        """The keys that verify links now, read as the functions read them."""
        return read_keyring(self.stack.aws.client("secretsmanager"), self._deployment.secret_id)


@pytest.fixture
def product(local_stack, sample) -> Product:
    return Product(local_stack, sample)


# --- the browser -------------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def chromium() -> Iterator[Browser]:
    if not Path(CHROMIUM).exists():
        pytest.fail(f"{CHROMIUM} is missing: `make browser` installs Debian's chromium and fonts-nanum")
    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield browser
        browser.close()


class Pages:
    """Opens pages for one test and watches them: what went wrong is reported when the test ends."""

    def __init__(self, browser: Browser, base_url: str, test_name: str) -> None:
        self._browser = browser
        self.base_url = base_url
        self._test_name = test_name
        self._pages: list[tuple[str, Page]] = []
        self.problems: list[str] = []
        self.dialogs: list[str] = []
        self._allowed_statuses: set[int] = set()
        self._allowed_messages: list[re.Pattern[str]] = []

    def new_page(self, name: str, *, viewport: str = "phone", timezone: str = "Asia/Seoul") -> Page:
        phone = viewport == "phone"
        context = self._browser.new_context(
            base_url=self.base_url,
            viewport=PHONE if phone else DESKTOP,
            device_scale_factor=2 if phone else 1,
            is_mobile=phone,
            has_touch=phone,
            locale="ko-KR",
            timezone_id=timezone,
        )
        context.set_default_timeout(10_000)
        page = context.new_page()
        page.on("console", lambda message: self._console(name, message))
        page.on("pageerror", lambda error: self.problems.append(f"[{name}] uncaught: {error}"))
        page.on("dialog", lambda dialog: self._dialog(name, dialog))
        page.on("request", lambda request: self._request(name, request))
        self._pages.append((name, page))
        return page

    def expect_http_errors(self, *statuses: int) -> None:
        """The API answers these statuses on purpose in this test (Chromium logs each as an error)."""
        self._allowed_statuses.update(statuses)

    def allow_console(self, pattern: str) -> None:
        self._allowed_messages.append(re.compile(pattern))

    def screenshot(self, page: Page, label: str) -> Path:
        SCREENSHOTS.mkdir(parents=True, exist_ok=True)
        path = SCREENSHOTS / f"{self._test_name}-{label}.png"
        page.screenshot(path=str(path), full_page=True)
        return path

    def close(self) -> None:
        for name, page in self._pages:
            if not page.is_closed():
                try:
                    self.screenshot(page, name)
                finally:
                    page.context.close()

    def _console(self, name: str, message: ConsoleMessage) -> None:
        if message.type not in ("error", "assert"):
            return
        text = message.text
        failed = _FAILED_LOAD.search(text)
        location = message.location.get("url", "")
        if failed and int(failed.group(1)) in self._allowed_statuses and "/api/" in location:
            return
        if any(pattern.search(text) for pattern in self._allowed_messages):
            return
        self.problems.append(f"[{name}] console {message.type}: {text} ({location})")

    def _dialog(self, name: str, dialog: Any) -> None:
        self.dialogs.append(f"[{name}] {dialog.type}: {dialog.message}")
        dialog.dismiss()

    def _request(self, name: str, request: Request) -> None:
        url = request.url
        if not (url.startswith(self.base_url) or url.startswith(("data:", "blob:", "about:"))):
            self.problems.append(f"[{name}] request leaving the site: {url}")


@pytest.fixture
def browser(chromium, local_stack, request) -> Iterator[Pages]:
    """A page factory for one test; fails the test on console errors, dialogs or third-party requests."""
    test_name = re.sub(r"[^A-Za-z0-9_.-]+", "_", request.node.name).strip("_")
    pages = Pages(chromium, local_stack.url, test_name)
    yield pages
    pages.close()
    assert not pages.dialogs, f"dialogs opened: {pages.dialogs}"
    assert not pages.problems, "the pages reported problems:\n" + "\n".join(pages.problems)
