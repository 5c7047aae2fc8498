"""Match a new request to its reservation and partner, then start exactly one workflow for it."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository, WorkflowClient
from runtime.domain.model import Request
from runtime.services.close import reject_unmatched

log = structlog.get_logger()


def start_confirmation(
    request: Request,
    *,
    repository: RequestRepository,
    workflow: WorkflowClient,
    clock: Clock,
    metrics: MetricWriter,
) -> None:
    """`request`: as stored by the customer's submit (delivered from the table's stream, at least once).

    Safe to run more than once: the workflow is named after the request, so it starts once, and an
    unmatched request is closed on the condition that it is still open. The matched request travels
    in the workflow's input; the SMS step stores the partner on the request with the task token.
    """
    if request.is_closed:
        log.info("request_closed_before_start", status=request.status)
        return
    reservation = repository.find_reservation(request.reservation_number, request.customer_phone)
    if reservation is None:
        reject_unmatched(request, repository=repository, clock=clock, metrics=metrics)
        return
    workflow.start(request.with_partner(reservation))
    log.info("workflow_started")
