"""The table invariants `make reliability` checks: each rule catches what it is there to catch."""

from datetime import UTC, datetime, timedelta

import pytest

from reliability.invariants import violations

NOW = datetime(2026, 11, 23, 12, 0, tzinfo=UTC)
GRACE = 70.0


def request(
    request_id, status, *events, told=None, age=10.0, due_in=300.0, answer=None, told_as=None, marker=None
):
    """A request item, its events (the first `age` seconds ago, one second apart) and, while its
    customer is untold, its due marker."""
    created = NOW - timedelta(seconds=age)
    told = status in ("Responded", "Timeout", "Failed") if told is None else told
    item = {
        "PK": f"REQ#{request_id}",
        "SK": "METADATA",
        "status": status,
        "createdAt": created.isoformat(),
        "updatedAt": (created + timedelta(seconds=len(events))).isoformat(),
        "dueAt": (NOW + timedelta(seconds=due_in)).isoformat(),
    }
    if told:
        item["notification"] = {"message": "안내", "source": "template", "outcome": told_as or status.lower()}
    if answer:
        item["response"] = {"answer": answer}
    at = [(created + timedelta(seconds=i)).isoformat(timespec="milliseconds") for i in range(len(events))]
    items = [item, *({"PK": item["PK"], "SK": f"EVENT#{at[i]}#{kind}"} for i, kind in enumerate(events))]
    if (not told) if marker is None else marker:
        items.append({"PK": item["PK"], "SK": "DUE"})
    return items


def found(*requests, places=()):
    items = [item for items in requests for item in items]
    return violations(items, untold_grace_seconds=GRACE, now=NOW.timestamp(), places=places)


def test_complete_histories_pass():
    assert not found(
        request("a", "Responded", "Created", "SMSSent", "Opened", "Responded", "Notified", answer="accept"),
        request("b", "Timeout", "Created", "SMSSent", "Reminded", "Timeout", "Notified"),
        request("c", "Failed", "Created", "Failed", "Notified"),
        request("d", "Opened", "Created", "Opened", "SMSSent"),  # the SMS write lost the race
        request("e", "Responded", "Created", "Responded", "SMSSent", "Notified", answer="reject"),
        request("f", "SMSSent", "Created", "SMSSent"),
    )


def test_redriven_histories_pass_round_by_round():
    first = ("Created", "SMSSent", "Timeout", "Notified")
    assert not found(
        request("a", "Created", *first, "Redriven"),  # the orchestrator has not started the attempt yet
        request("b", "SMSSent", *first, "Redriven", "SMSSent"),
        request("c", "Timeout", *first, "Redriven", "SMSSent", "Timeout", "Notified"),
        request("d", "Responded", *first, "Redriven", "SMSSent", "Responded", "Notified", answer="accept"),
        request("e", "Failed", "Created", "Failed", "Notified", "Redriven", "Failed", "Notified"),
        request(
            "f",
            "Opened",
            *first,
            "Redriven",
            "SMSSent",
            "Timeout",
            "Notified",
            "Redriven",
            "Opened",
            "SMSSent",
        ),
    )


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        (request("x", "Opened", "Created", "Opened", "Created"), "repeated events"),
        (request("x", "Opened", "SMSSent", "Opened"), "does not start with Created"),
        (request("x", "Opened", "Created", "Responded", "Opened", told=False), "forward order"),
        (request("x", "Timeout", "Created", "Responded", "Timeout", "Notified"), "forward order"),
        (request("x", "SMSSent", "Created", "SMSSent", "Opened"), "status SMSSent but events reached Opened"),
        (request("x", "Responded", "Created", "Responded", "Notified", "Notified"), "repeated events"),
        (
            request("x", "Failed", "Created", "Failed", told=False, due_in=-(GRACE + 1)),
            "without exactly one notice",
        ),
        (request("x", "SMSSent", "Created", "SMSSent", "Notified", told=True), "told while still"),
        (request("x", "SMSSent", "Created", "SMSSent", due_in=-(GRACE + 1)), "still untold (SMSSent)"),
        (request("x", "Timeout", "Created", "Timeout", "Notified", answer="accept"), "a recorded answer"),
        (
            request("x", "Responded", "Created", "Responded", "Notified", answer="accept", told_as="timeout"),
            "told as timeout",
        ),
        (request("x", "Timeout", "Created", "Timeout", "Notified", marker=True), "told but due marker kept"),
        (request("x", "SMSSent", "Created", "SMSSent", marker=False), "untold but due marker gone"),
        (
            request("x", "Created", "Created", "SMSSent", "Responded", "Notified", "Redriven"),
            "round 1 redriven without ending Timeout or Failed",
        ),
        (
            request("x", "SMSSent", "Created", "SMSSent", "Timeout", "Redriven", "SMSSent", told=False),
            "round 1 redriven without ending Timeout or Failed",
        ),
        (
            request("x", "SMSSent", "Created", "Timeout", "Notified", "Redriven", "Created", "SMSSent"),
            "a round starts more than once",
        ),
        (
            request(
                "x", "Opened", "Created", "Timeout", "Notified", "Redriven", "Opened", "Notified", told=False
            ),
            "told while still Opened",
        ),
        (
            request("x", "Timeout", "Created", "Timeout", "Notified", "Redriven"),
            "status Timeout but events reached Created",
        ),
        (
            request("x", "SMSSent", "Created", "Failed", "Notified", "Redriven", "SMSSent", "SMSSent"),
            "repeated events",
        ),
    ],
)
def test_each_broken_rule_is_reported(history, problem):
    problems = found(history)

    assert problems and all(p.startswith("x: ") for p in problems)
    assert any(problem in p for p in problems), problems


def test_a_closed_request_being_told_right_now_is_not_yet_a_violation():
    assert not found(
        request("y", "Responded", "Created", "SMSSent", "Responded", told=False, answer="accept")
    )


def test_a_closed_request_untold_for_minutes_is_no_violation_while_it_is_not_past_due():
    """Its message may still be on its way (the hand-off retries): only its due time judges it."""
    slow = request("y", "Responded", "Created", "SMSSent", "Responded", told=False, answer="accept", age=600)

    assert not found(slow)


def _open_requests(*request_ids):
    return [{"PK": "LIMIT#RES#HTL-100101", "SK": "OPEN", "requestIds": set(request_ids)}]


def test_a_told_request_still_holding_its_place_is_reported_an_untold_one_is_not():
    told = request("a", "Timeout", "Created", "SMSSent", "Timeout", "Notified")
    closing = request("b", "Responded", "Created", "SMSSent", "Responded", told=False, answer="accept")
    waiting = request("c", "SMSSent", "Created", "SMSSent")

    assert found(told, closing, waiting, places=_open_requests("a", "b", "c")) == [
        "a: told, yet still holds a place in LIMIT#RES#HTL-100101"
    ]
    assert not found(told, closing, waiting, places=_open_requests("b", "c"))
    # Read with the requests rather than after them, a place proves nothing: the scan is no snapshot.
    assert not found(told, closing, waiting, _open_requests("a", "b", "c"))


def test_events_of_a_request_that_does_not_exist_are_reported():
    orphan = [{"PK": "REQ#z", "SK": "EVENT#2026-11-23T11:59:00.000+00:00#Created"}]

    assert found(orphan) == ["z: events without a request"]


def _proposed(request_id, state, *after, told=False):
    items = request(
        request_id, "Responded", "Created", "SMSSent", "Responded", "Notified", *after, answer="alternative"
    )
    items[0]["proposal"] = {"time": NOW.isoformat(), "state": state}
    if told:
        items[0]["partnerToldAt"] = NOW.isoformat()
    return items


def test_proposal_histories_pass():
    assert not found(
        _proposed("a", "pending"),
        _proposed("b", "accepted", "CustomerAccepted"),
        _proposed("c", "declined", "CustomerDeclined", "PartnerTold", told=True),
        _proposed("d", "lapsed", "ProposalLapsed", "PartnerTold", told=True),
    )


@pytest.mark.parametrize(
    ("items", "problem"),
    [
        (_proposed("a", "accepted", "CustomerAccepted", "CustomerDeclined"), "decided more than once"),
        (_proposed("a", "pending", "CustomerAccepted"), "but its events say accepted"),
        (
            _proposed("a", "declined", "CustomerDeclined", "PartnerTold", "PartnerTold", told=True),
            "more than once",
        ),
        (_proposed("a", "pending", "PartnerTold", told=True), "before the proposal was decided"),
        (_proposed("a", "lapsed", "ProposalLapsed", "PartnerTold"), "disagree"),
        (
            request(
                "a", "Responded", "Created", "Responded", "Notified", "CustomerAccepted", answer="accept"
            ),
            "without a proposal",
        ),
    ],
)
def test_each_broken_proposal_rule_is_reported(items, problem):
    assert any(problem in violation for violation in found(items))


def _with_outcomes(items, *outcomes):
    """`items` of one request with delivery reports added: (seconds after its first event, type,
    details)."""
    created = datetime.fromisoformat(items[1]["SK"].split("#", 2)[1].rsplit("#", 1)[0])
    for seconds, kind, details in outcomes:
        at = (created + timedelta(seconds=seconds)).isoformat(timespec="milliseconds")
        items.append({"PK": items[0]["PK"], "SK": f"EVENT#{at}#{kind}", "details": details})
    return items


REPORT = {"messageId": "862a8790-60c0-4430-9b2b-658bdexample", "status": "TEXT_DELIVERED", "sms": "link"}
UNREACHABLE = {**REPORT, "status": "TEXT_UNREACHABLE"}


def test_delivery_reports_stand_apart_from_the_rounds_even_after_the_customer_was_told():
    undeliverable = request("b", "Failed", "Created", "SMSSent", "Failed", "Notified")
    undeliverable[0]["failureReason"] = "SmsUndeliverable"
    assert not found(
        # The link and the reminder each reported; the reminder's after the customer was told.
        _with_outcomes(
            request("a", "Timeout", "Created", "SMSSent", "Reminded", "Timeout", "Notified"),
            (1.5, "Delivered", REPORT),
            (4.5, "Delivered", {**REPORT, "sms": "reminder"}),
        ),
        _with_outcomes(undeliverable, (1.5, "Undeliverable", UNREACHABLE)),
        # A late report of a link an answer beat.
        _with_outcomes(
            request("c", "Responded", "Created", "SMSSent", "Responded", "Notified", answer="accept"),
            (3.5, "Undeliverable", UNREACHABLE),
        ),
    )


def _failed_undeliverable(*outcomes):
    items = request("x", "Failed", "Created", "SMSSent", "Failed", "Notified")
    items[0]["failureReason"] = "SmsUndeliverable"
    return _with_outcomes(items, *outcomes)


@pytest.mark.parametrize(
    ("history", "problem"),
    [
        (_failed_undeliverable(), "without an Undeliverable report"),
        (_failed_undeliverable((1.5, "Undeliverable", {"status": "TEXT_UNREACHABLE"})), "names no message"),
        (
            _failed_undeliverable((1.5, "Undeliverable", {**UNREACHABLE, "to": "+821000002001"})),
            "carries a phone number",
        ),
        (
            _failed_undeliverable((1.5, "Undeliverable", UNREACHABLE), (-1, "Delivered", REPORT)),
            "before Created",
        ),
    ],
)
def test_each_broken_delivery_rule_is_reported(history, problem):
    problems = found(history)
    assert any(problem in p for p in problems), problems
