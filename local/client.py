"""The product's HTTP API as a customer's page and a partner's phone use it: the one client of the
demo, the e2e tests and the reliability checks (which add what only a test harness reads)."""

from __future__ import annotations

import threading
import time
import uuid
from typing import Any

import attrs
import requests

from runtime.contract import PARTNER_LINK_PREFIX


@attrs.frozen
class Reply:
    status: int
    body: Any
    content_type: str = ""
    headers: dict[str, str] = attrs.field(factory=dict)  # names in lower case

    @property
    def error_code(self) -> str | None:
        error = self.body.get("error") if isinstance(self.body, dict) else None
        return error.get("code") if error else None


# Answers that mean "not now" when they carry Retry-After: the request was not processed and may be
# sent again as it was.
RETRYABLE_STATUSES = frozenset({429, 503})
# A longer wait is not waited out: it is a refusal for now (a limit that frees in minutes or hours),
# shown to the person as it is.
MAX_RETRY_AFTER_SECONDS = 30.0


def send(
    session: requests.Session,
    method: str,
    url: str,
    *,
    timeout: float,
    patience: float = 120.0,
    **options: Any,
) -> requests.Response:
    """Send as the product's pages do: a 429 or 503 with Retry-After is sent again after it (capped),
    until `patience` seconds have passed; then the last answer is returned."""
    deadline = time.monotonic() + patience
    while True:
        response = session.request(method, url, timeout=timeout, **options)
        wait = retry_after(response)
        if wait is None or time.monotonic() + wait > deadline:
            return response
        time.sleep(wait)


def retry_after(response: requests.Response) -> float | None:
    """Seconds the server asked to wait before sending again, or None when it did not ask (or asked
    for longer than a client waits)."""
    if response.status_code not in RETRYABLE_STATUSES:
        return None
    try:
        seconds = float(response.headers["Retry-After"])
    except (KeyError, ValueError):
        return None
    return max(seconds, 0.1) if seconds <= MAX_RETRY_AFTER_SECONDS else None


class ProductClient:
    def __init__(self, base_url: str, *, timeout: float = 10.0, patience: float = 30.0) -> None:
        """`timeout`: one HTTP call's; `patience`: how long the waits below wait for something that
        must come (a message, an event, an SMS), unless a call gives its own."""
        self.base_url = base_url.rstrip("/")
        self._sessions = threading.local()
        self._timeout = timeout
        self._patience = patience

    @property
    def session(self) -> requests.Session:
        """This thread's session (requests' sessions are not meant to be shared across threads), so
        one client serves any number of customers and partners at once."""
        if not hasattr(self._sessions, "session"):
            self._sessions.session = requests.Session()
        session: requests.Session = self._sessions.session
        return session

    # customer
    def submit(
        self,
        *,
        reservation_number: str,
        phone: str,
        message: str,
        idempotency_key: str | None = None,
        intent: str | None = None,
    ) -> Reply:
        """`intent`: the customer's pick among the choices of an unclear answer (skips classifying)."""
        body = {"reservationNumber": reservation_number, "customerPhone": phone, "message": message}
        if intent:
            body["intent"] = intent
        headers = {"Idempotency-Key": idempotency_key or f"client-{uuid.uuid4()}"}
        return self.call("POST", "/api/chat", json=body, headers=headers)

    def timeline(self, request_id: str) -> Reply:
        return self.call("GET", f"/api/requests/{request_id}")

    def wait_until_told(self, request_id: str, *, timeout: float | None = None) -> dict[str, Any]:
        """Poll as the page does until the customer's message exists; return the final timeline."""
        timeout = self._patience if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.timeline(request_id)
            if reply.status == 200 and reply.body.get("notification"):
                return reply.body
            time.sleep(0.2)
        raise TimeoutError(f"request {request_id} has no customer message after {timeout} s")

    def wait_for_event(
        self, request_id: str, event_type: str, *, timeout: float | None = None
    ) -> dict[str, Any]:
        """Poll until the timeline shows an `event_type` event (an SMS's delivery outcome comes on the
        carrier's time); return that timeline."""
        timeout = self._patience if timeout is None else timeout
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            reply = self.timeline(request_id)
            if reply.status == 200 and any(e["type"] == event_type for e in reply.body["events"]):
                return reply.body
            time.sleep(0.2)
        raise TimeoutError(f"request {request_id} shows no {event_type} after {timeout} s")

    # the SMS outbox (local only) and the partner
    def outbox(self) -> list[dict[str, str]]:
        return self.call("GET", "/_local/outbox.json").body

    def wait_for_sms(self, *, after: int, timeout: float | None = None) -> dict[str, str]:
        """The first SMS sent after the first `after` ones."""
        deadline = time.monotonic() + (self._patience if timeout is None else timeout)
        while time.monotonic() < deadline:
            messages = self.outbox()
            if len(messages) > after:
                return messages[after]
            time.sleep(0.1)
        raise TimeoutError("no SMS arrived")

    def wait_for_texts(self, token: str, *, count: int, timeout: float = 15.0) -> list[dict[str, str]]:
        """The SMS carrying this link, once `count` of them arrived (or what arrived in time)."""
        deadline = time.monotonic() + timeout
        while True:
            texts = [sms for sms in self.outbox() if sms["link"] and token_of(sms["link"]) == token]
            if len(texts) >= count or time.monotonic() > deadline:
                return texts
            time.sleep(0.1)

    def escalations(self) -> list[dict[str, str]]:
        return self.call("GET", "/_local/escalations.json").body

    def wait_for_escalation(self, request_id: str, *, timeout: float = 15.0) -> list[dict[str, str]]:
        """The operators' e-mails about this request (once one arrived, or none in time)."""
        deadline = time.monotonic() + timeout
        while True:
            found = [note for note in self.escalations() if request_id in note["message"]]
            if found or time.monotonic() > deadline:
                return found
            time.sleep(0.2)

    def open_link(self, token: str) -> Reply:
        return self.call("GET", f"/api/confirm/{token}")

    def answer(
        self, token: str, response: str, alternative_time: str | None = None, note: str | None = None
    ) -> Reply:
        body: dict[str, Any] = {"token": token, "response": response}
        if alternative_time:
            body["alternativeTime"] = alternative_time
        if note is not None:
            body["note"] = note
        return self.call("POST", "/api/respond", json=body)

    # the customer's decision on a proposed time, with the token their submit returned
    def decide(self, request_id: str, customer_token: str, decision: str) -> Reply:
        headers = {"Authorization": f"Bearer {customer_token}"}
        return self.call(
            "POST", f"/api/requests/{request_id}/decision", json={"decision": decision}, headers=headers
        )

    def call(self, method: str, path: str, *, patient: bool = True, **options: Any) -> Reply:
        """Any request, as the pages send it: a 429 or 503 with a short Retry-After is sent again
        after it (`patient=False`: the first answer, as it came)."""
        url = self.base_url + path
        if patient:
            response = send(self.session, method, url, timeout=self._timeout, **options)
        else:
            response = self.session.request(method, url, timeout=self._timeout, **options)
        return reply_of(response)


def reply_of(response: requests.Response) -> Reply:
    try:
        body = response.json()
    except ValueError:
        body = response.text
    headers = {name.lower(): value for name, value in response.headers.items()}
    return Reply(response.status_code, body, response.headers.get("content-type", ""), headers)


def token_of(link: str) -> str:
    return link.rsplit(PARTNER_LINK_PREFIX, 1)[1]
