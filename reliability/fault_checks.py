"""Each dependency failing, for a while (transient) and for good (permanent), one flow at a time.

Whatever fails, every request must end in exactly one terminal status with exactly one customer
message. A transient fault must not reach the customer: the submit is accepted and the request
ends Responded once the partner answers. Permanent faults end as the design says:

| fault | transient | permanent |
|---|---|---|
| Lex | default intent, flagged fallback | the same, for every request |
| Bedrock | template message, then the model again | template message |
| SMS SendTextMessage | botocore, then the workflow, retry | Failed, no SMS, customer told |
| DynamoDB (throttling) | botocore's retries absorb it | chat answers 503, nothing stored |
| SendTaskSuccess | partner gets 200; the stream retries | the wait ends; the customer is told the answer |

Faults are cleared after every check, passed or not.
"""

from __future__ import annotations

import contextlib
import time
from collections.abc import Callable, Iterator
from typing import Any

from local.client import token_of
from local.faults import Mode, Target
from reliability.product import Product, is_error_shape, new_tag
from reliability.report import Row
from runtime.contract import Function

TRANSIENT, PERMANENT = str(Mode.TRANSIENT), str(Mode.PERMANENT)


@contextlib.contextmanager
def fault(
    product: Product, target: Target, mode: str, *, times: int | None = None, function: str | None = None
) -> Iterator[None]:
    product.set_fault(target, mode, times=times, function=function)
    try:
        yield
    finally:
        product.clear_faults()


class Flow:
    """One request followed through, with what went wrong noted rather than raised."""

    def __init__(self, product: Product, tag: str) -> None:
        self.product = product
        self.tag = tag
        self.problems: list[str] = []
        self.request_id = ""
        self.final: dict[str, Any] = {}

    def submit(self, *, expect: int = 201, **options: Any) -> Flow:
        submitted = self.product.submit(self.tag, **options)
        if submitted.status != expect:
            self.problems.append(f"submit answered {submitted.status} {submitted.body}")
        self.request_id = submitted.body.get("requestId", "") if isinstance(submitted.body, dict) else ""
        return self

    def token(self) -> str:
        return token_of(self.product.wait_for_sms(self.request_id, timeout=60).link)

    def answer(self, *, expect: tuple[int, ...] = (200,)) -> Flow:
        token = self.token()
        for status in expect:
            answered = self.product.answer(token)
            if answered.status != status or (status >= 400 and not is_error_shape(answered)):
                self.problems.append(f"answer gave {answered.status} {answered.body}, expected {status}")
        return self

    def told(self, *, status: str, texts: int = 1, timeout: float = 60) -> Flow:
        self.final = self.product.wait_told(self.request_id, timeout=timeout)
        events = [event["type"] for event in self.final["events"]]
        sent = self.product.links_texted(self.request_id)
        if self.final["status"] != status:
            self.problems.append(f"ended {self.final['status']}, expected {status}: {events}")
        if events.count("Notified") != 1:
            self.problems.append(f"{events.count('Notified')} notifications: {events}")
        if sent != texts:
            self.problems.append(f"{sent} links texted, expected {texts}")
        return self

    def stored(self, name: str) -> Any:
        item = self.product.request_item(self.request_id) or {}
        value: Any = item
        for part in name.split("."):
            value = value.get(part) if isinstance(value, dict) else None
        return value

    def expect(self, name: str, actual: Any, expected: Any) -> None:
        if actual != expected:
            self.problems.append(f"{name} is {actual!r}, expected {expected!r}")


def _row(name: str, figure: str, flows: list[Flow], started: float, *extra: str) -> Row:
    problems = [*extra, *(f"{flow.request_id}: {p}" for flow in flows for p in flow.problems)]
    return Row(name, figure, not problems, time.perf_counter() - started, tuple(problems))


def lex_transient(product: Product) -> Row:
    started = time.perf_counter()
    with fault(product, Target.LEX, TRANSIENT, times=1):
        first = Flow(product, new_tag("lex-t")).submit()
        second = Flow(product, first.tag).submit()
    for flow, source in ((first, "fallback"), (second, "local")):
        flow.answer().told(status="Responded")
        flow.expect("intentSource", flow.stored("intentSource"), source)
    figure = "1 failure: intent fallback, then local; 2× Responded, 1 SMS + 1 notice each"
    return _row("fault: Lex transient", figure, [first, second], started)


def lex_permanent(product: Product) -> Row:
    started = time.perf_counter()
    with fault(product, Target.LEX, PERMANENT):
        flows = [Flow(product, new_tag("lex-p")).submit() for _ in range(2)]
        for flow in flows:
            flow.answer().told(status="Responded")
            flow.expect("intentSource", flow.stored("intentSource"), "fallback")
        injected = product.injected(Target.LEX)
    figure = f"{injected} failures: intent fallback ×2; 2× Responded, 1 SMS + 1 notice each"
    return _row("fault: Lex permanent", figure, flows, started)


def bedrock_transient(product: Product) -> Row:
    started = time.perf_counter()
    with fault(product, Target.BEDROCK, TRANSIENT, times=1):
        flows = [Flow(product, new_tag("bedrock-t")).submit().answer().told(status="Responded") for _ in "ab"]
    for flow, source in zip(flows, ("template", "bedrock"), strict=True):
        flow.expect("notification source", flow.stored("notification.source"), source)
    figure = "1 failure: template message, then the model; 2× Responded, 1 notice each"
    return _row("fault: Bedrock transient", figure, flows, started)


def bedrock_permanent(product: Product) -> Row:
    started = time.perf_counter()
    with fault(product, Target.BEDROCK, PERMANENT):
        flow = Flow(product, new_tag("bedrock-p")).submit().answer().told(status="Responded")
        injected = product.injected(Target.BEDROCK)
    flow.expect("notification source", flow.stored("notification.source"), "template")
    figure = f"{injected} failure: template message; Responded, 1 notice"
    return _row("fault: Bedrock permanent", figure, [flow], started)


def sms_transient(product: Product) -> Row:
    started = time.perf_counter()
    # Four failed attempts: all three of the first invocation, so the workflow's retry is needed too.
    with fault(product, Target.SMS, TRANSIENT, times=4):
        flow = Flow(product, new_tag("sms-t")).submit()
        token = flow.token()
        injected = product.injected(Target.SMS)
    flow.product.answer(token)
    flow.told(status="Responded")
    figure = f"{injected} failed attempts, workflow retried: Responded, 1 SMS, 1 notice"
    return _row("fault: SMS transient", figure, [flow], started)


def sms_permanent(product: Product) -> Row:
    started = time.perf_counter()
    with fault(product, Target.SMS, PERMANENT):
        flow = Flow(product, new_tag("sms-p")).submit().told(status="Failed", texts=0, timeout=90)
        injected = product.injected(Target.SMS)
    events = [event["type"] for event in flow.final.get("events", [])]
    flow.expect("events", events, ["Created", "Failed", "Notified"])
    figure = f"{injected} failed attempts: Failed, 0 SMS, 1 notice"
    return _row("fault: SMS permanent", figure, [flow], started)


def dynamodb_transient(product: Product) -> Row:
    started = time.perf_counter()
    with fault(product, Target.DYNAMODB, TRANSIENT, times=2, function=Function.CHAT):
        chat = Flow(product, new_tag("ddb-t")).submit()
        absorbed = product.injected(Target.DYNAMODB)
    chat.answer().told(status="Responded")
    # Three throttled attempts in the SMS task: its first invocation fails, the workflow retries.
    with fault(product, Target.DYNAMODB, TRANSIENT, times=3, function=Function.SMS_SENDER):
        workflow = Flow(product, chat.tag).submit()
        token = workflow.token()
        retried = product.injected(Target.DYNAMODB)
    product.answer(token)
    workflow.told(status="Responded")
    figure = (
        f"chat: {absorbed} throttles absorbed, 201; SMS task: {retried} throttles, workflow retried; "
        "2× Responded, 1 SMS + 1 notice each"
    )
    return _row("fault: DynamoDB transient", figure, [chat, workflow], started)


def dynamodb_permanent(product: Product) -> Row:
    started = time.perf_counter()
    tag = new_tag("ddb-p")
    key = f"{tag}-key"
    customer = product.new_customer()  # the retry is the same submit: same customer, same key
    with fault(product, Target.DYNAMODB, PERMANENT, function=Function.CHAT):
        refused = product.submit(tag, key=key, customer=customer)
    extra = []
    if refused.status != 503 or refused.error_code != "SERVICE_UNAVAILABLE" or not is_error_shape(refused):
        extra.append(f"submit under throttling answered {refused.status} {refused.body}")
    stored = len(product.requests_tagged(tag))
    remembered = product.idempotency_record_exists(key)
    if stored or remembered:
        extra.append(f"half-written: {stored} requests, idempotency record kept: {remembered}")
    retry = Flow(product, tag).submit(key=key, customer=customer).answer().told(status="Responded")
    figure = f"{refused.status} in the error shape, {stored} stored; the retry after: 201, Responded"
    return _row("fault: DynamoDB permanent (chat)", figure, [retry], started, *extra)


def send_task_success_transient(product: Product) -> Row:
    started = time.perf_counter()
    flow = Flow(product, new_tag("sts-t")).submit()
    token = flow.token()
    before = product.attempts(Target.SEND_TASK_SUCCESS)
    # Six failed attempts: two whole calls of the resumer, so the stream has to retry the hand-off.
    with fault(product, Target.SEND_TASK_SUCCESS, TRANSIENT, times=6):
        answered = product.answer(token)
        flow.told(status="Responded", timeout=product.partner_timeout + 60)
    attempts = product.attempts(Target.SEND_TASK_SUCCESS) - before
    extra = [] if answered.status == 200 else [f"answer: {answered.status} {answered.body}"]
    flow.expect("told outcome", flow.stored("notification.outcome"), "responded")
    figure = (
        f"partner: 200 at once; the stream retried the hand-off ({attempts} attempts); Responded, 1 notice"
    )
    return _row("fault: SendTaskSuccess transient", figure, [flow], started, *extra)


def send_task_success_permanent(product: Product) -> Row:
    started = time.perf_counter()
    flow = Flow(product, new_tag("sts-p")).submit()
    token = flow.token()
    with fault(product, Target.SEND_TASK_SUCCESS, PERMANENT):
        answered = product.answer(token)
        flow.told(status="Responded", timeout=product.partner_timeout + 60)
    late = product.answer(token)
    extra = [] if answered.status == 200 else [f"answer under the fault: {answered.status} {answered.body}"]
    if late.status != 409 or late.error_code != "LINK_USED":
        extra.append(f"second answer: {late.status} {late.body}")
    events = [event["type"] for event in flow.final.get("events", [])]
    flow.expect("a timeout on the timeline", "Timeout" in events, False)
    flow.expect("told outcome", flow.stored("notification.outcome"), "responded")
    figure = "partner: 200; the wait timed out, the customer was told the recorded answer; second answer 409"
    return _row("fault: SendTaskSuccess permanent", figure, [flow], started, *extra)


FAULT_CHECKS: tuple[Callable[[Product], Row], ...] = (
    lex_transient,
    lex_permanent,
    bedrock_transient,
    bedrock_permanent,
    sms_transient,
    sms_permanent,
    dynamodb_transient,
    dynamodb_permanent,
    send_task_success_transient,
    send_task_success_permanent,
)


def check_faults(product: Product) -> list[Row]:
    rows = []
    for check in FAULT_CHECKS:
        try:
            rows.append(check(product))
        except (AssertionError, TimeoutError) as error:
            product.clear_faults()
            rows.append(Row(f"fault: {check.__name__}", "did not finish", False, problems=(str(error),)))
    return rows
