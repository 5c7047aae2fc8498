"""The customer's view of a request: its status and every event so far."""

from __future__ import annotations

from runtime.adapters.ports import RequestRepository
from runtime.domain.errors import RequestNotFound
from runtime.domain.model import Event, Request
from runtime.domain.validation import is_request_id


def get_timeline(request_id: str, *, repository: RequestRepository) -> tuple[Request, list[Event]]:
    found = repository.get_timeline(request_id) if is_request_id(request_id) else None
    if found is None:
        raise RequestNotFound()
    return found
