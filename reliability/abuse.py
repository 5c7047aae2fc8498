"""What an abuser would try, against the running product with its limits on:

- one reservation flooded with submits, each with a fresh Idempotency-Key (to text its partner again
  and again): no more requests and SMS than its limits allow, 429 after;
- one phone guessing reservations (to learn which exist): no more lookups than its limit, 429 after;
- the API called around the site (CloudFront; locally the gateway), as at API Gateway's own address:
  403, nothing touched;
- the link secret rotated twice: a link sent before the first rotation still works after it, and
  stops working once its secret is retired by the second.

Every refusal must be in the error shape with a Korean message; a 429 must say when to come back.
"""

from __future__ import annotations

import base64
import json
import time
import uuid
from collections import Counter
from collections.abc import Callable
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from definitions.routes import ROUTES
from local.api_events import api_event
from local.client import Reply, token_of
from reliability.product import Customer, Product, is_error_shape, new_tag
from reliability.report import Row
from runtime.adapters import dynamo_keys
from runtime.contract import METADATA, ORIGIN_HEADER, REQUEST_PREFIX
from runtime.domain.limits import kst_hour

WORKERS = 20


def _refusals(answers: list[Reply], code: str) -> list[str]:
    """What is wrong with the answers that should be 429 `code` with a Retry-After."""
    wrong = []
    for answer in answers:
        retry_after = answer.headers.get("retry-after", "")
        if answer.error_code != code or not is_error_shape(answer) or not retry_after.isdigit():
            wrong.append(
                f"{answer.status} {answer.error_code} retry-after={retry_after!r}: {str(answer.body)[:120]}"
            )
    return wrong


def _all_at_once(count: int, action: Callable[[int], Reply]) -> list[Reply]:
    with ThreadPoolExecutor(WORKERS) as pool:
        return list(pool.map(action, range(count)))


def check_reservation_flood(product: Product, *, submits: int = 200) -> Row:
    """`submits` submits for one reservation, fresh keys, WORKERS at once, while its partner answers
    nothing: as many requests as the open limit, one SMS each, 429 for the rest. Then the partner
    answers each SMS and the customer keeps asking: the day's limit, then 429 until KST midnight."""
    started = time.perf_counter()
    tag = new_tag("flood")
    customer = product.new_customer()
    limits = product.stack.limits
    problems: list[str] = []

    burst = _all_at_once(submits, lambda _: product.submit(tag, customer=customer, patient=False))
    statuses = Counter(answer.status for answer in burst)
    created = [a.body["requestId"] for a in burst if a.status == 201]
    if len(created) != limits.open_per_reservation or statuses[429] != submits - len(created):
        problems.append(f"the burst: {dict(statuses)}, expected {limits.open_per_reservation}×201 and 429s")
    problems += _refusals([a for a in burst if a.status != 201], "TOO_MANY_OPEN_REQUESTS")
    texted = _wait_for_texts(product, created)
    if texted != len(created):
        problems.append(f"{texted} SMS for {len(created)} requests")

    # The partner answers each SMS; every told request frees its place, until the day is full.
    day_refusal, created = _ask_through_the_day(product, tag, customer, created, problems)
    sms = sum(product.links_texted(request_id) for request_id in created)
    if len(created) != limits.requests_per_reservation_per_day or sms != len(created):
        problems.append(f"the day: {len(created)} requests and {sms} SMS, expected the day's limit")
    if day_refusal is None:
        problems.append("no 429 once the day's limit was reached")
    else:
        problems += _refusals([day_refusal], "DAILY_LIMIT_REACHED")
    stored = len(product.requests_tagged(tag))
    if stored != len(created):
        problems.append(f"{stored} requests stored, {len(created)} accepted")
    for request_id in created:
        product.wait_told(request_id, timeout=product.partner_timeout + 60)
    return Row(
        f"limits: {submits} submits for one reservation, fresh keys",
        f"{statuses[201]}×201, {statuses[429]}×429 at once ({len(burst)} sent); answered, then asked again: "
        f"{len(created)} requests, {sms} SMS in the KST day, then 429 (Retry-After "
        f"{day_refusal.headers.get('retry-after', '?') if day_refusal else '?'} s)",
        passed=not problems,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )


def _ask_through_the_day(
    product: Product, tag: str, customer: Customer, created: list[str], problems: list[str]
) -> tuple[Reply | None, list[str]]:
    """Reply every open request's link, ask again whenever a place frees, until the day's 429."""
    created = list(created)
    answered: set[str] = set()
    deadline = time.monotonic() + 10 * (product.partner_timeout + 30)
    while time.monotonic() < deadline:
        for request_id in created:
            if request_id not in answered:
                sms = product.wait_for_sms(request_id, timeout=product.partner_timeout + 30)
                reply = product.answer(token_of(sms.link), "accept")
                if reply.status != 200:
                    problems.append(f"{request_id}: the partner's answer got {reply.status}")
                answered.add(request_id)
        asked = product.submit(tag, customer=customer, patient=False)
        if asked.status == 201:
            created.append(asked.body["requestId"])
        elif asked.error_code == "DAILY_LIMIT_REACHED":
            return asked, created
        elif asked.error_code == "TOO_MANY_OPEN_REQUESTS":
            time.sleep(0.2)  # a place frees when its request's customer is told
        else:
            problems.append(f"asking again: {asked.status} {asked.body}")
            return None, created
    problems.append("the day's limit was not reached in time")
    return None, created


def _wait_for_texts(product: Product, request_ids: list[str]) -> int:
    texted = 0
    for request_id in request_ids:
        try:
            product.wait_for_sms(request_id, timeout=product.partner_timeout + 30)
            texted += 1
        except TimeoutError:
            continue
    time.sleep(1.0)  # anything sent twice would arrive meanwhile
    return sum(product.links_texted(request_id) for request_id in request_ids) if texted else 0


def check_wrong_phone_guesses(product: Product, *, guesses: int = 100) -> Row:
    """One phone tries `guesses` real reservation numbers (not its own), WORKERS at once: no more
    lookups than the limit in any hour, 429 for the rest, nothing texted to any of their partners."""
    started = time.perf_counter()
    tag = new_tag("guesses")
    guesser = product.new_customer()
    targets = product.new_customers(guesses)
    limit = product.stack.limits.unmatched_per_phone_per_hour
    problems: list[str] = []
    sent_before = len(product.stack.aws.outbox.messages())

    answers = _all_at_once(
        guesses,
        lambda n: product.submit(
            tag, customer=Customer(targets[n].reservation_number, guesser.phone), patient=False
        ),
    )
    statuses = Counter(answer.status for answer in answers)
    accepted = [a.body["requestId"] for a in answers if a.status == 201]
    problems += _refusals([a for a in answers if a.status != 201], "TOO_MANY_LOOKUPS")
    finals = [product.wait_told(request_id, timeout=product.partner_timeout + 60) for request_id in accepted]
    if any(final["status"] != "Failed" for final in finals):
        problems.append(f"a guess was matched: {[final['status'] for final in finals]}")
    per_hour = Counter(kst_hour(datetime.fromisoformat(final["createdAt"])).label for final in finals)
    if not per_hour or any(count > limit for count in per_hour.values()):
        problems.append(f"lookups per hour: {dict(per_hour)}, limit {limit}")
    if len(per_hour) == 1 and len(accepted) != limit:  # the burst did not straddle an hour
        problems.append(f"{len(accepted)} guesses looked up, expected {limit}")
    texted = len(product.stack.aws.outbox.messages()) - sent_before
    if texted:
        problems.append(f"{texted} SMS sent while guessing")
    return Row(
        f"limits: {guesses} wrong-phone guesses from one phone",
        f"{statuses[201]}×201 (each ended Failed, told the same as a typo), {statuses[429]}×429; "
        f"{texted} SMS",
        passed=not problems,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )


def check_around_the_site(product: Product) -> Row:
    """Every API route called as at API Gateway's own address (no origin header, or a guessed one):
    403 in the error shape, before anything is read or written. Through the site, a client's own
    origin header is replaced, so nobody can forge or spoil it."""
    started = time.perf_counter()
    deployment = product.stack.deployment
    assert deployment is not None
    problems: list[str] = []
    before = _created_by_a_submit(product)
    results: Counter[int] = Counter()
    for route in ROUTES:
        parameters = {name: "a" * 28 for name in route.path_parameters}
        path = route.path.format(**parameters)
        for headers in ({}, {ORIGIN_HEADER: "origin-secret-of-the-recorded-stack"}, {ORIGIN_HEADER: ""}):
            event = api_event(
                route,
                path=path,
                parameters=parameters,
                headers={"Content-Type": "application/json", **headers},
                body=b'{"customerPhone": "010-0000-1001"}' if route.method == "POST" else b"",
                source_ip="203.0.113.9",
            )
            invoked = product.stack.aws.dispatcher.invoke(deployment.function_names[route.function], event)
            answer = _as_answer(invoked.payload)
            results[answer.status] += 1
            if answer.status != 403 or answer.error_code != "FORBIDDEN" or not is_error_shape(answer):
                problems.append(f"{route.key} {headers}: {answer.status} {str(answer.body)[:120]}")
    if added := _created_by_a_submit(product) - before:
        problems.append(f"stored by calls around the site: {sorted(added)[:5]}")
    customer = product.new_customer()
    body = {
        "customerId": new_tag("own-origin-header"),
        "reservationNumber": customer.reservation_number,
        "customerPhone": customer.phone,
        "message": "조식을 추가하고 싶어요",
    }
    own = {ORIGIN_HEADER: "a-clients-guess", "Idempotency-Key": f"origin-{uuid.uuid4().hex}"}
    submitted = product.call("POST", "/api/chat", json=body, headers=own)
    request_id = submitted.body.get("requestId", "") if isinstance(submitted.body, dict) else ""
    through = product.call("GET", f"/api/requests/{request_id}", headers={ORIGIN_HEADER: "a-clients-guess"})
    if submitted.status != 201 or through.status != 200:
        problems.append(f"through the site with a client's own header: {submitted.status}, {through.status}")
    elif request_id:
        product.wait_told(request_id, timeout=product.partner_timeout + 60)
    return Row(
        "origin: every route called around the site",
        f"{sum(results.values())} calls on {len(ROUTES)} routes: "
        + ", ".join(f"{n}×{status}" for status, n in sorted(results.items()))
        + f"; through the site, with a client's own header (replaced): {submitted.status}, {through.status}",
        passed=not problems,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )


def _created_by_a_submit(product: Product) -> set[tuple[str, str]]:
    """The keys of the items only a submit that got through creates: requests and idempotency keys.
    (Other checks' flows still run meanwhile: their events and updates are no sign of a breach.)"""
    return {
        (item["PK"], item["SK"])
        for item in product.items()
        if (item["PK"].startswith(REQUEST_PREFIX) and item["SK"] == METADATA)
        or item["PK"].startswith(dynamo_keys.idempotency_key("")[dynamo_keys.PK])
    }


def _as_answer(payload: Any) -> Reply:
    headers = {name.lower(): value for name, value in (payload.get("headers") or {}).items()}
    try:
        body = json.loads(payload.get("body") or "")
    except ValueError:
        body = payload.get("body")
    return Reply(int(payload.get("statusCode", 0)), body, headers.get("content-type", ""), headers)


def check_rotation(product: Product) -> Row:
    """A link texted before a rotation opens after it; after a second rotation retires its secret
    (and the functions' copies are older than their cache period), it is refused."""
    started = time.perf_counter()
    tag = new_tag("rotation")
    problems: list[str] = []
    cache = product.stack.link_secret_cache_seconds
    before = _texted_link(product, tag)
    product.rotate_link_secret()
    time.sleep(cache + 0.5)
    first = product.open_link(before)
    after = _texted_link(product, tag)
    opened_after = product.open_link(after)
    product.rotate_link_secret()
    time.sleep(cache + 0.5)
    retired = product.open_link(before)
    answered_retired = product.answer(before)
    still = product.answer(after)
    if first.status != 200:
        problems.append(f"the link from before the rotation: {first.status} {first.body}")
    if opened_after.status != 200 or _key_id(after) != (_key_id(before) + 1) % 16:
        problems.append(
            f"the link from after: {opened_after.status}, key {_key_id(before)} -> {_key_id(after)}"
        )
    if (retired.status, retired.error_code, answered_retired.status) != (401, "LINK_INVALID", 401):
        problems.append(
            f"the retired link: open {retired.status} {retired.error_code}, answer {answered_retired.status}"
        )
    if still.status != 200:
        problems.append(f"the link of the previous secret: {still.status} {still.body}")
    return Row(
        "rotation: a link across two rotations of its secret",
        f"after one: {first.status}; after two: {retired.status} {retired.error_code}; "
        f"a link of the previous secret: {still.status}",
        passed=not problems,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )


def _texted_link(product: Product, tag: str) -> str:
    submitted = product.submit(tag)
    if submitted.status != 201:
        raise AssertionError(f"submit: {submitted.status} {submitted.body}")
    return token_of(product.wait_for_sms(submitted.body["requestId"], timeout=60).link)


def _key_id(token: str) -> int:
    return base64.urlsafe_b64decode(token + "=" * (-len(token) % 4))[0] >> 4
