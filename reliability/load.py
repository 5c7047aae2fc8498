"""Many complete flows at once: customers submit, the partner answers each SMS by script, and every
request must end told, exactly once, with the partner's answer. The check passes or fails on real
losses only, never on speed:

- a request not told by its due time plus the sweeper's period plus a minute;
- a request told more or less than once;
- an answer the partner saw accepted (200) that is not the answer the customer is told;
- an answer refused as too late (409) although it came back before the deadline the SMS gave
  (an answer that reached the stack after it is rightly refused: that request is told it timed out,
  and counted apart, since a slow moment of the machine can do that to any flow);
- an SMS sent twice;
- a 5xx that is not deliberate backpressure (a 503 with Retry-After, which the clients wait out).

Every flow has a reservation of its own (and its own customer and partner phones), and the product's
limits are on, as they are for real customers.

Clients behave like the pages: a 429 or 503 with Retry-After is sent again after it. Throughput and
latency are reported beside the same machine's floor, measured in the same run: one flow alone on
the idle stack.

Whether customers were told is read from the table once the answers are in, not by each customer
polling the API: on this machine the emulator, the gateway, the handlers and this script share
two cores, and a hundred pollers would measure mostly themselves.
"""

from __future__ import annotations

import time
from collections import Counter
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime

import attrs

from bench.stats import percentile
from local.client import Reply, token_of
from reliability.product import Customer, Product, new_tag
from reliability.report import Row
from runtime.adapters import dynamo_keys as keys
from runtime.contract import REQUEST_PREFIX
from runtime.domain.model import EventType

ANSWERS = ("accept", "reject")


@attrs.frozen
class FlowResult:
    request_id: str = ""
    answer: str = ""  # the answer the partner sent and saw accepted (200)
    sms_seconds: float | None = None  # submit -> SMS accepted by the SMS service
    error: str = ""
    late: bool = False  # the answer reached the stack after the deadline the SMS gave, and was refused


def _flow(product: Product, tag: str, number: int, customer: Customer) -> FlowResult:
    answer = ANSWERS[number % len(ANSWERS)]
    submitted_at = time.time()
    try:
        submitted = product.submit(tag, customer=customer)
        if submitted.status != 201:
            return FlowResult(error=f"submit {submitted.status} {submitted.body}")
        request_id = submitted.body["requestId"]
        # The partner's own phone: each flow's reservation has a partner of its own.
        sms = product.wait_for_link_to(customer.partner_phone, timeout=product.partner_timeout + 120)
        answered = product.answer(token_of(sms.link), answer)
        if answered.status != 200:
            if _refused_after_its_deadline(product, request_id, answered, received_at=time.time()):
                return FlowResult(request_id, sms_seconds=sms.sent_at.timestamp() - submitted_at, late=True)
            return FlowResult(request_id, error=f"answer {answered.status} {answered.body}")
    except (TimeoutError, OSError) as error:
        return FlowResult(error=str(error))
    return FlowResult(request_id, answer, sms.sent_at.timestamp() - submitted_at)


def _refused_after_its_deadline(
    product: Product, request_id: str, answered: Reply, *, received_at: float
) -> bool:
    """A 409 REQUEST_CLOSED whose answer came back only after the request's answerBy: the stack may
    have received it after the deadline (it queues under load), so the refusal is right."""
    if answered.status != 409 or answered.error_code != "REQUEST_CLOSED":
        return False
    answer_by = (product.request_item(request_id) or {}).get("answerBy")
    return answer_by is not None and received_at >= datetime.fromisoformat(answer_by).timestamp()


def wait_until_told(product: Product, request_ids: set[str]) -> dict[str, dict]:
    """The stored requests, once each is told or past the time it had to be told by."""
    found: dict[str, dict] = {}
    pending = set(request_ids)
    while pending:
        for request_id in list(pending):
            item = product.request_item(request_id) or {}
            if item.get("notification") or not item or time.time() > product.told_by(item):
                found[request_id] = item
                pending.discard(request_id)
        if pending:
            time.sleep(1.0)
    return found


def _events_per_request(items: list[dict], kind: EventType) -> Counter[str]:
    return Counter(
        item["PK"].removeprefix(REQUEST_PREFIX)
        for item in items
        if item["SK"].startswith(keys.EVENT_PREFIX) and item["SK"].endswith(f"#{kind}")
    )


def floor_seconds(product: Product) -> float:
    """One flow alone on the idle stack, submit to told: the machine's own floor for this run."""
    started = time.perf_counter()
    result = _flow(product, new_tag("floor"), 0, product.new_customer())
    if result.request_id:
        wait_until_told(product, {result.request_id})
    return time.perf_counter() - started


def check_load(product: Product, *, flows: int = 1000, concurrency: int = 100) -> Row:
    floor = floor_seconds(product)
    # A reservation of its own per flow (customer and partner phones too), with the limits on: the
    # ten samples, cycled, would meet the per-reservation limits, as real traffic never would.
    customers = product.new_customers(flows)
    turned_away = product.stack.gateway.turned_away
    started = time.perf_counter()
    tag = new_tag("load")
    with ThreadPoolExecutor(concurrency) as pool:
        results = list(pool.map(lambda n: _flow(product, tag, n, customers[n]), range(flows)))
    ids = {r.request_id for r in results if r.request_id}
    stored = wait_until_told(product, ids)
    elapsed = time.perf_counter() - started

    texts = product.sms_counts()
    items = list(product.items())
    notices = _events_per_request(items, EventType.NOTIFIED)
    # A partner silent past the reminder time gets the same link once more: not a duplicate.
    reminded = _events_per_request(items, EventType.REMINDED)
    problems = [f"{r.request_id or '-'}: {r.error}" for r in results if r.error]
    for result in results:
        if not result.request_id:
            continue
        item = stored[result.request_id]
        told = (
            item.get("status"),
            (item.get("notification") or {}).get("outcome"),
            item.get("response", {}).get("answer"),
        )
        if not item.get("notification"):
            problems.append(f"{result.request_id}: not told by its due time, still {item.get('status')}")
        elif result.late and told[0] == "Responded":
            problems.append(f"{result.request_id}: an answer refused as late, yet told as {told}")
        elif result.answer and told != ("Responded", "responded", result.answer):
            problems.append(f"{result.request_id}: the partner's {result.answer} (200) was told as {told}")
        if notices[result.request_id] != 1:
            problems.append(f"{result.request_id}: {notices[result.request_id]} messages")
        if texts[result.request_id] > 1 + reminded[result.request_id]:
            problems.append(f"{result.request_id}: {texts[result.request_id]} SMS")
    if (count := len(product.requests_tagged(tag))) != flows:
        problems.append(f"{count} requests stored for {flows} flows")
    lost = sum(1 for r in results if r.error or not stored.get(r.request_id, {}).get("notification"))
    duplicate_sms = sum(max(0, texts[i] - 1 - reminded[i]) for i in ids)
    duplicate_notices = sum(max(0, notices[i] - 1) for i in ids)
    late = sum(1 for r in results if r.late)
    latencies = sorted(r.sms_seconds for r in results if r.sms_seconds is not None) or [float("nan")]
    waited = product.stack.gateway.turned_away - turned_away
    return Row(
        f"load: {flows} flows, {concurrency} at once",
        f"{lost} lost, {duplicate_sms} duplicate SMS, {duplicate_notices} duplicate notices; "
        f"{late} answers reached the stack after their window (told it timed out); "
        f"{flows / elapsed:.1f} flows/s; submit->SMS p50 {percentile(latencies, 50):.2f} s, "
        f"p95 {percentile(latencies, 95):.2f} s; {waited} asked to wait (503 + Retry-After); "
        f"floor: one flow alone {floor:.2f} s",
        passed=not problems,
        seconds=elapsed,
        problems=tuple(problems),
    )
