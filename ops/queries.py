"""What the commands read from the table, through the runtime's repository: requests by status and
day (the status index, bucketed by the UTC day a request reached its status), a request's
timeline, and a day's figures."""

from __future__ import annotations

import statistics
from collections import defaultdict
from collections.abc import Callable, Iterator, Sequence
from datetime import date, timedelta

import attrs

from ops.errors import OpsError
from runtime.adapters.ports import RequestRepository
from runtime.domain.model import Event, Request, Status
from runtime.domain.validation import is_request_id

# A --since that reaches further back than this is a typo, not a question (each day is one query
# per status).
MAX_DAYS = 366


def days_from(first: date, today: date) -> list[date]:
    """Every UTC day from `first` to `today`, both included."""
    if first > today:
        raise OpsError(f"{first} is after today ({today}, UTC)")
    count = (today - first).days + 1
    if count > MAX_DAYS:
        raise OpsError(f"{first} is {count} days back; ask for at most {MAX_DAYS} days at a time")
    return [first + timedelta(days=offset) for offset in range(count)]


def requests_in(
    repository: RequestRepository,
    statuses: Sequence[Status],
    days: Sequence[date],
    *,
    on_partition: Callable[[Status, date, int], None] | None = None,
) -> Iterator[Request]:
    """Every request now in one of `statuses` that reached it on one of `days`. A request is in one
    partition at a time (its status's, on the day it moved there), so none comes twice.
    `on_partition(status, day, found)` hears of each partition once read (a progress bar)."""
    for day in days:
        for status in statuses:
            found = 0
            for request in repository.requests_by_status(status, day):
                found += 1
                yield request
            if on_partition is not None:
                on_partition(status, day, found)


def timeline(repository: RequestRepository, request_id: str, *, where: str) -> tuple[Request, list[Event]]:
    """The request and its events, oldest first; a clear error when there is no such request."""
    if not is_request_id(request_id):
        raise OpsError(f"{request_id!r} is not a request id (a UUID, as `requests` lists them)")
    found = repository.get_timeline(request_id)
    if found is None:
        raise OpsError(f"request {request_id} not found in {where}")
    request, events = found
    return request, sorted(events, key=lambda event: event.at)


@attrs.frozen
class DayFigures:
    day: date
    counts: dict[Status, int]
    # The partners' answer times that day, in seconds (SMS sent -> answer recorded), per partner id.
    answer_seconds: dict[str, list[float]]

    @property
    def total(self) -> int:
        return sum(self.counts.values())

    @property
    def all_answer_seconds(self) -> list[float]:
        return sorted(seconds for times in self.answer_seconds.values() for seconds in times)

    @property
    def median_answer_seconds(self) -> float | None:
        times = self.all_answer_seconds
        return statistics.median(times) if times else None


def day_figures(repository: RequestRepository, day: date) -> DayFigures:
    """Requests by the status they reached on `day` (counted without reading them), and the answer
    times of that day's answered requests (read, from their stored times)."""
    counts = {status: repository.count_in_status(status, day) for status in Status}
    answers: dict[str, list[float]] = defaultdict(list)
    for request in repository.requests_by_status(Status.RESPONDED, day):
        if request.response is not None and request.sms_sent_at is not None:
            seconds = (request.response.responded_at - request.sms_sent_at).total_seconds()
            answers[request.partner_id or "-"].append(max(0.0, seconds))
    return DayFigures(day=day, counts=counts, answer_seconds=dict(answers))
