"""The crash matrix: a function's invocation killed right after each of its AWS calls, and calls that
succeed while their answer is lost; with flows running, nothing may be lost.

Each point arms its faults (see `local.faults`), runs a few complete flows with clients that behave
like the product's pages (a customer sends the same Idempotency-Key again after a 5xx; a partner
answers again after a 5xx), then waits as long as the product promises: every request must be told by
its due time plus the sweeper's period plus a minute. Per point:
- every request ends in a terminal status with exactly one customer message;
- every answer the partner saw accepted (200) is the answer the customer is told;
- an SMS is sent twice only where SMS is inherently at-least-once (the message went out, the record
  of it did not), and those are counted and named;
- no SMS has more than one delivery outcome on its request's timeline (a report handled twice, after
  a crash, is the same entry), and a partner who could not be texted ends the request Failed
  (SmsUndeliverable), told once;
- the fault fired (a point that killed nothing tested nothing).
Where the partner proposes another time, the customer decides on it (or lets it lapse) and, per
request, the proposal ends as decided (a decision the customer saw accepted, or a lapse) and the
partner is told of it exactly once (PartnerTold once; one SMS, or two where the SMS went out and its
record did not).
"""

from __future__ import annotations

import time
import uuid
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta
from typing import Any

import attrs

from local.client import token_of
from local.fault_injection import CONVERSE
from local.faults import Target
from reliability.product import QUESTIONS, Product, new_tag
from reliability.report import Row
from runtime.contract import Function

DYNAMODB_WRITE = "dynamodb.TransactWriteItems"
QUERY = "dynamodb.Query"
START = "sfn.StartExecution"
RESUME = "sfn.SendTaskSuccess"
FAIL = "sfn.SendTaskFailure"
SEND_SMS = "pinpoint-sms-voice-v2.SendTextMessage"
UPDATE = "dynamodb.UpdateItem"
ANSWERS = ("accept", "reject")
# A killed function's client tries again this often (the page's "send again", a partner's second tap).
CLIENT_ATTEMPTS = 5


def crash(
    function: Function, operation: str, *, occurrence: int = 1, times: int | None = 3
) -> dict[str, Any]:
    mode = {"mode": "transient", "times": times} if times else {"mode": "permanent"}
    return {
        "target": str(Target.CRASH),
        "function": str(function),
        "operation": operation,
        "occurrence": occurrence,
        **mode,
    }


def lost(function: Function, operation: str, *, times: int = 3) -> dict[str, Any]:
    return {
        "target": str(Target.LOST_RESPONSE),
        "function": str(function),
        "operation": operation,
        "mode": "transient",
        "times": times,
    }


@attrs.frozen
class Point:
    name: str
    faults: tuple[dict[str, Any], ...]
    # "answer", "open" (open the page, then answer), "propose", "silent", or "unreachable" (the
    # partner's phone cannot receive SMS).
    partner: str = "answer"
    # After a proposed time: the customer accepts it ("decide") or lets it lapse ("silent").
    customer: str = "decide"
    sms_at_least_once: bool = False  # the SMS went out and its record did not: a second SMS is inherent
    # The fault is in the delivery outcome's path, which runs on the carrier's time: wait for it.
    settles: bool = False


POINTS: tuple[Point, ...] = (
    Point("chat after its write", (crash(Function.CHAT, DYNAMODB_WRITE),)),
    Point("chat write, answer lost", (lost(Function.CHAT, DYNAMODB_WRITE),)),
    Point("orchestrator after the reservation lookup", (crash(Function.ORCHESTRATOR, QUERY),)),
    Point("orchestrator after StartExecution", (crash(Function.ORCHESTRATOR, START),)),
    Point("orchestrator StartExecution, answer lost", (lost(Function.ORCHESTRATOR, START),)),
    Point("sms-sender after the token write", (crash(Function.SMS_SENDER, DYNAMODB_WRITE),)),
    Point("sms-sender token write, answer lost", (lost(Function.SMS_SENDER, DYNAMODB_WRITE),)),
    Point(
        "sms-sender after SendTextMessage",
        (crash(Function.SMS_SENDER, SEND_SMS),),
        sms_at_least_once=True,
    ),
    Point(
        "sms-sender SendTextMessage, answer lost",
        (lost(Function.SMS_SENDER, SEND_SMS),),
        sms_at_least_once=True,
    ),
    Point(
        "sms-sender after the SMSSent write",
        (crash(Function.SMS_SENDER, DYNAMODB_WRITE, occurrence=2),),
        sms_at_least_once=True,
    ),
    Point(
        "partner page after the Opened write", (crash(Function.PARTNER_PAGE, DYNAMODB_WRITE),), partner="open"
    ),
    Point("answer after its write", (crash(Function.PARTNER_PAGE, DYNAMODB_WRITE),)),
    Point("answer write, answer lost", (lost(Function.PARTNER_PAGE, DYNAMODB_WRITE),)),
    Point("resumer after SendTaskSuccess", (crash(Function.RESUMER, RESUME),)),
    Point("resumer SendTaskSuccess, answer lost", (lost(Function.RESUMER, RESUME),)),
    Point("timeout after its write", (crash(Function.TIMEOUT, DYNAMODB_WRITE),), partner="silent"),
    Point(
        "failure after its write",
        ({"target": "sms", "mode": "permanent"}, crash(Function.FAILURE, DYNAMODB_WRITE)),
        partner="silent",
    ),
    Point(
        "delivery report after its write: redelivered",
        (crash(Function.SMS_DELIVERY, DYNAMODB_WRITE),),
        settles=True,
    ),
    Point(
        "undeliverable link after the close: redelivered",
        (crash(Function.SMS_DELIVERY, DYNAMODB_WRITE, occurrence=2),),
        partner="unreachable",
        settles=True,
    ),
    Point("resumer after failing the wait", (crash(Function.RESUMER, FAIL),), partner="unreachable"),
    Point("notification after the model", (crash(Function.NOTIFICATION, CONVERSE),)),
    Point("notification after its write", (crash(Function.NOTIFICATION, DYNAMODB_WRITE),)),
    Point("notification write, answer lost", (lost(Function.NOTIFICATION, DYNAMODB_WRITE),)),
    # A proposed time: the decision's hand-off to the waiting workflow, then the partner told once.
    Point("decision after its write", (crash(Function.DECISION, DYNAMODB_WRITE),), partner="propose"),
    Point("decision write, answer lost", (lost(Function.DECISION, DYNAMODB_WRITE),), partner="propose"),
    Point(
        "resumer after the decision's SendTaskSuccess",
        (crash(Function.RESUMER, RESUME, times=4),),
        partner="propose",
    ),
    Point(
        "decision wait after keeping its token", (crash(Function.DECISION_WAITER, UPDATE),), partner="propose"
    ),
    Point(
        "partner-teller after SendTextMessage",
        (crash(Function.PARTNER_TELLER, SEND_SMS),),
        partner="propose",
        sms_at_least_once=True,
    ),
    Point(
        "partner-teller after its write", (crash(Function.PARTNER_TELLER, DYNAMODB_WRITE),), partner="propose"
    ),
    Point(
        "lapse after its write",
        (crash(Function.PROPOSAL_LAPSER, DYNAMODB_WRITE),),
        partner="propose",
        customer="silent",
    ),
    Point(
        "every notification dies: the sweeper tells",
        (crash(Function.NOTIFICATION, CONVERSE, times=None),),
    ),
    Point(
        "every start dies, dead-lettered: the sweeper ends it (and dies once after its write)",
        (crash(Function.ORCHESTRATOR, QUERY, times=None), crash(Function.SWEEPER, DYNAMODB_WRITE, times=1)),
        partner="silent",
    ),
)


@attrs.define
class Outcome:
    request_id: str = ""
    answered: str | None = None  # the answer the partner saw accepted (200)
    problems: list[str] = attrs.field(factory=list)
    reservation_number: str = ""
    customer_token: str = ""
    decided: bool = False  # the customer's decision was recorded (200, or 409 after a lost answer)


def _customer(product: Product, tag: str, point: Point) -> Outcome:
    key = f"{tag}-{uuid.uuid4().hex}"
    question = QUESTIONS[0]  # the same question with the same key: the page's "send again"
    customer = (
        product.new_unreachable_customer() if point.partner == "unreachable" else product.new_customer()
    )
    for _ in range(CLIENT_ATTEMPTS):
        submitted = product.submit(tag, key=key, question=question, customer=customer)
        if submitted.status == 201:
            return Outcome(
                request_id=submitted.body["requestId"],
                reservation_number=customer.reservation_number,
                customer_token=submitted.body.get("customerToken", ""),
            )
        if submitted.status < 500:
            return Outcome(problems=[f"submit answered {submitted.status} {submitted.body}"])
        time.sleep(1)
    return Outcome(problems=[f"submit kept answering {submitted.status}"])


def _partner(product: Product, outcome: Outcome, mode: str, answer: str) -> None:
    if mode in ("silent", "unreachable"):
        return
    try:
        sms = product.wait_for_sms(outcome.request_id, timeout=product.partner_timeout + 60)
    except TimeoutError as error:
        outcome.problems.append(str(error))
        return
    token = token_of(sms.link)
    if mode == "open":
        for _ in range(CLIENT_ATTEMPTS):
            if product.open_link(token).status < 500:
                break
            time.sleep(1)
    proposed = (datetime.now(UTC) + timedelta(days=2)).isoformat() if mode == "propose" else None
    if proposed:
        answer = "alternative"
    for _ in range(CLIENT_ATTEMPTS):
        answered = product.answer(token, answer, alternative_time=proposed)
        if answered.status == 200:
            outcome.answered = answer
            return
        if answered.status < 500:
            return  # 409: taken before (by this partner's earlier try, whose answer was lost)
        time.sleep(1)


def _decide(product: Product, outcome: Outcome) -> None:
    """The customer's page: once the message is there (with the buttons) and the workflow waits for
    the decision, accept; send again after a 5xx (a 409 then means it was taken)."""
    deadline = time.time() + product.partner_timeout + WAIT_ARMED_SECONDS
    while time.time() < deadline:
        item = product.request_item(outcome.request_id) or {}
        if item.get("notification") and item.get("decisionTaskToken"):
            break
        time.sleep(0.5)
    for _ in range(CLIENT_ATTEMPTS):
        decided = product.decide(outcome.request_id, outcome.customer_token, "accept")
        if decided.status == 200 or (decided.status == 409 and decided.error_code == "NO_PENDING_PROPOSAL"):
            outcome.decided = True
            return
        if decided.status < 500:
            outcome.problems.append(f"the decision answered {decided.status} {decided.body}")
            return
        time.sleep(1)


def _flow(product: Product, tag: str, point: Point, answer: str) -> Outcome:
    outcome = _customer(product, tag, point)
    if outcome.request_id:
        _partner(product, outcome, point.partner, answer)
    if outcome.answered == "alternative" and point.customer == "decide":
        _decide(product, outcome)
    return outcome


def _wait_until_told(product: Product, outcome: Outcome) -> dict[str, Any]:
    """The stored request once it is told, or as it is when its promised time has passed."""
    while True:
        item = product.request_item(outcome.request_id) or {}
        if item.get("notification") or not item:
            return item
        if time.time() > product.told_by(item):
            return item
        time.sleep(0.5)


def _wait_until_partner_told(product: Product, outcome: Outcome, item: dict[str, Any]) -> dict[str, Any]:
    """After a proposed time: the stored request once the partner was told, or as it is when the
    customer's window and the steps after it have passed."""
    deadline = time.time() + product.decision_timeout + NOTIFY_AFTER_DECISION_SECONDS
    while not item.get("partnerToldAt") and time.time() < deadline:
        time.sleep(0.5)
        item = product.request_item(outcome.request_id) or item
    return item


# From the partner's answer to the workflow's wait for the decision: the message and its retries.
WAIT_ARMED_SECONDS = 60
# From the end of the customer's window to the partner's SMS: the lapse and the SMS step's retries.
NOTIFY_AFTER_DECISION_SECONDS = 90


def _proposal_problems(
    product: Product, point: Point, outcome: Outcome, item: dict[str, Any]
) -> tuple[list[str], int]:
    proposal = item.get("proposal") or {}
    expected = "accepted" if outcome.decided else "lapsed"
    problems = []
    if proposal.get("state") != expected:
        problems.append(f"the proposal is {proposal.get('state')}, expected {expected}")
    events = [e["type"] for e in product.timeline(outcome.request_id)["events"]]
    if events.count("PartnerTold") != 1:
        problems.append(f"the partner told {events.count('PartnerTold')} times: {events}")
    texts = len(product.partner_told_texts(outcome.reservation_number))
    extra = max(0, texts - 1)
    if texts == 0 or (extra and not point.sms_at_least_once):
        problems.append(f"{texts} SMS telling the partner, 1 expected")
    return problems, extra


def _judge(product: Product, point: Point, outcome: Outcome, item: dict[str, Any]) -> tuple[list[str], int]:
    """What went wrong with one request, and how many SMS beyond one it got."""
    problems = list(outcome.problems)
    if not outcome.request_id:
        return problems, 0
    if not item.get("notification"):
        return [*problems, f"not told by its due time: still {item.get('status')}"], 0
    events = [e["type"] for e in product.timeline(outcome.request_id)["events"]]
    if events.count("Notified") != 1:
        problems.append(f"{events.count('Notified')} messages: {events}")
    if outcome.answered == "alternative":
        found, extra = _proposal_problems(product, point, outcome, item)
        problems += found
    else:
        extra = 0
    if outcome.answered:
        told = (
            item.get("status"),
            item["notification"].get("outcome"),
            item.get("response", {}).get("answer"),
        )
        if told != ("Responded", "responded", outcome.answered):
            problems.append(f"the partner's {outcome.answered} (200) was told as {told}")
    # One SMS, and one reminder with the same link if the partner was silent that long.
    expected = 1 + events.count("Reminded")
    sent = len(product.texts_for(outcome.request_id))
    extra += max(0, sent - expected)
    if sent > expected and not point.sms_at_least_once:
        problems.append(f"{sent} SMS sent, {expected} expected")
    reports = [e for e in events if e in ("Delivered", "Undeliverable")]
    # The partner told of a decision got one more SMS (without a link), reported too.
    reported = sent + events.count("PartnerTold")
    # A point where SMS go out at least once may send (and have reported) one more: counted as extra.
    if len(reports) > reported and not point.sms_at_least_once:
        problems.append(f"{len(reports)} delivery reports for {reported} SMS: {events}")
    if point.partner == "unreachable":
        ended = (item.get("status"), item.get("failureReason"), "Undeliverable" in reports)
        if ended != ("Failed", "SmsUndeliverable", True):
            problems.append(f"an unreachable partner ended as {ended}: {events}")
    return problems, extra


def check_crash_point(product: Product, point: Point, *, flows: int = 3) -> Row:
    started = time.perf_counter()
    tag = new_tag("crash")
    before = product.injected(Target.CRASH) + product.injected(Target.LOST_RESPONSE)
    product.set_faults(*point.faults)
    try:
        with ThreadPoolExecutor(flows) as pool:
            outcomes = list(pool.map(lambda n: _flow(product, tag, point, ANSWERS[n % 2]), range(flows)))
        stored = [_wait_until_told(product, outcome) for outcome in outcomes]
        if point.partner == "propose":
            stored = [
                _wait_until_partner_told(product, outcome, item) if outcome.request_id else item
                for outcome, item in zip(outcomes, stored, strict=True)
            ]
        if point.settles:
            product.settle()
        fired = product.injected(Target.CRASH) + product.injected(Target.LOST_RESPONSE) - before
    finally:
        product.clear_faults()
    problems: list[str] = []
    duplicates = 0
    for outcome, item in zip(outcomes, stored, strict=True):
        found, extra = _judge(product, point, outcome, item)
        problems += [f"{outcome.request_id or '-'}: {problem}" for problem in found]
        duplicates += extra
    if fired == 0:
        problems.append("the fault never fired: this point tested nothing")
    answered = sum(1 for outcome in outcomes if outcome.answered)
    told = sum(1 for item in stored if item.get("notification"))
    figure = f"{fired} fired; {told}/{flows} told once; {answered} answers (200) reflected"
    if point.sms_at_least_once:
        figure += f"; {duplicates} duplicate SMS (at least once)"
    return Row(
        f"crash: {point.name}",
        figure,
        passed=not problems,
        seconds=time.perf_counter() - started,
        problems=tuple(problems),
    )


def check_crash_matrix(product: Product, *, flows: int = 3, points: Sequence[Point] = POINTS) -> list[Row]:
    return [check_crash_point(product, point, flows=flows) for point in points]
