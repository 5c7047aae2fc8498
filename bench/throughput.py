"""Complete flows per second on the local stack with 1, 10 and 100 customers at once.

Each customer (a thread) submits a question and polls its request as the customer page does (after
1 s, then 1.5 times longer while nothing changes, at most 5 s) until the customer's message exists.
The partner is another actor: each SMS the outbox receives is handled by a partner thread that
opens the link and accepts, as a person with a phone would.
"""

from __future__ import annotations

import re
import threading
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import attrs

from bench.figures import Figure, Section
from bench.stack import local_stack
from bench.stats import median, percentile
from local.client import ProductClient, token_of
from local.emulator import SentSms
from local.stack import LocalStack
from runtime.adapters.sample_data import read_reservations
from runtime.domain.limits import NO_LIMITS

# (customers at once, flows): enough flows that every customer runs at least one.
LEVELS = ((1, 10), (10, 40), (100, 100))
QUESTION = "체크인 날짜를 하루 미루고 싶어요"
# site/js/customer.js: FIRST_DELAY, MAX_DELAY, and the factor while the status stays the same.
FIRST_POLL, MAX_POLL, POLL_BACKOFF = 1.0, 5.0, 1.5
FLOW_TIMEOUT = 120
PARTNER_ATTEMPTS = 3  # a person whose page shows an error tries again
_LINK = re.compile(r"https?://\S+")


@attrs.frozen
class Level:
    customers: int
    flows: int
    seconds: float
    durations: tuple[float, ...]  # of the flows that ended with the customer told of the answer
    failures: tuple[str, ...]

    @property
    def per_second(self) -> float:
        return len(self.durations) / self.seconds


class Partners:
    """Answers every SMS the outbox receives: open the link, accept."""

    def __init__(self, stack: LocalStack, workers: int) -> None:
        self._url = stack.url
        self._pool = ThreadPoolExecutor(max_workers=workers, thread_name_prefix="partner")
        self._local = threading.local()
        self._outbox = stack.aws.outbox
        self.failures: list[str] = []

    def __enter__(self) -> Partners:
        self._outbox.listeners.append(self._texted)
        return self

    def __exit__(self, *_: object) -> None:
        self._outbox.listeners.remove(self._texted)
        self._pool.shutdown(wait=True)

    def _texted(self, sms: SentSms) -> None:
        self._pool.submit(self._answer, sms)

    def _answer(self, sms: SentSms) -> None:
        if not hasattr(self._local, "client"):
            self._local.client = ProductClient(self._url, timeout=60)
        link = _LINK.search(sms.body)
        token = token_of(link.group(0)) if link else ""
        for attempt in range(1, PARTNER_ATTEMPTS + 1):
            try:
                opened = self._local.client.open_link(token)
                answered = self._local.client.answer(token, "accept") if opened.status == 200 else opened
            except OSError as error:  # requests' connection errors and timeouts
                answered = None
                why = f"partner's request failed: {type(error).__name__}"
            else:
                if answered.status in {200, 409}:  # 409: an earlier attempt got through
                    return
                why = f"partner's link answered {answered.status}"
            if attempt == PARTNER_ATTEMPTS:
                self.failures.append(why)
            time.sleep(1)


def wait_until_told(client: ProductClient, request_id: str) -> dict:
    """Poll as the customer page does; the final timeline. Errors (503 under load) are polled through."""
    deadline, delay, status = time.monotonic() + FLOW_TIMEOUT, FIRST_POLL, ""
    while time.monotonic() < deadline:
        time.sleep(delay)
        reply = client.timeline(request_id)
        if reply.status == 200 and reply.body.get("notification"):
            return reply.body
        changed = reply.status == 200 and reply.body.get("status") != status
        status = reply.body.get("status", status) if reply.status == 200 else status
        delay = FIRST_POLL if changed else min(delay * POLL_BACKOFF, MAX_POLL)
    return {"status": f"not told within {FLOW_TIMEOUT} s"}


def run_level(stack: LocalStack, customers: int, flows: int, sample: list[tuple[str, str]]) -> Level:
    local = threading.local()

    def customer(number: int) -> float | str:
        """The flow's duration, or why it failed (the stack answered an error or the flow ended badly)."""
        if not hasattr(local, "client"):
            local.client = ProductClient(stack.url, timeout=60)
        reservation, phone = sample[number % len(sample)]
        started = time.perf_counter()
        reply = local.client.submit(reservation_number=reservation, phone=phone, message=QUESTION)
        if reply.status != 201:
            return f"submit answered {reply.status}"
        told = wait_until_told(local.client, reply.body["requestId"])
        if told["status"] != "Responded":
            return told["status"] if "not told" in told["status"] else f"request ended {told['status']}"
        return time.perf_counter() - started

    with Partners(stack, workers=customers) as partners:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=customers, thread_name_prefix="customer") as pool:
            outcomes = list(pool.map(customer, range(flows)))
        seconds = time.perf_counter() - started
    failures = [o for o in outcomes if isinstance(o, str)] + partners.failures
    durations = tuple(o for o in outcomes if isinstance(o, float))
    return Level(customers, flows, seconds, durations, tuple(failures))


def measure(sample_file: Path, levels: tuple[tuple[int, int], ...] = LEVELS) -> Section:
    sample = [(r.reservation_number, r.customer_phone) for r in read_reservations(sample_file)]
    # A load test: hundreds of flows on the ten sample reservations would meet the abuse limits (as
    # `make local LIMITS=off`, they are lifted; make reliability's load keeps them, on its own data).
    with local_stack(limits=NO_LIMITS) as stack:
        warm_up = run_level(stack, 1, 1, sample)  # clients created, caches filled
        if warm_up.failures:
            raise RuntimeError(f"a single flow failed on an idle stack: {warm_up.failures[0]}")
        results = [run_level(stack, customers, flows, sample) for customers, flows in levels]
    figures = tuple(
        Figure(
            f"throughput.{level.customers}",
            f"flows/s, {level.customers} at once",
            level.per_second,
            "flows/s",
        )
        for level in results
    )
    lines = [
        "Every customer (a thread) submits, then polls its request as the page does (after 1 s, then "
        "1.5× longer while nothing changes, at most 5 s) until the message exists; every SMS is "
        "answered (open the link, accept) by a partner thread as it arrives. "
        "Reservations rotate over the samples. One process: the emulator, the gateway and every "
        "handler share its interpreter, so these figures compare runs of the local stack, not AWS.",
        "",
        "Flows/s counts the flows completed; a flow fails when the stack answers an error (moto "
        "serializes DynamoDB and times out under load) or the request ends other than Responded.",
        "",
        "| customers at once | flows | failed | seconds | flows/s | flow time, median | p95 |",
        "|---|---|---|---|---|---|---|",
        *(
            f"| {level.customers} | {level.flows} | {_failed(level)} | {level.seconds:.1f} | "
            f"{level.per_second:.2f} | {_times(level)} |"
            for level in results
        ),
    ]
    return Section("Local stack throughput", figures, tuple(lines))


def _failed(level: Level) -> str:
    if not level.failures:
        return "0"
    reasons = Counter(level.failures).most_common()
    return f"{len(level.failures)} ({', '.join(f'{n}× {why}' for why, n in reasons)})"


def _times(level: Level) -> str:
    if not level.durations:
        return "— | —"
    return f"{median(level.durations):.2f} s | {percentile(level.durations, 95):.2f} s"
