"""Match the request to its reservation and partner, then start exactly one workflow for it."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository, WorkflowClient
from runtime.domain.errors import StatusConflict
from runtime.domain.model import FailureReason, Status
from runtime.services.close import fail_and_tell

log = structlog.get_logger()


def start_confirmation(
    request_id: str,
    *,
    repository: RequestRepository,
    workflow: WorkflowClient,
    clock: Clock,
    metrics: MetricWriter,
) -> None:
    """Safe to run more than once: a started or closed request is left as it is."""
    request = repository.get_request(request_id)
    if request is None:
        log.error("request_missing")
        return
    if request.status is not Status.CREATED:
        log.info("already_orchestrated", status=request.status)
        return
    if request.partner_id is None:
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
        try:
            repository.assign_partner(request_id, reservation, clock.now())
        except StatusConflict:
            log.info("closed_while_matching")
            return
    workflow.start(request_id)
    log.info("workflow_started")
