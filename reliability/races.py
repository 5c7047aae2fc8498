"""Many hands at once: one partner link answered from N phones, one submit retried N times together.

Threads are released together by a barrier, each with its own HTTP connection to the gateway.
"""

from __future__ import annotations

import threading
import time
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from typing import TypeVar

from local.client import Reply, token_of
from local.faults import Target
from reliability.product import Product, is_error_shape, new_tag
from reliability.report import Row

T = TypeVar("T")


def all_at_once(count: int, action: Callable[[], T]) -> list[T]:
    barrier = threading.Barrier(count)

    def run() -> T:
        barrier.wait()
        return action()

    with ThreadPoolExecutor(count) as pool:
        futures = [pool.submit(run) for _ in range(count)]
        return [future.result() for future in futures]


def check_respond_race(product: Product, *, concurrency: int = 50) -> Row:
    started = time.perf_counter()
    tag = new_tag("race-respond")
    submitted = product.submit(tag)
    request_id = submitted.body["requestId"]
    token = token_of(product.wait_for_sms(request_id, timeout=60).link)
    product.open_link(token)
    before = product.calls(Target.SEND_TASK_SUCCESS)

    answers = all_at_once(concurrency, lambda: product.answer(token, "accept"))
    final = product.wait_told(request_id, timeout=60)
    completions = product.calls(Target.SEND_TASK_SUCCESS) - before

    statuses = Counter(answer.status for answer in answers)
    conflicts = [a for a in answers if a.status == 409]
    problems = []
    if statuses[200] != 1 or len(conflicts) != concurrency - 1:
        problems.append(f"answers: {dict(statuses)}")
    if not all(is_error_shape(a) for a in conflicts):
        problems.append("a 409 without the error shape")
    if completions != 1:
        problems.append(f"SendTaskSuccess called {completions} times")
    if final["status"] != "Responded" or _count(final, "Notified") != 1 or _count(final, "Responded") != 1:
        problems.append(f"final: {final['status']} {[e['type'] for e in final['events']]}")
    return Row(
        f"race: {concurrency} answers, one link",
        f"{statuses[200]}×200, {len(conflicts)}×409; SendTaskSuccess ×{completions}; "
        f"{final['status']}, {_count(final, 'Notified')} notification",
        passed=not problems,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )


def check_submit_race(product: Product, *, concurrency: int = 20) -> Row:
    started = time.perf_counter()
    tag = new_tag("race-submit")
    key = f"{tag}-retry"
    customer = product.new_customer()
    question = "조식을 추가하고 싶어요"

    answers: list[Reply] = all_at_once(
        concurrency, lambda: product.submit(tag, customer=customer, question=question, key=key)
    )
    request_ids = {a.body.get("requestId") for a in answers if a.status == 201}
    problems = []
    statuses = Counter(answer.status for answer in answers)
    if statuses[201] != concurrency or len(request_ids) != 1:
        problems.append(f"answers: {dict(statuses)}, request ids {sorted(map(str, request_ids))}")
    texts = stored = 0
    if len(request_ids) == 1:
        request_id = next(iter(request_ids))
        token = token_of(product.wait_for_sms(request_id, timeout=60).link)
        product.answer(token, "accept")
        product.wait_told(request_id, timeout=60)
        texts = product.links_texted(request_id)
    stored = len(product.requests_tagged(tag))
    if stored != 1 or texts != 1:
        problems.append(f"{stored} requests stored, {texts} SMS sent")
    return Row(
        f"race: {concurrency} submits, one Idempotency-Key",
        f"{statuses[201]}×201, {len(request_ids)} request id; {stored} request stored, {texts} SMS",
        passed=not problems,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )


def _count(timeline: dict, kind: str) -> int:
    return sum(1 for event in timeline["events"] if event["type"] == kind)
