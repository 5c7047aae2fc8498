"""Ending a request that did not get a partner's answer: Timeout or Failed, each written once."""

from __future__ import annotations

from datetime import datetime

import attrs
import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository
from runtime.contract import Metric
from runtime.domain.errors import StatusConflict
from runtime.domain.messages import template_message
from runtime.domain.model import (
    OPEN_STATUSES,
    FailureReason,
    MessageSource,
    Notification,
    Outcome,
    Request,
    Status,
)

log = structlog.get_logger()


def close_on_timeout(
    request_id: str, *, repository: RequestRepository, clock: Clock, metrics: MetricWriter
) -> None:
    """The workflow waited long enough. A request that already ended keeps its status."""
    try:
        repository.close(request_id, Status.TIMEOUT, clock.now(), allowed_from=OPEN_STATUSES)
    except StatusConflict:
        log.info("late_timeout_ignored")
        return
    metrics.count(Metric.PARTNER_TIMED_OUT)
    log.info("request_timed_out")


def close_as_failed(
    request_id: str,
    reason: FailureReason,
    *,
    repository: RequestRepository,
    clock: Clock,
    metrics: MetricWriter,
) -> None:
    """Inside the workflow: its notification step tells the customer afterwards."""
    _fail(request_id, reason, clock.now(), None, repository=repository, metrics=metrics)


def fail_and_tell(
    request: Request,
    reason: FailureReason,
    *,
    repository: RequestRepository,
    clock: Clock,
    metrics: MetricWriter,
) -> None:
    """Outside the workflow: close as Failed and store the customer's message in the same write."""
    now = clock.now()
    failed = attrs.evolve(request, status=Status.FAILED, failure_reason=reason)
    notification = Notification(template_message(failed, Outcome.FAILED), now, MessageSource.TEMPLATE)
    _fail(request.request_id, reason, now, notification, repository=repository, metrics=metrics)


def _fail(
    request_id: str,
    reason: FailureReason,
    at: datetime,
    notification: Notification | None,
    *,
    repository: RequestRepository,
    metrics: MetricWriter,
) -> None:
    try:
        repository.close(
            request_id,
            Status.FAILED,
            at,
            allowed_from=OPEN_STATUSES,
            failure_reason=reason,
            notification=notification,
        )
    except StatusConflict:
        log.info("late_failure_ignored")
        return
    metrics.count(Metric.REQUEST_FAILED)
    log.info("request_failed", reason=reason)


def fail_abandoned(
    request_id: str, *, repository: RequestRepository, clock: Clock, metrics: MetricWriter
) -> None:
    """The orchestrator gave up after its retries: no workflow will tell the customer, so do it here."""
    request = repository.get_request(request_id)
    if request is None:
        log.error("request_missing")
        return
    fail_and_tell(request, FailureReason.INTERNAL, repository=repository, clock=clock, metrics=metrics)
