"""Redrive: an operator gives a request that ended without the partner's answer a fresh attempt.

Only a request whose round is over and told (Timeout or Failed, its customer's message stored) and
that the partner never answered is redriven; a request its reservation did not match is not (a new
attempt would find no partner either). The new round starts where a new request starts (Created,
with a new due time), keeps the earlier rounds' messages, and gets its own workflow.
"""

from __future__ import annotations

from datetime import datetime, timedelta

import attrs

from runtime.domain.deadlines import due_on_creation
from runtime.domain.lifecycle import Move, sources
from runtime.domain.model import FailureReason, Request, Status

REDRIVABLE_STATUSES = sources(Move.REDRIVEN)
NOT_REDRIVABLE_REASONS = frozenset({FailureReason.RESERVATION_NOT_MATCHED})
REASON_MAX_LENGTH = 500


def refusal(request: Request) -> str | None:
    """Why `request` may not be redriven (for the operator, in English), or None when it may."""
    if request.response is not None:
        return f"the partner answered ({request.response.answer}); its answer stands"
    if request.status not in REDRIVABLE_STATUSES:
        if request.status.is_terminal:
            return f"it ended {request.status}; only Timeout and Failed requests are redriven"
        return f"it is still open ({request.status}): its current attempt is running"
    if request.failure_reason in NOT_REDRIVABLE_REASONS:
        return "no reservation matched its number and phone; a new attempt would find no partner"
    if request.notification is None:
        return "its customer is being told how this attempt ended; try again in a minute"
    return None


def next_round(request: Request, at: datetime, partner_timeout: timedelta) -> Request:
    """The request as its next attempt starts: Created again, due as a new request is, with nothing
    of the attempt before but its customer's message, kept with the earlier ones."""
    earlier = request.earlier_notifications
    if request.notification is not None:
        earlier = (*earlier, request.notification)
    return attrs.evolve(
        request,
        status=Status.CREATED,
        updated_at=at,
        attempt=request.attempt + 1,
        earlier_notifications=earlier,
        due_at=due_on_creation(at, partner_timeout),
        notification=None,
        task_token=None,
        answer_by=None,
        sms_sent_at=None,
        failure_reason=None,
        link_id=None,
        link_expires_at=None,
        reminded_at=None,
    )


def clean_reason(reason: str) -> str | None:
    """The operator's reason as recorded (trimmed), or None when it is empty or too long."""
    text = " ".join(reason.split())
    return text if 0 < len(text) <= REASON_MAX_LENGTH else None
