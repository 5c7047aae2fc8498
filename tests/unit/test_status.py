"""The request lifecycle (runtime/domain/lifecycle.py) and the model's statuses, events and values.

Created -> SMSSent -> Opened -> Responded; any open status -> Timeout or Failed; Responded is final;
Timeout and Failed go back to Created only through an operator's redrive.
"""

import itertools
from datetime import UTC, datetime

import attrs
import pytest

from runtime.domain.lifecycle import LIFECYCLE, Move, may_move, sources, sources_to
from runtime.domain.model import (
    OPEN_STATUSES,
    TERMINAL_STATUSES,
    Answer,
    EventType,
    Intent,
    Outcome,
    Request,
    Status,
)
from tests.builders import request, reservation

S = Status
# The rule, as the product states it, written out pair by pair.
FORWARD = {
    (S.CREATED, S.SMS_SENT),
    (S.CREATED, S.OPENED),
    (S.SMS_SENT, S.OPENED),
}
CLOSING = {(open_, terminal) for open_ in (S.CREATED, S.SMS_SENT, S.OPENED) for terminal in TERMINAL_STATUSES}
REDRIVE = {(S.TIMEOUT, S.CREATED), (S.FAILED, S.CREATED)}
ALLOWED = FORWARD | CLOSING | REDRIVE


def test_statuses_carry_the_documented_names():
    assert [str(s) for s in Status] == ["Created", "SMSSent", "Opened", "Responded", "Timeout", "Failed"]


def test_open_and_terminal_statuses_partition_all_statuses():
    assert {S.CREATED, S.SMS_SENT, S.OPENED} == OPEN_STATUSES
    assert {S.RESPONDED, S.TIMEOUT, S.FAILED} == TERMINAL_STATUSES
    assert set(Status) == OPEN_STATUSES | TERMINAL_STATUSES
    assert not OPEN_STATUSES & TERMINAL_STATUSES


@pytest.mark.parametrize(("current", "target"), sorted(itertools.product(Status, Status)))
def test_the_lifecycle_allows_exactly_the_products_moves(current, target):
    assert may_move(current, target) is ((current, target) in ALLOWED)


def test_every_move_has_one_target_and_no_move_stays_in_place():
    assert set(LIFECYCLE) == set(Move)
    for move, transition in LIFECYCLE.items():
        assert transition.sources, move
        assert transition.target not in transition.sources, move


def test_a_recorded_answer_is_final():
    assert not any(may_move(S.RESPONDED, target) for target in Status)


def test_a_late_timeout_cannot_overwrite_responded_nor_a_late_answer_overwrite_an_ending():
    assert not may_move(S.RESPONDED, S.TIMEOUT)
    assert not may_move(S.TIMEOUT, S.RESPONDED)
    assert not may_move(S.FAILED, S.RESPONDED)


@pytest.mark.parametrize("terminal", [S.RESPONDED, S.TIMEOUT, S.FAILED])
def test_a_request_ends_from_any_open_status(terminal):
    assert sources_to(terminal) == OPEN_STATUSES


@pytest.mark.parametrize(
    ("move", "expected"),
    [
        (Move.TEXTED, {S.CREATED}),
        (Move.OPENED, {S.CREATED, S.SMS_SENT}),
        (Move.ANSWERED, OPEN_STATUSES),
        (Move.REDRIVEN, {S.TIMEOUT, S.FAILED}),
    ],
)
def test_each_move_starts_where_the_product_says(move, expected):
    assert sources(move) == expected


def test_event_types_are_the_statuses_plus_notified_reminded_redriven_proposals_and_sms_outcomes():
    extra = {"Notified", "Reminded", "Redriven", "Delivered", "Undeliverable"}
    proposal = {"CustomerAccepted", "CustomerDeclined", "ProposalLapsed", "PartnerTold"}
    assert {str(t) for t in EventType} == {str(s) for s in Status} | extra | proposal


@pytest.mark.parametrize("status", sorted(Status))
def test_every_status_has_the_event_type_of_the_same_name(status):
    assert EventType.of(status) == str(status)


def test_intents_are_the_lex_intent_names_with_korean_labels():
    assert {str(i): i.label for i in Intent} == {
        "ChangeReservation": "예약변경",
        "ReportTrouble": "트러블신고",
        "AddOnService": "부가서비스",
    }


def test_partner_answers_are_the_api_values_with_korean_labels():
    assert [str(a) for a in Answer] == ["accept", "reject", "alternative"]
    assert Answer.ACCEPT.label == "수락"
    assert Answer.REJECT.label == "거절"


@pytest.mark.parametrize(
    ("outcome", "status"),
    [(Outcome.RESPONDED, S.RESPONDED), (Outcome.TIMEOUT, S.TIMEOUT), (Outcome.FAILED, S.FAILED)],
)
def test_each_workflow_outcome_ends_in_its_terminal_status(outcome, status):
    assert outcome.status is status
    assert outcome.status.is_terminal


T0 = datetime(2026, 11, 23, 6, 0, tzinfo=UTC)
REQUEST = request(
    reservation_number="CAR-200202", query="렌터카 픽업 시간을 바꾸고 싶어요", customer_id="CUST-0002"
)
RESERVATION = reservation(
    reservation_number="CAR-200202",
    customer_id="CUST-0002",
    customer_name="이서연",
    partner_id="PTN-CAR-JEJU",
    partner_name="제주 렌터카",
    partner_phone="+821000002002",
    service_type="렌터카",
    reservation_date="2026-12-05T10:00:00+09:00",
)


def test_with_partner_copies_the_partner_and_reservation_details():
    assigned = REQUEST.with_partner(RESERVATION)
    assert (
        assigned.partner_id,
        assigned.partner_name,
        assigned.partner_phone,
        assigned.service_type,
        assigned.reservation_date,
    ) == ("PTN-CAR-JEJU", "제주 렌터카", "+821000002002", "렌터카", "2026-12-05T10:00:00+09:00")


def test_with_partner_changes_nothing_else_and_leaves_the_original_untouched():
    assigned = REQUEST.with_partner(RESERVATION)
    partner_fields = {"partner_id", "partner_name", "partner_phone", "service_type", "reservation_date"}
    for field in attrs.fields(Request):
        if field.name not in partner_fields:
            assert getattr(assigned, field.name) == getattr(REQUEST, field.name), field.name
    assert REQUEST.partner_id is None
    assert assigned.customer_phone == "+821000001001"  # the customer's, not the partner's


def test_requests_are_immutable():
    with pytest.raises(attrs.exceptions.FrozenInstanceError):
        REQUEST.status = S.FAILED  # type: ignore[misc]


@pytest.mark.parametrize(("status", "closed"), [(s, s in TERMINAL_STATUSES) for s in sorted(Status)])
def test_a_request_is_closed_exactly_in_a_terminal_status(status, closed):
    assert attrs.evolve(REQUEST, status=status).is_closed is closed
