"""The table invariants `make reliability` checks: each rule catches what it is there to catch."""

from datetime import UTC, datetime, timedelta

import pytest

from reliability.invariants import violations

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
LIMIT = 360.0


def request(request_id, status, *events, told=None, age=10.0):
    """A request item and its events, the first event `age` seconds ago, one second apart."""
    created = NOW - timedelta(seconds=age)
    told = status in ("Responded", "Timeout", "Failed") if told is None else told
    item = {
        "PK": f"REQ#{request_id}",
        "SK": "METADATA",
        "status": status,
        "createdAt": created.isoformat(),
        "updatedAt": (created + timedelta(seconds=len(events))).isoformat(),
    }
    if told:
        item["notification"] = {"message": "안내", "source": "template"}
    at = [(created + timedelta(seconds=i)).isoformat(timespec="milliseconds") for i in range(len(events))]
    return [item, *({"PK": item["PK"], "SK": f"EVENT#{at[i]}#{kind}"} for i, kind in enumerate(events))]


def found(*requests):
    items = [item for items in requests for item in items]
    return violations(items, open_limit_seconds=LIMIT, now=NOW.timestamp())


def test_complete_histories_pass():
    assert not found(
        request("a", "Responded", "Created", "SMSSent", "Opened", "Responded", "Notified"),
        request("b", "Timeout", "Created", "SMSSent", "Timeout", "Notified"),
        request("c", "Failed", "Created", "Failed", "Notified"),
        request("d", "Opened", "Created", "Opened", "SMSSent"),  # the SMS write lost the race
        request("e", "Timeout", "Created", "SMSSent", "Responded", "Timeout", "Notified"),  # reconciled
        request("f", "SMSSent", "Created", "SMSSent"),
    )


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        (request("x", "Opened", "Created", "Opened", "Created"), "repeated events"),
        (request("x", "Opened", "SMSSent", "Opened"), "does not start with Created"),
        (request("x", "Opened", "Created", "Responded", "Opened", told=False), "forward order"),
        (request("x", "Responded", "Created", "Timeout", "Responded", "Notified"), "forward order"),
        (request("x", "SMSSent", "Created", "SMSSent", "Opened"), "status SMSSent but events reached Opened"),
        (request("x", "Responded", "Created", "Responded", "Notified", "Notified"), "repeated events"),
        (request("x", "Failed", "Created", "Failed", told=False, age=120), "without exactly one notice"),
        (request("x", "SMSSent", "Created", "SMSSent", "Notified", told=True), "told while still"),
        (request("x", "SMSSent", "Created", "SMSSent", age=LIMIT + 1), "still SMSSent after"),
    ],
)
def test_each_broken_rule_is_reported(history, problem):
    problems = found(history)

    assert problems and all(p.startswith("x: ") for p in problems)
    assert any(problem in p for p in problems), problems


def test_a_closed_request_being_told_right_now_is_not_yet_a_violation():
    assert not found(request("y", "Responded", "Created", "SMSSent", "Responded", told=False))


def test_events_of_a_request_that_does_not_exist_are_reported():
    orphan = [{"PK": "REQ#z", "SK": "EVENT#2026-11-23T11:59:00.000+00:00#Created"}]

    assert found(orphan) == ["z: events without a request"]
