"""What must hold in the table after any run, whatever was done to the product (DESIGN §3, §5).

- Every request starts with one Created event; no event type appears twice.
- Statuses move forward only: Created -> SMSSent -> Opened -> Responded -> (Timeout | Failed).
  Responded -> Timeout/Failed is the one move between terminal statuses the design allows: an
  answer committed just as the workflow's wait ended, which the workflow's outcome then overrides.
  SMSSent is exempt from the order: it is recorded after the SMS went out, when a quick partner may
  already have opened the link.
- The stored status is the furthest status its events reached.
- A closed request has exactly one Notified event and its stored message; an open one has neither.
- No request is still open after the partner timeout plus a margin.
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

RANK = {"Created": 0, "SMSSent": 1, "Opened": 2, "Responded": 3, "Timeout": 4, "Failed": 4}
TERMINAL = frozenset({"Responded", "Timeout", "Failed"})
# A closed request is told within seconds (the notification step's retries take up to 7 s).
NOTIFY_GRACE_SECONDS = 30


def violations(items: Iterable[dict[str, Any]], *, open_limit_seconds: float, now: float) -> list[str]:
    requests: dict[str, dict[str, Any]] = {}
    events: dict[str, list[tuple[str, str]]] = defaultdict(list)
    for item in items:
        partition, sort = item["PK"], item["SK"]
        if not partition.startswith(keys.REQUEST_PREFIX):
            continue
        request_id = partition.removeprefix(keys.REQUEST_PREFIX)
        if sort == keys.METADATA:
            requests[request_id] = item
        elif sort.startswith(keys.EVENT_PREFIX):
            at, _, kind = sort.removeprefix(keys.EVENT_PREFIX).rpartition("#")
            events[request_id].append((at, kind))
    found = [f"{request_id}: events without a request" for request_id in events.keys() - requests.keys()]
    for request_id, request in requests.items():
        found += [f"{request_id}: {problem}" for problem in _problems(request, events[request_id], now)]
        if request["status"] not in TERMINAL and now - _epoch(request["createdAt"]) > open_limit_seconds:
            found.append(f"{request_id}: still {request['status']} after {open_limit_seconds:.0f} s")
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
    limit = product.partner_timeout + margin_seconds
    found = violations(items, open_limit_seconds=limit, now=time.time())
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
