"""What operators read: aligned tables (Hangul counted as two columns), KST times, short ages, phones
masked unless revealed, no tokens; and the queries behind them, on the fake repository."""

from __future__ import annotations

import unicodedata
from datetime import UTC, date, datetime, timedelta

import attrs
import pytest

from ops import render
from ops.commands.export import COLUMNS, row
from ops.errors import OpsError
from ops.queries import day_figures, days_from, requests_in, timeline
from runtime.domain.model import (
    Answer,
    Event,
    EventType,
    MessageSource,
    Notification,
    Outcome,
    PartnerResponse,
    Status,
)
from tests.builders import CUSTOMER_PHONE, PARTNER_PHONE, T0, assigned_request, request
from tests.fakes import FakeRequestRepository

TOLD = Notification("파트너가 응답하지 않았습니다.", T0, MessageSource.TEMPLATE, Outcome.TIMEOUT)


def columns(line: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in line)


def test_a_table_lines_up_korean_and_latin_cells():
    text = render.table(("NAME", "PHONE"), [("서울 한강 호텔", "+8210****2001"), ("Jeju Tours", "-")])
    header, first, second = text.splitlines()
    # The second column starts at the same terminal column on every line.
    starts = [
        columns(line[: line.index(cell)]) for line, cell in ((header, "PHONE"), (first, "+82"), (second, "-"))
    ]
    assert len(set(starts)) == 1
    assert not any(line.endswith(" ") for line in text.splitlines())


@pytest.mark.parametrize(
    ("seconds", "shown"),
    [
        (0, "0s"),
        (45, "45s"),
        (65, "1m 5s"),
        (3600 * 3 + 60 * 20 + 5, "3h 20m"),
        (86400 * 2 + 3600 * 4, "2d 4h"),
    ],
)
def test_ages_are_short(seconds, shown):
    assert render.age(timedelta(seconds=seconds)) == shown


def test_times_for_people_are_kst_and_for_programs_iso_with_offset():
    late_utc = datetime(2026, 11, 23, 15, 30, 2, tzinfo=UTC)
    assert render.kst(late_utc) == "2026-11-24 00:30:02 KST"
    assert render.iso(late_utc) == "2026-11-24T00:30:02+09:00"
    assert render.kst(None) == "-" and render.iso(None) is None


def test_a_summary_masks_the_partner_and_names_the_status():
    answered = assigned_request(status=Status.FAILED, notification=None)
    line = render.summary_row(answered, T0 + timedelta(minutes=3))
    assert line[3] == "Failed, untold"
    assert line[4] == "3m 0s"
    assert line[5] == "서울 한강 호텔 +8210****2001"
    assert PARTNER_PHONE not in str(render.summary(answered, T0))


def test_detail_masks_every_phone_unless_revealed_and_never_shows_tokens():
    stored = assigned_request(
        task_token="task-token-secret",
        query="010-2345-6789로 전화 주세요",
        status=Status.RESPONDED,
        response=PartnerResponse(Answer.ACCEPT, T0),
    )
    events = [Event(stored.request_id, EventType.RESPONDED, T0 + timedelta(seconds=2), {"answer": "accept"})]
    events.append(Event(stored.request_id, EventType.CREATED, T0))

    masked = render.detail(stored, events, reveal=False)
    shown = render.detail(stored, events, reveal=True)

    assert masked["customerPhone"] == "+8210****1001" and masked["partnerPhone"] == "+8210****2001"
    assert masked["query"] == "+8210****6789로 전화 주세요"
    assert shown["customerPhone"] == CUSTOMER_PHONE and shown["partnerPhone"] == PARTNER_PHONE
    assert shown["query"] == stored.query
    assert [e["type"] for e in masked["events"]] == ["Created", "Responded"]  # oldest first
    for view in (masked, shown, render.detail_text(stored, events, reveal=True)):
        assert "task-token-secret" not in str(view)
    text = render.detail_text(stored, events, reveal=False)
    assert CUSTOMER_PHONE not in text and PARTNER_PHONE not in text and "010-2345-6789" not in text


def test_detail_text_shows_each_attempt_and_the_redrive_with_its_reason():
    redriven = attrs.evolve(
        assigned_request(status=Status.SMS_SENT),
        attempt=2,
        earlier_notifications=(TOLD,),
        due_at=T0 + timedelta(minutes=7),
    )
    events = [
        Event(redriven.request_id, EventType.CREATED, T0),
        Event(redriven.request_id, EventType.REDRIVEN, T0 + timedelta(hours=1), {"reason": "전화 확인"}),
    ]

    text = render.detail_text(redriven, events, reveal=False)

    assert f"attempt 2, workflow {redriven.request_id}-2" in text
    assert f"Told #1      {render.kst(T0)} [template] {TOLD.message}" in text
    assert "Redriven    reason: 전화 확인" in text
    assert "Due          2026-11-23 15:07:00 KST" in text
    assert text.index("Created") < text.index("Redriven")


def test_an_export_row_is_masked_and_measures_the_answer():
    answered = assigned_request(
        status=Status.RESPONDED,
        sms_sent_at=T0,
        response=PartnerResponse(Answer.ALTERNATIVE, T0 + timedelta(seconds=75), T0 + timedelta(days=1)),
        notification=attrs.evolve(TOLD, outcome=Outcome.RESPONDED),
    )
    exported = row(answered)
    assert set(exported) == set(COLUMNS)
    assert exported["customerPhone"] == "+8210****1001" and exported["partnerPhone"] == "+8210****2001"
    assert exported["answerSeconds"] == 75.0
    assert exported["answer"] == "alternative" and exported["alternativeTime"].endswith("+09:00")
    assert "query" not in exported


def test_days_from_a_day_to_today_both_included_and_bounded():
    assert days_from(date(2026, 11, 29), date(2026, 12, 1)) == [
        date(2026, 11, 29),
        date(2026, 11, 30),
        date(2026, 12, 1),
    ]
    with pytest.raises(OpsError, match="after today"):
        days_from(date(2026, 12, 2), date(2026, 12, 1))
    with pytest.raises(OpsError, match="at most 366 days"):
        days_from(date(2025, 11, 30), date(2026, 12, 1))


def _repository_with_a_day_of_requests() -> FakeRequestRepository:
    repository = FakeRequestRepository()
    for n, (status, answered_after) in enumerate(
        [(Status.RESPONDED, 30), (Status.RESPONDED, 90), (Status.RESPONDED, 600), (Status.TIMEOUT, None)]
    ):
        stored = assigned_request(
            request_id=f"0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e{n:02d}",
            status=status,
            updated_at=T0,
            sms_sent_at=T0,
            response=PartnerResponse(Answer.ACCEPT, T0 + timedelta(seconds=answered_after))
            if answered_after
            else None,
        )
        repository.requests[stored.request_id] = stored
        repository.status_days[stored.request_id] = T0.date()
    other_day = request(request_id="0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5eff", status=Status.TIMEOUT)
    repository.requests[other_day.request_id] = other_day
    repository.status_days[other_day.request_id] = T0.date() - timedelta(days=1)
    return repository


def test_requests_in_reads_each_status_and_day_once_and_reports_each_partition():
    repository = _repository_with_a_day_of_requests()
    read = []

    found = list(
        requests_in(
            repository,
            [Status.TIMEOUT, Status.RESPONDED],
            [T0.date() - timedelta(days=1), T0.date()],
            on_partition=lambda status, day, count: read.append((status, day, count)),
        )
    )

    assert len(found) == 5 and len({r.request_id for r in found}) == 5
    assert read == [
        (Status.TIMEOUT, T0.date() - timedelta(days=1), 1),
        (Status.RESPONDED, T0.date() - timedelta(days=1), 0),
        (Status.TIMEOUT, T0.date(), 1),
        (Status.RESPONDED, T0.date(), 3),
    ]


def test_a_days_figures_count_in_status_and_take_the_median_answer_time():
    figures = day_figures(_repository_with_a_day_of_requests(), T0.date())

    assert figures.counts[Status.RESPONDED] == 3 and figures.counts[Status.TIMEOUT] == 1
    assert figures.total == 4
    assert figures.median_answer_seconds == 90.0
    assert figures.answer_seconds == {"PTN-HOTEL-SEOUL": [30.0, 90.0, 600.0]}


def test_a_timeline_of_an_unknown_or_malformed_id_is_a_clear_error():
    repository = FakeRequestRepository()
    with pytest.raises(OpsError, match="request 0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f not found in the table"):
        timeline(repository, "0b6f3c1e-2a4d-4c8e-9f10-1a2b3c4d5e6f", where="the table")
    with pytest.raises(OpsError, match="is not a request id"):
        timeline(repository, "../../etc", where="the table")
