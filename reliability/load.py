"""Many complete flows at once: customers submit, the partner answers each SMS by script, and every
request must end Responded with its customer told. Nothing may be lost or doubled; throughput and
latency are measured.

Whether customers were told is read from the table once the answers are in, not by each customer
polling the API: on this machine the emulator, the gateway, the handlers and this script share
two cores, and a hundred pollers would measure mostly themselves.
"""

from __future__ import annotations

import statistics
import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor

import attrs

from local.client import token_of
from reliability.product import Product, new_tag
from reliability.report import Row
from runtime.adapters import dynamo_keys as keys
from runtime.domain.model import EventType


@attrs.frozen
class FlowResult:
    request_id: str = ""
    sms_seconds: float | None = None  # submit -> SMS accepted by the SMS service
    answered: bool = False
    error: str = ""


def _flow(product: Product, tag: str, number: int) -> FlowResult:
    customer = product.customers[number % len(product.customers)]
    submitted_at = time.time()
    try:
        submitted = product.submit(tag, customer=customer)
        if submitted.status != 201:
            return FlowResult(error=f"submit {submitted.status} {submitted.body}")
        request_id = submitted.body["requestId"]
        sms = product.wait_for_sms(request_id, timeout=product.partner_timeout)
        answered = product.answer(token_of(sms.link), "accept")
        if answered.status != 200:
            return FlowResult(request_id, error=f"answer {answered.status} {answered.body}")
    except (TimeoutError, OSError) as error:
        return FlowResult(error=str(error))
    return FlowResult(request_id, sms.sent_at.timestamp() - submitted_at, answered=True)


def wait_until_closed(product: Product, request_ids: set[str], *, timeout: float) -> dict[str, dict]:
    """The stored requests, once each is closed and told (or the time is up)."""
    found: dict[str, dict] = {}
    pending = set(request_ids)
    deadline = time.monotonic() + timeout
    while pending and time.monotonic() < deadline:
        for request_id in list(pending):
            item = product.request_item(request_id)
            if item and item.get("notification"):
                found[request_id] = item
                pending.discard(request_id)
        if pending:
            time.sleep(1.0)
    for request_id in pending:
        found[request_id] = product.request_item(request_id) or {}
    return found


def check_load(product: Product, *, flows: int = 1000, concurrency: int = 100) -> Row:
    started = time.perf_counter()
    tag = new_tag("load")
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda n: _flow(product, tag, n), range(flows)))
    ids = {r.request_id for r in results if r.request_id}
    stored_requests = wait_until_closed(product, ids, timeout=product.partner_timeout + 60)
    elapsed = time.perf_counter() - started

    told = [
        r
        for r in results
        if r.answered
        and stored_requests[r.request_id].get("status") == "Responded"
        and stored_requests[r.request_id].get("notification")
    ]
    lost = flows - len(told)
    texts = product.sms_counts()
    duplicate_sms = sum(texts[i] - 1 for i in ids if texts[i] > 1)
    notices = Counter(
        item["PK"].removeprefix(keys.REQUEST_PREFIX)
        for item in product.items()
        if item["SK"].startswith(keys.EVENT_PREFIX) and item["SK"].endswith(f"#{EventType.NOTIFIED}")
    )
    duplicate_notices = sum(notices[i] - 1 for i in ids if notices[i] > 1)
    stored = len(product.requests_tagged(tag))
    latencies = sorted(r.sms_seconds for r in results if r.sms_seconds is not None)
    p50, p95 = _percentile(latencies, 50), _percentile(latencies, 95)
    problems = [
        f"{r.request_id or '-'}: {r.error or stored_requests[r.request_id].get('status')}"
        for r in results
        if r not in told
    ]
    for request_id in sorted(i for i in ids if texts[i] > 1):
        sent = product.texts_for(request_id)
        same = "the same link" if len({s.link for s in sent}) == 1 else "different links"
        gap = (sent[-1].sent_at - sent[0].sent_at).total_seconds()
        problems.append(f"{request_id}: {len(sent)} SMS with {same}, {gap:.1f} s apart")
    if stored != flows:
        problems.append(f"{stored} requests stored for {flows} flows")
    return Row(
        f"load: {flows} flows, {concurrency} at once",
        f"{lost} lost, {duplicate_sms} duplicate SMS, {duplicate_notices} duplicate notices; "
        f"{flows / elapsed:.1f} flows/s; submit->SMS p50 {p50:.2f} s, p95 {p95:.2f} s",
        passed=not problems and duplicate_sms == 0 and duplicate_notices == 0,
        seconds=elapsed,
        problems=tuple(problems),
    )


def _percentile(values: list[float], percent: int) -> float:
    if len(values) < 2:
        return values[0] if values else float("nan")
    return statistics.quantiles(values, n=100, method="inclusive")[percent - 1]
