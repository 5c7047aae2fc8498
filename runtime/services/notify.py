"""The workflow's last step: write the customer's message once, telling how the request really ended."""

from __future__ import annotations

from collections.abc import Sequence

import structlog

from runtime.adapters.ports import Clock, MessageWriter, MetricWriter, RequestRepository
from runtime.contract import Metric
from runtime.domain.errors import AlreadyExists, DependencyUnavailable, StatusConflict
from runtime.domain.limits import open_request_of
from runtime.domain.messages import TEMPLATE_ONLY_REASONS
from runtime.domain.model import Ending, MessageSource, Notification, Request

log = structlog.get_logger()


def notify_customer(
    request: Request,
    ending: Ending,
    *,
    repository: RequestRepository,
    writers: Sequence[MessageWriter],
    clock: Clock,
    metrics: MetricWriter,
) -> Ending:
    """`request`: as the workflow received it; `ending`: what its steps produced. `writers` are tried
    in order; the last one (the template) always writes. Return the ending the customer was told.

    The message is stored on the condition that the request ended so and has no message yet, so the
    usual case reads nothing. If the stored request disagrees (another path closed it first), the
    stored ending is told instead: a recorded answer is the truth, and a request still open is closed
    as the workflow saw it.
    """
    try:
        _store(
            request,
            ending,
            expected=ending,
            repository=repository,
            writers=writers,
            clock=clock,
            metrics=metrics,
        )
        return ending
    except (AlreadyExists, StatusConflict):
        pass  # told before (a retried step), or another path closed it first: the stored request says
    current = repository.get_request(request.request_id)
    if current is None:
        log.error("request_missing")
        return ending
    if current.notification is not None:
        log.info("already_notified")
        return current.ending or ending
    stored = current.ending
    try:
        _store(
            current,
            stored or ending,
            expected=stored,
            repository=repository,
            writers=writers,
            clock=clock,
            metrics=metrics,
        )
    except AlreadyExists:
        log.info("already_notified")
    else:
        log.info("customer_notified_as_stored", wanted=ending.outcome, stored=current.status)
    return stored or ending


def _store(
    request: Request,
    ending: Ending,
    *,
    expected: Ending | None,
    repository: RequestRepository,
    writers: Sequence[MessageWriter],
    clock: Clock,
    metrics: MetricWriter,
) -> None:
    """`expected`: the ending the stored request has (None: still open, so close it as `ending`)."""
    if ending.failure_reason in TEMPLATE_ONLY_REASONS:
        writers = writers[-1:]
    text, source = _write(request.ended(ending), ending, writers, metrics)
    notification = Notification(message=text, at=clock.now(), source=source, outcome=ending.outcome)
    status = ending.outcome.status
    # Telling the customer frees the request's place among its reservation's open requests.
    frees = open_request_of(request)
    if expected is None:
        repository.store_notification(
            request.request_id, notification, expected=request.status, close_as=status, frees=frees
        )
    else:
        repository.store_notification(
            request.request_id, notification, expected=status, close_as=None, frees=frees
        )
    log.info("customer_notified", outcome=ending.outcome, source=source)


def _write(
    request: Request, ending: Ending, writers: Sequence[MessageWriter], metrics: MetricWriter
) -> tuple[str, MessageSource]:
    for position, writer in enumerate(writers):
        try:
            text = writer.write(request, ending.outcome)
        except DependencyUnavailable as error:
            log.warning("message_writer_failed", source=writer.source, error=str(error))
            continue
        if position > 0 and writer.source is MessageSource.TEMPLATE:
            metrics.count(Metric.MESSAGE_FALLBACK_USED)
        return text, writer.source
    raise DependencyUnavailable("no message writer produced a message")
