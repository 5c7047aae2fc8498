"""The partner's side: open the signed link (read-only), then answer it exactly once."""

from __future__ import annotations

import contextlib
from collections.abc import Mapping
from datetime import datetime

import attrs
import structlog

from runtime.adapters.ports import (
    Clock,
    MetricWriter,
    RequestRepository,
    SecretProvider,
    WorkflowClient,
)
from runtime.contract import Metric
from runtime.domain.errors import (
    DependencyUnavailable,
    LinkInvalid,
    LinkUsed,
    RequestClosed,
    ServiceUnavailable,
    StatusConflict,
    TaskClosed,
)
from runtime.domain.link_token import verify_link
from runtime.domain.model import OPEN_ORDER, OPEN_STATUSES, LinkToken, PartnerResponse, Request, Status
from runtime.domain.validation import parse_partner_answer, require_link_token

log = structlog.get_logger()


def open_link(token: str, *, repository: RequestRepository, secrets: SecretProvider, clock: Clock) -> Request:
    """What the partner's page shows. Records Opened the first time; never consumes the link,
    because link scanners and SMS previews fetch it too."""
    now = clock.now()
    link = _resolve(token, repository=repository, secrets=secrets, now=now)
    if repository.mark_opened(link.request_id, now):
        log.info("link_opened")
        return attrs.evolve(link.request, status=Status.OPENED)
    # Opened before, or ended: the request itself says which.
    request = repository.get_request(link.request_id)
    if request is None:
        raise LinkInvalid()
    if request.is_closed:
        raise RequestClosed(request.status)
    return request


def answer_link(
    fields: Mapping[str, object],
    *,
    repository: RequestRepository,
    workflow: WorkflowClient,
    secrets: SecretProvider,
    clock: Clock,
    metrics: MetricWriter,
) -> PartnerResponse:
    """`fields`: the partner's form ({token, response, alternativeTime?}), checked before any read."""
    now = clock.now()
    answer = parse_partner_answer(fields, now=now)
    token = require_link_token(fields)
    link = _resolve(token, repository=repository, secrets=secrets, now=now)
    response = PartnerResponse(
        answer=answer.answer, responded_at=now, alternative_time=answer.alternative_time
    )
    try:
        repository.record_response(link, response)
    except StatusConflict:
        raise RequestClosed(_current_status(repository, link.request_id)) from None

    try:
        _resume_workflow(link, response, repository=repository, workflow=workflow)
    except TaskClosed as closed:
        # The workflow stopped waiting just before this answer: the request ends as the workflow saw it.
        ended = Status.TIMEOUT if closed.timed_out else Status.FAILED
        with contextlib.suppress(StatusConflict):
            repository.close(link.request_id, ended, now, allowed_from=frozenset({Status.RESPONDED}))
        log.info("answer_too_late", status=ended)
        raise RequestClosed(ended) from None
    except DependencyUnavailable as error:
        # The answer did not reach the workflow: give the link back so the partner can try again.
        repository.undo_response(link, response, restore=_status_before_answer(repository, link.request_id))
        log.warning("answer_undone", error=str(error))
        raise ServiceUnavailable() from None

    metrics.count(Metric.PARTNER_RESPONDED)
    if link.sms_sent_at is not None:
        metrics.seconds(Metric.PARTNER_RESPONSE_SECONDS, _seconds_between(link.sms_sent_at, now))
    log.info("partner_answered", answer=answer.answer)
    return response


def _resume_workflow(
    link: LinkToken, response: PartnerResponse, *, repository: RequestRepository, workflow: WorkflowClient
) -> None:
    try:
        workflow.complete_task(link.task_token, link.request_id, response)
    except TaskClosed as closed:
        if closed.timed_out:
            raise
        # The SMS step ran again after this link went out (a retry): the workflow waits on that
        # attempt's task token, which the request keeps.
        current = repository.get_request(link.request_id)
        if current is None or current.task_token in (None, link.task_token):
            raise
        workflow.complete_task(current.task_token, link.request_id, response)


def _resolve(
    token: str, *, repository: RequestRepository, secrets: SecretProvider, now: datetime
) -> LinkToken:
    """The link's record; a forged or expired token is refused before any read."""
    claims = verify_link(secrets.link_secret(), token, now=int(now.timestamp()))
    link = repository.get_link(claims.token_id)
    if link is None:
        raise LinkInvalid()
    structlog.contextvars.bind_contextvars(requestId=link.request_id)
    if link.used:
        raise LinkUsed()
    return link


def _current_status(repository: RequestRepository, request_id: str) -> Status:
    current = repository.get_request(request_id)
    return current.status if current else Status.FAILED


def _status_before_answer(repository: RequestRepository, request_id: str) -> Status:
    """The open status the request had before the answer, from its events (a rare path: one read)."""
    timeline = repository.get_timeline(request_id)
    events = timeline[1] if timeline else []
    reached = [Status(e.type) for e in events if e.type in OPEN_STATUSES]
    return max(reached, key=OPEN_ORDER.index, default=Status.CREATED)


def _seconds_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)
