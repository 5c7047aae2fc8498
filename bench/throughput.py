"""Complete flows per second on the local stack with 1, 10 and 100 customers at once.

Each customer (a thread) submits a question and polls its request as the client does (every 0.2 s)
until the customer's message exists. The partner is another actor: each SMS the outbox receives is
handled by a partner thread that opens the link and accepts, as a person with a phone would.
"""

from __future__ import annotations

import re
import threading
import time
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

# (customers at once, flows): enough flows that every customer runs at least one.
LEVELS = ((1, 10), (10, 40), (100, 100))
QUESTION = "체크인 날짜를 하루 미루고 싶어요"
_LINK = re.compile(r"https?://\S+")


@attrs.frozen
class Level:
    customers: int
    flows: int
    seconds: float
    durations: tuple[float, ...]

    @property
    def per_second(self) -> float:
        return self.flows / self.seconds


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
        opened = self._local.client.open_link(token)
        answered = self._local.client.answer(token, "accept")
        if opened.status != 200 or answered.status != 200:
            self.failures.append(f"partner link answered {opened.status} / {answered.status}")


def run_level(stack: LocalStack, customers: int, flows: int, sample: list[tuple[str, str]]) -> Level:
    local = threading.local()

    def customer(number: int) -> float:
        if not hasattr(local, "client"):
            local.client = ProductClient(stack.url, timeout=60)
        reservation, phone = sample[number % len(sample)]
        started = time.perf_counter()
        reply = local.client.submit(reservation_number=reservation, phone=phone, message=QUESTION)
        if reply.status != 201:
            raise RuntimeError(f"submit answered {reply.status}: {reply.body}")
        told = local.client.wait_until_told(reply.body["requestId"], timeout=300)
        if told["status"] != "Responded":
            raise RuntimeError(f"request {reply.body['requestId']} ended {told['status']}")
        return time.perf_counter() - started

    with Partners(stack, workers=customers) as partners:
        started = time.perf_counter()
        with ThreadPoolExecutor(max_workers=customers, thread_name_prefix="customer") as pool:
            durations = tuple(pool.map(customer, range(flows)))
        seconds = time.perf_counter() - started
    if partners.failures:
        raise RuntimeError(partners.failures[0])
    return Level(customers, flows, seconds, durations)


def measure(sample_file: Path, levels: tuple[tuple[int, int], ...] = LEVELS) -> Section:
    sample = [(r.reservation_number, r.customer_phone) for r in read_reservations(sample_file)]
    with local_stack() as stack:
        run_level(stack, 1, 1, sample)  # warm-up: clients created, caches filled
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
        "Every customer (a thread) submits, then polls its request every 0.2 s until the message "
        "exists; every SMS is answered (open the link, accept) by a partner thread as it arrives. "
        "Reservations rotate over the samples. One process: the emulator, the gateway and every "
        "handler share its interpreter, so these figures compare runs of the local stack, not AWS.",
        "",
        "| customers at once | flows | seconds | flows/s | flow time, median | p95 |",
        "|---|---|---|---|---|---|",
        *(
            f"| {level.customers} | {level.flows} | {level.seconds:.1f} | {level.per_second:.2f} | "
            f"{median(level.durations):.2f} s | {percentile(level.durations, 95):.2f} s |"
            for level in results
        ),
    ]
    return Section("Local stack throughput", figures, tuple(lines))
