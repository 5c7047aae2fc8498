"""Ending a request without a partner's answer: the workflow's timeout and failure paths, the
orchestrator's unmatched reservation, and a link SMS that cannot reach the partner. A recorded
answer always wins over any of them."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository
from runtime.contract import Metric
from runtime.domain.errors import StatusConflict
from runtime.domain.lifecycle import sources_to
from runtime.domain.limits import open_request_of
from runtime.domain.messages import template_message
from runtime.domain.model import (
    DeliveryOutcome,
    Ending,
    FailureReason,
    MessageSource,
    Notification,
    Outcome,
    Request,
    Status,
)

log = structlog.get_logger()
# The partner has not opened the link yet (a partner who opened it got the SMS, whatever a late
# report says).
_LINK_UNOPENED = frozenset({Status.CREATED, Status.SMS_SENT})
_CLOSED_METRIC = {Outcome.TIMEOUT: Metric.PARTNER_TIMED_OUT, Outcome.FAILED: Metric.REQUEST_FAILED}


def _closed_metric(ending: Ending) -> Metric:
    # A cost guard at work, not a failure of the system: counted apart, with its own alarm.
    if ending.failure_reason is FailureReason.PARTNER_SMS_LIMIT:
        return Metric.PARTNER_SMS_LIMITED
    return _CLOSED_METRIC[ending.outcome]


def close_unanswered(
    request_id: str,
    ending: Ending,
    *,
    repository: RequestRepository,
    clock: Clock,
    metrics: MetricWriter,
) -> Ending:
    """The workflow stopped waiting (`ending`: timeout, or failure with its reason). Returns how the
    request really ended: if the partner's answer was recorded first, it stays Responded and the
    customer is told the answer; if another path closed it, that ending stands."""
    try:
        repository.close(
            request_id,
            ending.outcome.status,
            clock.now(),
            allowed_from=sources_to(ending.outcome.status),
            failure_reason=ending.failure_reason,
        )
    except StatusConflict:
        current = repository.get_request(request_id)
        stored = current.ending if current else None
        if stored is None:
            raise
        log.info("closed_before", status=current.status if current else None, wanted=ending.outcome)
        return stored
    metrics.count(_closed_metric(ending))
    log.info("request_closed", outcome=ending.outcome, reason=ending.failure_reason)
    return ending


def reject_unmatched(
    request: Request, *, repository: RequestRepository, clock: Clock, metrics: MetricWriter
) -> None:
    """No reservation with this number and phone: close as Failed and tell the customer in the same
    write (no workflow follows). Unknown number and wrong phone read the same."""
    now = clock.now()
    ending = Ending(Outcome.FAILED, failure_reason=FailureReason.RESERVATION_NOT_MATCHED)
    notification = Notification(
        template_message(request.ended(ending), Outcome.FAILED), now, MessageSource.TEMPLATE, Outcome.FAILED
    )
    try:
        repository.close(
            request.request_id,
            ending.outcome.status,
            now,
            allowed_from=sources_to(ending.outcome.status),
            failure_reason=ending.failure_reason,
            notification=notification,
            frees=open_request_of(request),
        )
    except StatusConflict:
        log.info("closed_before", wanted=ending.outcome)
        return
    # A customer's typo, not a failure of the system: counted apart, so failure alarms stay meaningful.
    metrics.count(Metric.RESERVATION_NOT_MATCHED)
    log.info("request_unmatched")


def fail_undeliverable(
    outcome: DeliveryOutcome, *, repository: RequestRepository, clock: Clock, metrics: MetricWriter
) -> bool:
    """The link's SMS will never reach the partner: end the wait now rather than at its timeout.

    One conditional write: Failed (SmsUndeliverable), while the request still waits on that link
    (same partner attempt), unopened and unanswered. What follows is delivered from that write: the
    waiting workflow's wait is failed (the resumer), its failure path finds the request closed and
    tells the customer once; the operators are alerted (the escalator). Returns False when anything
    else came first (an answer, an open, a timeout, a redrive): that stands.
    """
    try:
        repository.close(
            outcome.request_id,
            Status.FAILED,
            max(clock.now(), outcome.at),
            allowed_from=_LINK_UNOPENED,
            failure_reason=FailureReason.SMS_UNDELIVERABLE,
            link_id=outcome.link_id,
        )
    except StatusConflict:
        log.info("undeliverable_changes_nothing", status=_status_of(outcome.request_id, repository))
        return False
    metrics.count(Metric.REQUEST_FAILED)
    log.info("request_closed", outcome=Outcome.FAILED, reason=FailureReason.SMS_UNDELIVERABLE)
    return True


def _status_of(request_id: str, repository: RequestRepository) -> Status | None:
    current = repository.get_request(request_id)
    return current.status if current else None
