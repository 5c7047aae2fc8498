"""The workflow's last step: write the customer's message once, and end the request as the workflow saw it."""

from __future__ import annotations

from collections.abc import Sequence

import attrs
import structlog

from runtime.adapters.ports import Clock, MessageWriter, MetricWriter, RequestRepository
from runtime.contract import Metric
from runtime.domain.errors import AlreadyExists, DependencyUnavailable, StatusConflict
from runtime.domain.model import (
    FailureReason,
    MessageSource,
    Notification,
    Outcome,
    PartnerResponse,
    Request,
)

log = structlog.get_logger()


def notify_customer(
    request: Request,
    outcome: Outcome,
    *,
    response: PartnerResponse | None = None,
    failure_reason: FailureReason | None = None,
    repository: RequestRepository,
    writers: Sequence[MessageWriter],
    clock: Clock,
    metrics: MetricWriter,
) -> None:
    """`request`: as the workflow received it; `response`/`failure_reason`: what its task produced.
    `writers` are tried in order; the last one (the template) always writes.

    The message is stored on the condition that the request is in the outcome's status and has no
    message yet, so the usual case reads nothing. If the stored status disagrees with the outcome (an
    answer committed just as the task timed out), the outcome wins: it is what the workflow did.
    """
    ended = attrs.evolve(
        request,
        status=outcome.status,
        response=response or request.response,
        failure_reason=failure_reason or request.failure_reason,
    )
    text, source = _write(ended, outcome, writers, metrics)
    notification = Notification(message=text, at=clock.now(), source=source)
    try:
        try:
            repository.store_notification(
                request.request_id, notification, expected=outcome.status, close_as=None
            )
            reconciled_from = None
        except StatusConflict:
            current = repository.get_request(request.request_id)
            if current is None:
                log.error("request_missing")
                return
            reconciled_from = current.status
            close_as = outcome.status if current.status is not outcome.status else None
            repository.store_notification(
                request.request_id, notification, expected=current.status, close_as=close_as
            )
    except AlreadyExists:
        log.info("already_notified")
        return
    log.info("customer_notified", outcome=outcome, source=source, reconciledFrom=reconciled_from)


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
