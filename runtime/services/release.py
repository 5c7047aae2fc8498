"""A request that closed frees its place among its reservation's open requests (from the table's
stream: delivered at least once, for every way a request closes, without touching those paths)."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import RequestRepository
from runtime.domain.limits import open_request_of
from runtime.domain.model import Request

log = structlog.get_logger()


def release_open_request(request: Request, *, repository: RequestRepository) -> None:
    """`request`: as stored when it closed. Safe to deliver more than once (removing an id that is not
    there changes nothing), and whatever the limits are now, so no id outlives its request."""
    if not request.is_closed:
        log.error("release_of_open_request", status=request.status)
        return
    repository.release(open_request_of(request))
    log.info("open_request_released")
