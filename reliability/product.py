"""The running product as the checks see it: its HTTP API, its SMS outbox, its table and its faults.

Every check tags its requests with its own `customerId`, so it can find them in the table later
without confusing them with another check's. Every submit is for a reservation of its own, stored for
the run (local/reservations.py) with its own customer and partner phones, so the product's limits per
reservation and per phone hold as they would for real customers and never mix one check with another.
Partner links are matched to their request the way the server does it: the token's id names a
`TOKEN#` item holding the request id.
"""

from __future__ import annotations

import itertools
import threading
import time
import uuid
from collections import Counter
from collections.abc import Callable, Iterable, Iterator
from datetime import datetime
from typing import Any

import attrs

from local.client import ProductClient, Reply, token_of
from local.emulator import SAMPLE_RESERVATIONS, SentSms
from local.faults import Target
from local.gateway import FAULTS_PATH, LOCAL_WRITE_HEADERS
from local.reservations import store_reservations, unique_reservations
from local.stack import LocalStack
from runtime.adapters import dynamo_keys
from runtime.adapters.dynamo_converter import from_item
from runtime.adapters.dynamo_expressions import plain, typed
from runtime.adapters.dynamo_keys import PK, SK, link_key, request_key
from runtime.adapters.sample_data import read_reservations
from runtime.adapters.secrets_manager import read_keyring
from runtime.contract import METADATA, REQUEST_PREFIX
from runtime.domain.errors import IntentUnclear, LinkInvalid
from runtime.domain.link_token import Keyring, verify_link
from runtime.domain.model import Intent, LinkRecord
from runtime.domain.phone import mask_phone

BATCH_GET_MAX = 100  # keys per BatchGetItem
# Questions the local classifier reads as one of the product's intents (none is "unclear").
QUESTIONS = (
    "체크인 날짜를 하루 미룰 수 있을까요?",
    "객실 에어컨이 작동하지 않아요",
    "조식을 추가하고 싶어요",
    "픽업 시간을 바꾸고 싶어요",
    "주차권을 추가로 구매할 수 있나요",
    "유아용 침대 대여 부탁드립니다",
)
HTTP_TIMEOUT = 30.0
UNCLEAR = (422, IntentUnclear.code)


@attrs.frozen
class Customer:
    reservation_number: str
    phone: str
    # The phone the reservation's partner is texted on (each made reservation has a partner of its own).
    partner_phone: str = ""


@attrs.frozen
class Sms:
    link: str
    sent_at: datetime


def _link_in(body: str) -> str:
    """The partner link an SMS carries ("" for one without: a partner told of a decision)."""
    return next((word for word in body.split() if "/r/" in word), "")


def new_tag(prefix: str) -> str:
    """A customerId that marks one check's requests."""
    return f"{prefix}-{uuid.uuid4().hex[:12]}"


def is_error_shape(answer: Reply) -> bool:
    """`{"error": {"code": "...", "message": "<Korean>"}}` as JSON; an unclear intent (422
    INTENT_UNCLEAR), and only it, also carries `choices` beside `error`."""
    body = answer.body
    if not answer.content_type.startswith("application/json") or not isinstance(body, dict):
        return False
    error = body.get("error")
    if not isinstance(error, dict):
        return False
    code, message = error.get("code"), error.get("message")
    expected_keys = {"error", "choices"} if (answer.status, code) == UNCLEAR else {"error"}
    if set(body) != expected_keys or ("choices" in body and not _are_choices(body["choices"])):
        return False
    return (
        isinstance(code, str)
        and bool(code)
        and isinstance(message, str)
        and any("가" <= ch <= "힣" for ch in message)
    )


def _are_choices(choices: Any) -> bool:
    """Every intent once, each with its Korean label."""
    if not isinstance(choices, list) or not all(
        isinstance(c, dict) and set(c) == {"intent", "label"} for c in choices
    ):
        return False
    return sorted(c["intent"] for c in choices) == sorted(str(i) for i in Intent) and all(
        isinstance(c["label"], str) and any("가" <= ch <= "힣" for ch in c["label"]) for c in choices
    )


class Product:
    def __init__(self, stack: LocalStack) -> None:
        assert stack.deployment is not None, "start the stack first"
        self.stack = stack
        self.url = stack.url
        self.partner_timeout = stack.partner_timeout_seconds
        self.decision_timeout = stack.customer_decision_seconds
        self.table = stack.deployment.table_name
        self._deployment = stack.deployment
        self._dynamodb = stack.aws.client("dynamodb")
        self.api = ProductClient(stack.url, timeout=HTTP_TIMEOUT)
        # The SMS stand-in calls the listener as it accepts a message: it only appends, so it never
        # waits for the table lookups that match messages to requests (those hold the other lock).
        self._sms: list[SentSms] = list(stack.aws.outbox.messages())
        self._sms_arrived = threading.Condition(threading.Lock())
        self._sms_by_request: dict[str, list[Sms]] = {}
        self._links_by_phone: dict[str, list[Sms]] = {}
        self._resolved = 0
        self._resolving = threading.Lock()
        stack.aws.outbox.listeners.append(self._on_sms)
        self._sample = read_reservations(SAMPLE_RESERVATIONS)[0]
        self._questions = itertools.cycle(QUESTIONS)
        self._keys: Keyring | None = None

    # --- HTTP --------------------------------------------------------------------------------

    def call(self, method: str, path: str, *, patient: bool = True, **options: Any) -> Reply:
        return self.api.call(method, path, patient=patient, **options)

    def new_customers(self, count: int) -> list[Customer]:
        """Customers of reservations made for this run, one each (stored in the table first)."""
        made = unique_reservations(self._sample, count, letters="REL")
        store_reservations(self._dynamodb, self.table, made)
        return [Customer(r.reservation_number, r.customer_phone, r.partner_phone) for r in made]

    def new_customer(self) -> Customer:
        return self.new_customers(1)[0]

    def new_unreachable_customer(self) -> Customer:
        """A customer whose reservation's partner phone cannot receive SMS (the local SMS service
        reports every SMS to it undeliverable)."""
        [made] = unique_reservations(self._sample, 1, letters="UNR")
        self.stack.aws.sms.undeliverable_phones.add(made.partner_phone)
        store_reservations(self._dynamodb, self.table, [made])
        return Customer(made.reservation_number, made.customer_phone, made.partner_phone)

    def settle(self, timeout: float = 60.0) -> None:
        """Until every SMS outcome was reported and handled and every hand-off delivered."""
        self.stack.aws.wait_idle(timeout)

    def submit(
        self,
        tag: str,
        *,
        customer: Customer | None = None,
        question: str | None = None,
        key: str | None = None,
        patient: bool = True,
    ) -> Reply:
        """`customer`: a new one (a reservation of its own) unless given."""
        customer = customer or self.new_customer()
        body = {
            "customerId": tag,
            "reservationNumber": customer.reservation_number,
            "customerPhone": customer.phone,
            "message": question or next(self._questions),
        }
        headers = {"Idempotency-Key": key or f"{tag}-{uuid.uuid4().hex}"}
        return self.call("POST", "/api/chat", json=body, headers=headers, patient=patient)

    def open_link(self, token: str) -> Reply:
        return self.call("GET", f"/api/confirm/{token}")

    def answer(self, token: str, response: str = "accept", *, alternative_time: str | None = None) -> Reply:
        body = {"token": token, "response": response}
        if alternative_time is not None:
            body["alternativeTime"] = alternative_time
        return self.call("POST", "/api/respond", json=body)

    def decide(self, request_id: str, customer_token: str, decision: str = "accept") -> Reply:
        """The customer's decision on a proposed time, with the token their submit returned."""
        return self.call(
            "POST",
            f"/api/requests/{request_id}/decision",
            json={"decision": decision},
            headers={"Authorization": f"Bearer {customer_token}"},
        )

    def partner_told_texts(self, reservation_number: str) -> list[str]:
        """The SMS without a link that name this reservation: what the partner was told of a decision."""
        with self._sms_arrived:
            texts = list(self._sms)
        return [sms.body for sms in texts if "/r/" not in sms.body and reservation_number in sms.body]

    def timeline(self, request_id: str) -> dict[str, Any]:
        found = self.call("GET", f"/api/requests/{request_id}")
        if found.status != 200:
            raise AssertionError(f"timeline of {request_id}: {found.status} {found.body}")
        return found.body

    def wait_told(self, request_id: str, *, timeout: float, interval: float = 0.2) -> dict[str, Any]:
        """Poll as the customer's page does until the customer's message is there."""
        deadline = time.monotonic() + timeout
        while True:
            found = self.timeline(request_id)
            if found.get("notification"):
                return found
            if time.monotonic() > deadline:
                raise TimeoutError(f"request {request_id} untold after {timeout:.0f} s: {found['status']}")
            time.sleep(interval)

    # --- the SMS outbox ----------------------------------------------------------------------

    def _on_sms(self, sms: SentSms) -> None:
        with self._sms_arrived:
            self._sms.append(sms)
            if link := _link_in(sms.body):
                self._links_by_phone.setdefault(sms.to, []).append(Sms(link, sms.sent_at))
            self._sms_arrived.notify_all()

    def wait_for_link_to(self, phone: str, *, timeout: float) -> Sms:
        """The first link texted to this phone, as its owner sees it arrive: no table read, so a
        hundred partners waiting at once do not wait for each other."""
        deadline = time.monotonic() + timeout
        with self._sms_arrived:
            while not (found := self._links_by_phone.get(phone)):
                remaining = deadline - time.monotonic()
                if remaining <= 0:
                    raise TimeoutError(f"no link texted to {mask_phone(phone)} within {timeout:.0f} s")
                self._sms_arrived.wait(min(remaining, 0.5))
            return found[0]

    def _resolve_new(self) -> None:
        """Match every SMS not yet matched to its request (called holding `_resolving`)."""
        with self._sms_arrived:
            arrived = self._sms[self._resolved :]
        for sms in arrived:
            self._resolved += 1
            link = _link_in(sms.body)
            request_id = self.request_of(token_of(link)) if link else None
            if request_id:
                self._sms_by_request.setdefault(request_id, []).append(Sms(link, sms.sent_at))

    def texts_for(self, request_id: str) -> list[Sms]:
        with self._resolving:
            self._resolve_new()
            return list(self._sms_by_request.get(request_id, []))

    def links_texted(self, request_id: str) -> int:
        """The links a request's partner was texted (a reminder repeats its link: not counted again)."""
        return len({sms.link for sms in self.texts_for(request_id)})

    def wait_for_sms(self, request_id: str, *, timeout: float) -> Sms:
        deadline = time.monotonic() + timeout
        while True:
            with self._resolving:
                self._resolve_new()
                if found := self._sms_by_request.get(request_id):
                    return found[0]
                seen = self._resolved
            remaining = deadline - time.monotonic()
            if remaining <= 0:
                raise TimeoutError(f"no SMS for {request_id} within {timeout:.0f} s")
            with self._sms_arrived:
                if len(self._sms) <= seen:
                    self._sms_arrived.wait(min(remaining, 0.5))

    def sms_counts(self) -> Counter[str]:
        with self._resolving:
            self._resolve_new()
            return Counter({request: len(texts) for request, texts in self._sms_by_request.items()})

    # --- the table and the link secret -------------------------------------------------------

    def request_of(self, token: str) -> str | None:
        try:
            claims = verify_link(self.link_keys().key, token, now=0)
        except LinkInvalid:
            try:  # signed after a rotation this driver has not seen yet
                claims = verify_link(self.link_keys(refresh=True).key, token, now=0)
            except LinkInvalid:
                return None
        item = self._dynamodb.get_item(TableName=self.table, Key=typed(link_key(claims.token_id))).get("Item")
        return from_item(plain(item), LinkRecord).request_id if item else None

    @property
    def sweep_period(self) -> float:
        return self.stack.aws.sweep_period_seconds

    def told_by(self, item: dict[str, Any]) -> float:
        """When the customer of this stored request must have been told at the latest (epoch seconds):
        its due time, then the sweeper's period, then a minute."""
        due = datetime.fromisoformat(str(item["dueAt"])).timestamp()
        return due + self.sweep_period + 60

    def request_item(self, request_id: str) -> dict[str, Any] | None:
        key = typed(request_key(request_id))
        item = self._dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        return plain(item) if item else None

    def items(self) -> Iterator[dict[str, Any]]:
        """Every item of the table, as plain values."""
        for page in self._dynamodb.get_paginator("scan").paginate(TableName=self.table):
            yield from (plain(item) for item in page["Items"])

    def read_again(self, items: Iterable[dict[str, Any]]) -> Iterator[dict[str, Any]]:
        """These items as they are now (consistent reads; an item deleted since is left out)."""
        wanted = [typed({PK: item[PK], SK: item[SK]}) for item in items]
        for start in range(0, len(wanted), BATCH_GET_MAX):
            batch = wanted[start : start + BATCH_GET_MAX]
            unread: dict[str, Any] = {self.table: {"Keys": batch, "ConsistentRead": True}}
            while unread:
                answer = self._dynamodb.batch_get_item(RequestItems=unread)
                yield from (plain(item) for item in answer["Responses"].get(self.table, ()))
                unread = answer.get("UnprocessedKeys") or {}

    def requests_tagged(self, tag: str) -> list[dict[str, Any]]:
        return [
            item
            for item in self.items()
            if item["SK"] == METADATA
            and item["PK"].startswith(REQUEST_PREFIX)
            and item.get("customerId") == tag
        ]

    def link_unused(self, token_id: str) -> bool:
        key = typed(link_key(token_id))
        item = self._dynamodb.get_item(TableName=self.table, Key=key, ConsistentRead=True).get("Item")
        return item is not None and not item.get("used", {}).get("BOOL", False)

    def idempotency_record_exists(self, idempotency_key: str) -> bool:
        key = typed(dynamo_keys.idempotency_key(idempotency_key))
        return "Item" in self._dynamodb.get_item(TableName=self.table, Key=key)

    def link_keys(self, *, refresh: bool = False) -> Keyring:
        """The keys that verify links now (current and previous), as the functions read them."""
        if self._keys is None or refresh:
            self._keys = read_keyring(self.stack.aws.client("secretsmanager"), self._deployment.secret_id)
        return self._keys

    def rotate_link_secret(self) -> None:
        """What Secrets Manager's rotation does (local/emulator.py)."""
        self.stack.aws.rotate_link_secret(self._deployment)

    # --- faults ------------------------------------------------------------------------------

    def set_fault(
        self, target: Target, mode: str, *, times: int | None = None, function: str | None = None
    ) -> None:
        fault: dict[str, Any] = {"target": str(target), "mode": mode}
        if times is not None:
            fault["times"] = times
        if function is not None:
            fault["function"] = function
        answered = self.call("POST", FAULTS_PATH, json=fault, headers=LOCAL_WRITE_HEADERS)
        if answered.status != 200:
            raise AssertionError(f"the stack refused the fault {fault}: {answered.body}")

    def set_faults(self, *faults: dict[str, Any]) -> None:
        """Faults as `/_local/faults` takes them (crashes and lost answers included)."""
        answered = self.call("POST", FAULTS_PATH, json=list(faults), headers=LOCAL_WRITE_HEADERS)
        if answered.status != 200:
            raise AssertionError(f"the stack refused the faults {faults}: {answered.body}")

    def clear_faults(self) -> None:
        cleared = self.call("DELETE", FAULTS_PATH, headers=LOCAL_WRITE_HEADERS)
        if cleared.status != 200:
            raise AssertionError(f"the stack kept its faults: {cleared.body}")

    def calls(self, target: Target) -> int:
        """API calls the product made on `target` so far (botocore's retries are one call)."""
        return self.stack.faults.calls(target)

    def attempts(self, target: Target) -> int:
        """HTTP attempts the product made on `target` so far, retries included."""
        return self.stack.faults.attempts(target)

    def injected(self, target: Target) -> int:
        return self.stack.faults.injected(target)


def run_flow(product: Product, tag: str, *, customer: Customer | None = None, answer: str = "accept") -> str:
    """Submit, wait for the partner's SMS, answer, wait until the customer is told; the request id."""
    submitted = product.submit(tag, customer=customer)
    if submitted.status != 201:
        raise AssertionError(f"submit: {submitted.status} {submitted.body}")
    request_id = submitted.body["requestId"]
    sms = product.wait_for_sms(request_id, timeout=product.partner_timeout)
    answered = product.answer(token_of(sms.link), answer)
    if answered.status != 200:
        raise AssertionError(f"answer: {answered.status} {answered.body}")
    product.wait_told(request_id, timeout=product.partner_timeout + 30)
    return request_id


def timed(action: Callable[[], Any]) -> tuple[Any, float]:
    started = time.perf_counter()
    result = action()
    return result, time.perf_counter() - started
