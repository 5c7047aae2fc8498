"""What must hold in the table after any run, whatever was done to the product.

- A request's events come in rounds, one per partner attempt: the first starts with its Created
  event, each later one with a Redriven event (an operator's redrive). The rules below hold per round.
- Every round starts so once; no event type appears twice in a round.
- Statuses move forward only: Created -> SMSSent -> Opened -> one of Responded, Timeout, Failed, and
  a round reaches exactly one of those three. SMSSent is exempt from the order: it is recorded
  after the SMS went out, when a quick partner may already have opened (even answered) the link.
- A round before the last ended Timeout or Failed and was told: exactly one Notified, the last of it.
- The stored status is the furthest status the last round's events reached.
- A recorded answer is the truth: a request with a partner's response is Responded, and its message
  tells that answer.
- A closed request's last round has exactly one Notified event and its stored message; an open one
  has neither.
- A request keeps its due marker exactly while its customer has not been told.
- A told request holds no place among its reservation's open requests (the message's write frees
  it). The places are read after the requests: a scan is no snapshot, and a request told while the
  scan ran must not read as told yet still held.
- No request is still untold past its due time plus the sweeper's period plus a minute.
- A time the partner proposed is decided or lapses once (CustomerAccepted, CustomerDeclined or
  ProposalLapsed, matching the stored proposal's state; none while it is pending), and only a
  proposal is; the partner is told at most once (PartnerTold, after the decision or lapse, with
  partnerToldAt stored). These events may follow the customer's message.
- SMS delivery outcomes (Delivered, Undeliverable) come on the carrier's time, whatever the status,
  even after the customer was told: they stand apart from the rounds. Each names its message and no
  phone number, none precedes the request's Created, and a request failed as SmsUndeliverable has
  the Undeliverable report that failed it in its last round.
"""

from __future__ import annotations

import re
import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from reliability.product import Product
from reliability.report import Row
from runtime.adapters import dynamo_keys as keys
from runtime.adapters.dynamo_repository import LIMIT_IDS
from runtime.contract import METADATA, REQUEST_PREFIX, KeyPrefix
from runtime.domain.limits import Kind

RANK = {"Created": 0, "SMSSent": 1, "Opened": 2, "Responded": 3, "Timeout": 3, "Failed": 3}
TERMINAL = frozenset({"Responded", "Timeout", "Failed"})
# A later round starts with the redrive, where the first starts with Created.
REDRIVEN = "Redriven"
ROUND_START_RANK = {**RANK, REDRIVEN: 0}
REDRIVABLE = frozenset({"Timeout", "Failed"})
# What the customer did with a proposed time (or its lapse): the proposal's state each event records.
PROPOSAL_EVENTS = {"CustomerAccepted": "accepted", "CustomerDeclined": "declined", "ProposalLapsed": "lapsed"}
PARTNER_TOLD = "PartnerTold"
DELIVERY_OUTCOMES = frozenset({"Delivered", "Undeliverable"})
# A phone number as the product writes one (E.164) or as people do (010-1234-5678).
_PHONE = re.compile(r"\+\d{8,}|\b01\d-?\d{3,4}-?\d{4}\b")
# Same-millisecond events sort by the order they must happen in: Notified ends a round, Redriven
# starts the next; the partner is told after the decision.
_TIE_ORDER = {**RANK, "Notified": 9, REDRIVEN: 10, **dict.fromkeys(PROPOSAL_EVENTS, 11), PARTNER_TOLD: 12}


def violations(
    items: Iterable[dict[str, Any]],
    *,
    untold_grace_seconds: float,
    now: float,
    places: Iterable[dict[str, Any]] = (),
) -> list[str]:
    """`untold_grace_seconds`: how long past its due time a request may still be untold. `places`:
    the reservations' open-requests items, read after `items` (a request told when it was read has
    been freed by then)."""
    holding = {
        request_id: place["PK"]
        for place in places
        if is_open_requests(place)
        for request_id in place.get(LIMIT_IDS) or ()
    }
    requests: dict[str, dict[str, Any]] = {}
    events: dict[str, list[tuple[str, str]]] = defaultdict(list)
    outcomes: dict[str, list[tuple[str, str, dict[str, Any]]]] = defaultdict(list)
    due_markers: set[str] = set()
    for item in items:
        partition, sort = item["PK"], item["SK"]
        if not partition.startswith(REQUEST_PREFIX):
            continue
        request_id = partition.removeprefix(REQUEST_PREFIX)
        if sort == METADATA:
            requests[request_id] = item
        elif sort == keys.DUE:
            due_markers.add(request_id)
        elif sort.startswith(keys.EVENT_PREFIX):
            at, _, kind = sort.removeprefix(keys.EVENT_PREFIX).rpartition("#")
            if kind in DELIVERY_OUTCOMES:
                outcomes[request_id].append((at, kind, dict(item.get("details") or {})))
            else:
                events[request_id].append((at, kind))
    found = [
        f"{request_id}: events without a request"
        for request_id in (events.keys() | outcomes.keys()) - requests.keys()
    ]
    found += [f"{request_id}: a due marker without a request" for request_id in due_markers - requests.keys()]
    for request_id, request in requests.items():
        overdue = "dueAt" in request and now - _epoch(request["dueAt"]) > untold_grace_seconds
        found += [f"{request_id}: {problem}" for problem in _problems(request, events[request_id], overdue)]
        found += [
            f"{request_id}: {problem}"
            for problem in _delivery_problems(request, events[request_id], outcomes[request_id])
        ]
        told = "notification" in request
        if told == (request_id in due_markers):
            found.append(
                f"{request_id}: {'told' if told else 'untold'} but due marker {'kept' if told else 'gone'}"
            )
        if told and request_id in holding:
            found.append(f"{request_id}: told, yet still holds a place in {holding[request_id]}")
        late = now - _epoch(request["dueAt"]) if "dueAt" in request else 0.0
        if not told and late > untold_grace_seconds:
            found.append(f"{request_id}: still untold ({request['status']}) {late:.0f} s past due")
    return found


def _problems(request: dict[str, Any], events: list[tuple[str, str]], overdue: bool) -> list[str]:
    """`overdue`: past the time its customer must have been told by (a closed request's message may
    still be on its way until then: the hand-off to the workflow retries, so no guess at its speed)."""
    everything = [kind for _, kind in sorted(events, key=lambda e: (e[0], _TIE_ORDER.get(e[1], 8)))]
    problems = _proposal_problems(request, everything)
    # The rounds' rules are about the partner's answer and the customer's message.
    ordered = [kind for kind in everything if kind not in PROPOSAL_EVENTS and kind != PARTNER_TOLD]
    if not ordered or ordered[0] != "Created":
        return [*problems, f"does not start with Created: {ordered}"]
    rounds = _rounds(ordered)
    for number, earlier in enumerate(rounds[:-1], start=1):
        problems += [f"round {number}: {problem}" for problem in _round_problems(earlier)]
        ended = [kind for kind in earlier if kind in TERMINAL]
        if not ended or ended[0] not in REDRIVABLE or earlier.count("Notified") != 1:
            problems.append(f"round {number} redriven without ending Timeout or Failed, told: {ordered}")
    last = rounds[-1]
    problems += _round_problems(last)
    counts = Counter(last)
    ranks = {kind: ROUND_START_RANK[kind] for kind in last if kind in ROUND_START_RANK}
    reached = max(ranks, key=lambda k: (ranks[k], last.index(k)))
    reached = "Created" if reached == REDRIVEN else reached
    status = request["status"]
    if status != reached:
        problems.append(f"status {status} but events reached {reached}: {ordered}")
    if "response" in request:
        told_as = request.get("notification", {}).get("outcome", "responded")
        if status != "Responded" or told_as != "responded":
            problems.append(f"a recorded answer, yet {status} and told as {told_as}: {ordered}")
    told = counts["Notified"] == 1 and "notification" in request
    if status in TERMINAL:
        if counts["Notified"] > 1 or (not told and overdue):
            problems.append(f"closed as {status} without exactly one notice: {ordered}")
    elif "Notified" in counts or "notification" in request:
        problems.append(f"told while still {status}: {ordered}")
    return problems


def _proposal_problems(request: dict[str, Any], events: list[str]) -> list[str]:
    decided = [kind for kind in events if kind in PROPOSAL_EVENTS]
    told = [index for index, kind in enumerate(events) if kind == PARTNER_TOLD]
    proposal = request.get("proposal")
    if proposal is None:
        return [f"proposal events without a proposal: {events}"] if decided or told else []
    problems = []
    if request.get("response", {}).get("answer") != "alternative":
        problems.append(f"a proposal without the partner's alternative answer: {events}")
    if len(decided) > 1:
        problems.append(f"a proposal decided more than once: {events}")
    state = PROPOSAL_EVENTS[decided[0]] if decided else "pending"
    if proposal.get("state") != state:
        problems.append(f"proposal {proposal.get('state')} but its events say {state}: {events}")
    if len(told) > 1:
        problems.append(f"the partner told more than once: {events}")
    if told and (not decided or told[0] < events.index(decided[0])):
        problems.append(f"the partner told before the proposal was decided: {events}")
    if bool(told) != ("partnerToldAt" in request):
        problems.append(f"PartnerTold and partnerToldAt disagree: {events}")
    return problems


def _delivery_problems(
    request: dict[str, Any], events: list[tuple[str, str]], outcomes: list[tuple[str, str, dict[str, Any]]]
) -> list[str]:
    problems = []
    created = min((at for at, kind in events if kind == "Created"), default=None)
    for at, kind, details in outcomes:
        if not details.get("messageId"):
            problems.append(f"{kind} at {at} names no message")
        if any(_PHONE.search(str(value)) for value in details.values()):
            problems.append(f"{kind} at {at} carries a phone number")
        if created is not None and at < created:
            problems.append(f"{kind} at {at} before Created")
    if request.get("failureReason") == "SmsUndeliverable":
        started = max((at for at, kind in events if kind in ("Created", REDRIVEN)), default="")
        if not any(kind == "Undeliverable" and at >= started for at, kind, _ in outcomes):
            problems.append("failed as SmsUndeliverable without an Undeliverable report in its round")
    return problems


def _rounds(ordered: list[str]) -> list[list[str]]:
    """The events of each partner attempt: a Redriven event starts a new one."""
    rounds: list[list[str]] = [[]]
    for kind in ordered:
        if kind == REDRIVEN:
            rounds.append([])
        rounds[-1].append(kind)
    return rounds


def _round_problems(events: list[str]) -> list[str]:
    """What must hold within one round (its first event is Created or Redriven)."""
    problems = []
    if [kind for kind in events if kind in ("Created", REDRIVEN)] != events[:1]:
        problems.append(f"a round starts more than once: {events}")
    if repeated := [kind for kind, n in Counter(events).items() if n > 1]:
        problems.append(f"repeated events {repeated}: {events}")
    ranks = [ROUND_START_RANK[kind] for kind in events if kind in ROUND_START_RANK and kind != "SMSSent"]
    if ranks != sorted(ranks) or len(set(ranks)) != len(ranks):
        problems.append(f"statuses not in forward order: {events}")
    if "Notified" in events and events[-1] not in ("Notified", "SMSSent"):
        problems.append(f"events after the notification: {events}")
    return problems


def is_open_requests(item: dict[str, Any]) -> bool:
    """A reservation's open-requests item (the ids of its requests not told yet)."""
    return str(item["PK"]).startswith(KeyPrefix.RESERVATION_LIMIT) and item["SK"] == Kind.OPEN_REQUESTS


def _epoch(value: Any) -> float:
    return datetime.fromisoformat(str(value)).timestamp()


def check_invariants(product: Product, *, margin_seconds: float = 60) -> Row:
    started = time.perf_counter()
    items = list(product.items())
    # The open-requests items read again, after the requests: see `violations`.
    places = list(product.read_again(item for item in items if is_open_requests(item)))
    grace = product.sweep_period + margin_seconds
    found = violations(items, untold_grace_seconds=grace, now=time.time(), places=places)
    requests = sum(1 for item in items if item["PK"].startswith(REQUEST_PREFIX) and item["SK"] == METADATA)
    return Row(
        "invariants: table scan",
        f"{requests} requests, {len(found)} violations",
        passed=not found,
        seconds=time.perf_counter() - started,
        problems=tuple(found),
    )
