"""What the SMS service heard back about a request's SMS: put it on the timeline, and end the wait of
a request whose link can never reach its partner."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository
from runtime.contract import Metric
from runtime.domain.model import DeliveryOutcome
from runtime.services.close import fail_undeliverable

log = structlog.get_logger()


def record_delivery(
    outcome: DeliveryOutcome, *, repository: RequestRepository, clock: Clock, metrics: MetricWriter
) -> None:
    """Delivered at least once (SNS, then Lambda's retries): the timeline entry is keyed on the
    report itself, and closing is conditional, so a repeated report changes nothing.

    Every report goes on the timeline, also after the request closed (a late Delivered is still a
    fact about it). An undeliverable link SMS fails the request while it still waits for that link.
    Raises DependencyUnavailable (the delivery is retried) when the table cannot be reached.
    """
    with structlog.contextvars.bound_contextvars(
        requestId=outcome.request_id, messageId=outcome.message_id, sms=outcome.kind
    ):
        if not repository.record_event(outcome.event):
            log.warning("delivery_for_unknown_request", status=outcome.status)
            return
        metrics.count(Metric.SMS_DELIVERED if outcome.delivered else Metric.SMS_UNDELIVERABLE)
        log.info("sms_delivery_recorded", delivered=outcome.delivered, status=outcome.status)
        if outcome.ends_the_wait:
            fail_undeliverable(outcome, repository=repository, clock=clock, metrics=metrics)
