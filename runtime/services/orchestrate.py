"""Match the request to its reservation and partner, then start exactly one workflow for it."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository, WorkflowClient
from runtime.domain.model import FailureReason, Request
from runtime.services.close import fail_and_tell

log = structlog.get_logger()


def start_confirmation(
    request: Request,
    *,
    repository: RequestRepository,
    workflow: WorkflowClient,
    clock: Clock,
    metrics: MetricWriter,
) -> None:
    """Safe to run more than once: the workflow is named after the request, so it starts once.

    The matched request travels in the workflow's input; the SMS step stores the partner on the
    request together with the task token. A request that ended meanwhile makes that step fail fast.
    """
    reservation = repository.find_reservation(request.reservation_number, request.customer_phone)
    if reservation is None:
        # Unknown reservation and wrong phone end the same way: nothing reveals which it was.
        fail_and_tell(
            request,
            FailureReason.RESERVATION_NOT_MATCHED,
            repository=repository,
            clock=clock,
            metrics=metrics,
        )
        return
    workflow.start(request.with_partner(reservation))
    log.info("workflow_started")
