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
from runtime.domain.model import LinkToken, Outcome, PartnerResponse, Request, Status
from runtime.domain.validation import parse_partner_answer, require_link_token

log = structlog.get_logger()


def open_link(token: str, *, repository: RequestRepository, secrets: SecretProvider, clock: Clock) -> Request:
    """What the partner's page shows. Records Opened the first time; never consumes the link,
    because link scanners and SMS previews fetch it too."""
    now = clock.now()
    _, request = _resolve(token, repository=repository, secrets=secrets, now=now)
    if request.status in (Status.CREATED, Status.SMS_SENT) and repository.mark_opened(
        request.request_id, now
    ):
        log.info("link_opened")
        request = attrs.evolve(request, status=Status.OPENED)
    return request


def answer_link(
    fields: Mapping[str, object],
    *,
    repository: RequestRepository,
    workflow: WorkflowClient,
    secrets: SecretProvider,
    clock: Clock,
    metrics: MetricWriter,
) -> Request:
    """`fields`: the partner's form ({token, response, alternativeTime?}), checked before any read."""
    now = clock.now()
    answer = parse_partner_answer(fields, now=now)
    token = require_link_token(fields)
    link, request = _resolve(token, repository=repository, secrets=secrets, now=now)
    if request.task_token is None:
        raise ValueError("a link exists only after its task token was stored")
    response = PartnerResponse(
        answer=answer.answer, responded_at=now, alternative_time=answer.alternative_time
    )
    try:
        repository.record_response(link, response)
    except StatusConflict:
        raise RequestClosed(_current_status(repository, request)) from None

    try:
        workflow.complete_task(
            request.task_token, {"requestId": request.request_id, "outcome": Outcome.RESPONDED}
        )
    except TaskClosed as closed:
        # The workflow stopped waiting just before this answer: the request ends as the workflow saw it.
        ended = Status.TIMEOUT if closed.timed_out else Status.FAILED
        with contextlib.suppress(StatusConflict):
            repository.close(request.request_id, ended, now, allowed_from=frozenset({Status.RESPONDED}))
        log.info("answer_too_late", status=ended)
        raise RequestClosed(ended) from None
    except DependencyUnavailable as error:
        # The answer did not reach the workflow: give the link back so the partner can try again.
        repository.undo_response(link, response, restore=request.status)
        log.warning("answer_undone", error=str(error))
        raise ServiceUnavailable() from None

    metrics.count(Metric.PARTNER_RESPONDED)
    if request.sms_sent_at is not None:
        metrics.seconds(Metric.PARTNER_RESPONSE_SECONDS, _seconds_between(request.sms_sent_at, now))
    log.info("partner_answered", answer=answer.answer)
    return attrs.evolve(request, status=Status.RESPONDED, response=response)


def _resolve(
    token: str, *, repository: RequestRepository, secrets: SecretProvider, now: datetime
) -> tuple[LinkToken, Request]:
    claims = verify_link(secrets.link_secret(), token, now=int(now.timestamp()))
    link = repository.get_link(claims.token_id)
    request = repository.get_request(link.request_id) if link else None
    if link is None or request is None:
        raise LinkInvalid()
    structlog.contextvars.bind_contextvars(requestId=request.request_id)
    if link.used:
        raise LinkUsed()
    if request.is_closed:
        raise RequestClosed(request.status)
    return link, request


def _current_status(repository: RequestRepository, request: Request) -> Status:
    current = repository.get_request(request.request_id)
    return current.status if current else request.status


def _seconds_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)
