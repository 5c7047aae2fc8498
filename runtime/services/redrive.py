"""An operator's redrive: a request that ended without the partner's answer gets a fresh attempt."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import timedelta

import structlog

from runtime.adapters.ports import Clock, RequestRepository, WorkflowClient
from runtime.domain.errors import RedriveRefused, RequestNotFound, StatusConflict
from runtime.domain.model import Request
from runtime.domain.redrive import next_round, refusal
from runtime.domain.validation import is_request_id

log = structlog.get_logger()


def redrive_request(
    request_id: str,
    *,
    details: Mapping[str, str],
    repository: RequestRepository,
    workflow: WorkflowClient,
    clock: Clock,
    partner_timeout: timedelta,
) -> Request:
    """Start the request's next attempt and return it as stored. `details` (the operator's reason and
    who they are) go on the Redriven event.

    This is one write: the orchestrator starts the attempt's workflow from it (the table's stream),
    texting the partner a new link, as for a new request. Raises RequestNotFound, and RedriveRefused
    for a request that is open, answered, unmatched, not yet told, or whose last workflow still runs
    (its closing steps would close the new attempt).
    """
    request = repository.get_request(request_id) if is_request_id(request_id) else None
    if request is None:
        raise RequestNotFound()
    if (why := refusal(request)) is not None:
        raise RedriveRefused(request_id, why)
    if workflow.running(request):
        raise RedriveRefused(request_id, f"its workflow {request.workflow_name} is still running")
    redriven = next_round(request, clock.now(), partner_timeout)
    try:
        repository.redrive(request, redriven, details=details)
    except StatusConflict:
        raise RedriveRefused(request_id, "it changed while being redriven; look at it again") from None
    log.info("request_redriven", attempt=redriven.attempt)
    return redriven
