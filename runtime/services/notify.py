"""The workflow's last step: write the customer's message once, and end the request as the workflow saw it."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from runtime.adapters.ports import Clock, MessageWriter, MetricWriter, RequestRepository
from runtime.contract import Metric
from runtime.domain.errors import AlreadyExists, DependencyUnavailable
from runtime.domain.model import MessageSource, Notification, Outcome, Request

log = structlog.get_logger()


def notify_customer(
    request_id: str,
    outcome: Outcome,
    *,
    repository: RequestRepository,
    writers: Sequence[MessageWriter],
    clock: Clock,
    metrics: MetricWriter,
) -> None:
    """`writers` are tried in order; the last one (the template) always writes.

    If the stored status disagrees with the workflow's outcome (an answer committed just as the
    task timed out), the outcome wins: it is what the workflow actually did.
    """
    request = repository.get_request(request_id)
    if request is None:
        log.error("request_missing")
        return
    if request.notification is not None:
        log.info("already_notified")
        return
    text, source = _write(request, outcome, writers, metrics)
    close_as = outcome.status if request.status is not outcome.status else None
    try:
        repository.store_notification(
            request_id,
            Notification(message=text, at=clock.now(), source=source),
            expected=request.status,
            close_as=close_as,
        )
    except AlreadyExists:
        log.info("already_notified")
        return
    log.info("customer_notified", outcome=outcome, source=source, reconciledTo=close_as)


def _write(
    request: Request, outcome: Outcome, writers: Sequence[MessageWriter], metrics: MetricWriter
) -> tuple[str, MessageSource]:
    for position, writer in enumerate(writers):
        try:
            text = writer.write(request, outcome)
        except DependencyUnavailable as error:
            log.warning("message_writer_failed", source=writer.source, error=str(error))
            continue
        if position > 0 and writer.source is MessageSource.TEMPLATE:
            metrics.count(Metric.MESSAGE_FALLBACK_USED)
        return text, writer.source
    raise DependencyUnavailable("no message writer produced a message")
