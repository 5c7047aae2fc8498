"""What must hold in the table after any run, whatever was done to the product.

- Every request starts with one Created event; no event type appears twice.
- Statuses move forward only: Created -> SMSSent -> Opened -> one of Responded, Timeout, Failed, and
  a request reaches exactly one of those three. SMSSent is exempt from the order: it is recorded
  after the SMS went out, when a quick partner may already have opened (even answered) the link.
- The stored status is the furthest status its events reached.
- A recorded answer is the truth: a request with a partner's response is Responded, and its message
  tells that answer.
- A closed request has exactly one Notified event and its stored message; an open one has neither.
- A request keeps its due marker exactly while its customer has not been told.
- No request is still untold past its due time plus the sweeper's period plus a minute.
"""

from __future__ import annotations

import time
from collections import Counter, defaultdict
from collections.abc import Iterable
from datetime import datetime
from typing import Any

from reliability.product import Product
from reliability.report import Row
from runtime.adapters import dynamo_keys as keys

RANK = {"Created": 0, "SMSSent": 1, "Opened": 2, "Responded": 3, "Timeout": 3, "Failed": 3}
TERMINAL = frozenset({"Responded", "Timeout", "Failed"})
# A closed request is told within seconds (the notification step's retries take up to 7 s).
NOTIFY_GRACE_SECONDS = 30


def violations(items: Iterable[dict[str, Any]], *, untold_grace_seconds: float, now: float) -> list[str]:
    """`untold_grace_seconds`: how long past its due time a request may still be untold."""
    requests: dict[str, dict[str, Any]] = {}
    events: dict[str, list[tuple[str, str]]] = defaultdict(list)
    due_markers: set[str] = set()
    for item in items:
        partition, sort = item["PK"], item["SK"]
        if not partition.startswith(keys.REQUEST_PREFIX):
            continue
        request_id = partition.removeprefix(keys.REQUEST_PREFIX)
        if sort == keys.METADATA:
            requests[request_id] = item
        elif sort == keys.DUE:
            due_markers.add(request_id)
        elif sort.startswith(keys.EVENT_PREFIX):
            at, _, kind = sort.removeprefix(keys.EVENT_PREFIX).rpartition("#")
            events[request_id].append((at, kind))
    found = [f"{request_id}: events without a request" for request_id in events.keys() - requests.keys()]
    found += [f"{request_id}: a due marker without a request" for request_id in due_markers - requests.keys()]
    for request_id, request in requests.items():
        found += [f"{request_id}: {problem}" for problem in _problems(request, events[request_id], now)]
        told = "notification" in request
        if told == (request_id in due_markers):
            found.append(
                f"{request_id}: {'told' if told else 'untold'} but due marker {'kept' if told else 'gone'}"
            )
        late = now - _epoch(request["dueAt"]) if "dueAt" in request else 0.0
        if not told and late > untold_grace_seconds:
            found.append(f"{request_id}: still untold ({request['status']}) {late:.0f} s past due")
    return found


def _problems(request: dict[str, Any], events: list[tuple[str, str]], now: float) -> list[str]:
    # Same-millisecond events sort by the order they must happen in, Notified last.
    ordered = [kind for _, kind in sorted(events, key=lambda e: (e[0], RANK.get(e[1], 9)))]
    problems = []
    counts = Counter(ordered)
    if not ordered or ordered[0] != "Created":
        problems.append(f"does not start with Created: {ordered}")
    if repeated := [kind for kind, n in counts.items() if n > 1]:
        problems.append(f"repeated events {repeated}: {ordered}")
    ranks = [RANK[kind] for kind in ordered if kind in RANK and kind != "SMSSent"]
    if ranks != sorted(ranks) or len(set(ranks)) != len(ranks):
        problems.append(f"statuses not in forward order: {ordered}")
    reached = max((kind for kind in ordered if kind in RANK), key=lambda k: (RANK[k], ordered.index(k)))
    status = request["status"]
    if status != reached:
        problems.append(f"status {status} but events reached {reached}: {ordered}")
    told = counts["Notified"] == 1 and "notification" in request
    if "response" in request:
        told_as = request.get("notification", {}).get("outcome", "responded")
        if status != "Responded" or told_as != "responded":
            problems.append(f"a recorded answer, yet {status} and told as {told_as}: {ordered}")
    if status in TERMINAL:
        if not told and now - _epoch(request["updatedAt"]) > NOTIFY_GRACE_SECONDS:
            problems.append(f"closed as {status} without exactly one notice: {ordered}")
        if "Notified" in ordered and ordered[-1] not in ("Notified", "SMSSent"):
            problems.append(f"events after the notification: {ordered}")
    elif "Notified" in counts or "notification" in request:
        problems.append(f"told while still {status}: {ordered}")
    return problems


def _epoch(value: Any) -> float:
    return datetime.fromisoformat(str(value)).timestamp()


def check_invariants(product: Product, *, margin_seconds: float = 60) -> Row:
    started = time.perf_counter()
    items = list(product.items())
    grace = product.sweep_period + margin_seconds
    found = violations(items, untold_grace_seconds=grace, now=time.time())
    requests = sum(
        1 for item in items if item["PK"].startswith(keys.REQUEST_PREFIX) and item["SK"] == keys.METADATA
    )
    return Row(
        "invariants: table scan",
        f"{requests} requests, {len(found)} violations",
        passed=not found,
        seconds=time.perf_counter() - started,
        problems=tuple(found),
    )
