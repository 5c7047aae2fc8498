"""How requests look to operators: readable tables and timelines (times in KST, as people in Korea
read them), and JSON for programs (ISO 8601 with offset). Phones are masked unless revealed."""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Iterable, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Any

from runtime.domain.kst import KST, iso_kst
from runtime.domain.model import Event, Notification, Request
from runtime.domain.phone import mask_phone, mask_phones_in

SUMMARY_HEADERS = ("REQUEST ID", "RESERVATION", "INTENT", "STATUS", "AGE", "PARTNER")


def phone(value: str | None, *, reveal: bool = False) -> str | None:
    if value is None:
        return None
    return value if reveal else mask_phone(value)


def kst(moment: datetime | None) -> str:
    """`2026-12-01 15:30:02 KST` ("-" when there is no such moment)."""
    if moment is None:
        return "-"
    return moment.astimezone(KST).strftime("%Y-%m-%d %H:%M:%S KST")


def iso(moment: datetime | None) -> str | None:
    return iso_kst(moment) if moment is not None else None


def age(elapsed: timedelta) -> str:
    """`45s`, `12m 5s`, `3h 20m`, `2d 4h`: two units at most."""
    seconds = max(0, int(elapsed.total_seconds()))
    days, rest = divmod(seconds, 86400)
    hours, rest = divmod(rest, 3600)
    minutes, seconds = divmod(rest, 60)
    if days:
        return f"{days}d {hours}h"
    if hours:
        return f"{hours}h {minutes}m"
    if minutes:
        return f"{minutes}m {seconds}s"
    return f"{seconds}s"


def partner(request: Request, *, reveal: bool = False) -> str:
    """The partner as an operator tells them apart: name and (masked) phone."""
    name = request.partner_name or request.partner_id or ""
    parts = [name, phone(request.partner_phone, reveal=reveal) or ""]
    return " ".join(part for part in parts if part) or "-"


def summary_row(request: Request, now: datetime) -> tuple[str, ...]:
    return (
        request.request_id,
        request.reservation_number,
        request.intent.label,
        _status(request),
        age(now - request.created_at),
        partner(request),
    )


def summary(request: Request, now: datetime) -> dict[str, Any]:
    """One request as a JSON line: masked, with the facts an operator filters on."""
    return {
        "requestId": request.request_id,
        "reservationNumber": request.reservation_number,
        "intent": str(request.intent),
        "intentLabel": request.intent.label,
        "status": str(request.status),
        "attempt": request.attempt,
        "createdAt": iso(request.created_at),
        "updatedAt": iso(request.updated_at),
        "ageSeconds": int((now - request.created_at).total_seconds()),
        "partnerId": request.partner_id,
        "partnerName": request.partner_name,
        "partnerPhone": phone(request.partner_phone),
        "failureReason": str(request.failure_reason) if request.failure_reason else None,
        "told": request.notification is not None,
    }


def detail(request: Request, events: Sequence[Event], *, reveal: bool) -> dict[str, Any]:
    """`show --json`: the whole request and its timeline, oldest event first. No tokens."""
    response = request.response
    return {
        "requestId": request.request_id,
        "status": str(request.status),
        "attempt": request.attempt,
        "workflow": request.workflow_name,
        "intent": str(request.intent),
        "intentLabel": request.intent.label,
        "intentSource": str(request.intent_source),
        "reservationNumber": request.reservation_number,
        "reservationDate": request.reservation_date,
        "serviceType": request.service_type,
        "query": request.query if reveal else mask_phones_in(request.query),
        "customerId": request.customer_id,
        "customerPhone": phone(request.customer_phone, reveal=reveal),
        "partnerId": request.partner_id,
        "partnerName": request.partner_name,
        "partnerPhone": phone(request.partner_phone, reveal=reveal),
        "createdAt": iso(request.created_at),
        "updatedAt": iso(request.updated_at),
        "smsSentAt": iso(request.sms_sent_at),
        "answerBy": iso(request.answer_by),
        "dueAt": iso(request.due_at),
        "response": (
            {
                "answer": str(response.answer),
                "respondedAt": iso(response.responded_at),
                "alternativeTime": iso(response.alternative_time),
            }
            if response
            else None
        ),
        "failureReason": str(request.failure_reason) if request.failure_reason else None,
        "notification": _notification(request.notification),
        "earlierNotifications": [_notification(n) for n in request.earlier_notifications],
        "events": [
            {"type": str(event.type), "at": iso(event.at), "details": dict(event.details)}
            for event in ordered(events)
        ],
    }


def detail_text(request: Request, events: Sequence[Event], *, reveal: bool) -> str:
    """`show`: the request as a person reads it, then its timeline."""
    lines = [
        f"Request      {request.request_id}",
        f"Status       {_status(request)}"
        + (f" (attempt {request.attempt}, workflow {request.workflow_name})" if request.attempt > 1 else ""),
        f"Intent       {request.intent.label} ({request.intent}, {request.intent_source})",
        f"Reservation  {request.reservation_number}"
        + (f", {request.service_type}" if request.service_type else "")
        + (f", {_moment(request.reservation_date)}" if request.reservation_date else ""),
        f"Customer     {phone(request.customer_phone, reveal=reveal)}"
        + (f" ({request.customer_id})" if request.customer_id else ""),
        f"Partner      {partner(request, reveal=reveal)}"
        + (f" ({request.partner_id})" if request.partner_id else ""),
        f"Question     {request.query if reveal else mask_phones_in(request.query)}",
        f"Created      {kst(request.created_at)}",
    ]
    if request.answer_by:
        lines.append(f"Answer by    {kst(request.answer_by)}")
    if request.due_at and request.notification is None:
        lines.append(f"Due          {kst(request.due_at)} (the customer must be told by then)")
    if request.response:
        given = request.response
        answer = f"{given.answer.label} ({given.answer}) at {kst(given.responded_at)}"
        if request.response.alternative_time:
            answer += f", proposing {kst(request.response.alternative_time)}"
        lines.append(f"Answer       {answer}")
    for number, told in enumerate(request.earlier_notifications, start=1):
        lines.append(f"{f'Told #{number}':<13}{kst(told.at)} [{told.source}] {told.message}")
    if request.notification:
        told = request.notification
        lines.append(f"Told         {kst(told.at)} [{told.source}] {told.message}")
    lines += ["", "Timeline (KST)"]
    for event in ordered(events):
        details = ", ".join(f"{key}: {value}" for key, value in sorted(event.details.items()))
        lines.append(f"  {kst(event.at)}  {event.type!s:<10}{'  ' + details if details else ''}".rstrip())
    return "\n".join(lines)


def ordered(events: Iterable[Event]) -> list[Event]:
    return sorted(events, key=lambda event: event.at)


def table(headers: Sequence[str], rows: Iterable[Sequence[str]]) -> str:
    """Columns padded to their widest cell, counting a Hangul syllable as two columns (as terminals
    draw it), so Korean names line up."""
    rows = [tuple(headers), *(tuple(row) for row in rows)]
    widths = [max(_width(row[column]) for row in rows) for column in range(len(headers))]
    return "\n".join(
        "  ".join(_pad(cell, width) for cell, width in zip(row, widths, strict=True)).rstrip() for row in rows
    )


def json_line(value: Mapping[str, Any]) -> str:
    return json.dumps(value, ensure_ascii=False, sort_keys=False)


def _status(request: Request) -> str:
    reason = f" ({request.failure_reason})" if request.failure_reason else ""
    untold = "" if request.notification or not request.is_closed else ", untold"
    return f"{request.status}{reason}{untold}"


def _notification(told: Notification | None) -> dict[str, Any] | None:
    if told is None:
        return None
    return {
        "message": told.message,
        "at": iso(told.at),
        "source": str(told.source),
        "outcome": str(told.outcome) if told.outcome else None,
    }


def _moment(text: str) -> str:
    """A stored ISO time in KST, or the text as stored when it is not one."""
    try:
        return kst(datetime.fromisoformat(text))
    except ValueError:
        return text


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(char) in "WF" else 1 for char in text)


def _pad(text: str, width: int) -> str:
    return text + " " * (width - _width(text))
