"""The backstop: every request past its due time is ended, with exactly one customer message.

A request is due when its customer must have been told (runtime.domain.deadlines). The workflow
tells them long before that; a request still untold at its due time lost a hand-off (a record that
went to the dead-letter queue, a workflow that never started or died). The sweeper ends it as what
is stored says: a recorded answer is told as the answer; a link that went out and was never answered
is a timeout; a request that never texted its partner failed.
"""

from __future__ import annotations

from datetime import UTC, timedelta

import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository
from runtime.contract import Metric
from runtime.domain.errors import AlreadyExists, StatusConflict
from runtime.domain.limits import open_request_of
from runtime.domain.messages import template_message
from runtime.domain.model import (
    OPEN_ORDER,
    Ending,
    FailureReason,
    MessageSource,
    Notification,
    Outcome,
    Request,
)

# How far back the sweeper looks for due markers: far longer than any request lives, so a sweeper
# that was stopped for days still finds what it missed.
LOOKBACK_DAYS = 7
# A request that changes while it is being swept is looked at again, this often at most.
_ATTEMPTS = 3
log = structlog.get_logger()


def sweep_overdue(*, repository: RequestRepository, clock: Clock, metrics: MetricWriter) -> int:
    """End every overdue request; return how many the sweeper had to end. Then report how many
    requests are open in each status (the operators' dashboard)."""
    swept = 0
    for request_id in repository.overdue(clock.now(), days=LOOKBACK_DAYS):
        with structlog.contextvars.bound_contextvars(requestId=request_id):
            if _settle(request_id, repository=repository, clock=clock, metrics=metrics):
                swept += 1
    if swept:
        log.warning("requests_swept", count=swept)
    report_open_requests(repository=repository, clock=clock, metrics=metrics)
    return swept


def report_open_requests(*, repository: RequestRepository, clock: Clock, metrics: MetricWriter) -> None:
    """An open request moved to its status within its window (minutes), so today's and yesterday's
    (UTC) partitions of the status index hold every one of them."""
    today = clock.now().astimezone(UTC).date()
    for status in OPEN_ORDER:
        count = sum(repository.count_in_status(status, day) for day in (today - timedelta(days=1), today))
        metrics.level(Metric.OPEN_REQUESTS, count, status=str(status))


def overdue_ending(request: Request) -> Ending:
    """How an overdue, untold request ends."""
    stored = request.ending
    if stored is not None:
        return stored
    if request.answer_by is not None:  # the partner had a link and did not answer in time
        return Ending(Outcome.TIMEOUT)
    return Ending(Outcome.FAILED, failure_reason=FailureReason.NOT_STARTED)


def _settle(request_id: str, *, repository: RequestRepository, clock: Clock, metrics: MetricWriter) -> bool:
    for _ in range(_ATTEMPTS):
        request = repository.get_request(request_id)
        if request is None or request.notification is not None:
            repository.forget_due(request_id)  # told already: only the marker was left behind
            return False
        ending = overdue_ending(request)
        now = clock.now()
        notification = Notification(
            template_message(request.ended(ending), ending.outcome),
            now,
            MessageSource.TEMPLATE,
            ending.outcome,
        )
        place = open_request_of(request)  # telling the customer frees it
        try:
            if request.is_closed:
                repository.store_notification(
                    request_id, notification, expected=request.status, close_as=None, frees=place
                )
            else:
                repository.close(
                    request_id,
                    ending.outcome.status,
                    now,
                    allowed_from=frozenset({request.status}),
                    failure_reason=ending.failure_reason,
                    notification=notification,
                    frees=place,
                )
        except AlreadyExists:
            return False
        except StatusConflict:
            continue  # it moved on meanwhile: look again
        metrics.count(Metric.REQUESTS_SWEPT)
        log.warning(
            "request_swept", status=request.status, outcome=ending.outcome, reason=ending.failure_reason
        )
        return True
    log.error("request_not_settled")
    return False
