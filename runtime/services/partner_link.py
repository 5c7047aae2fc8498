"""The partner's side: open the signed link (read-only), then answer it exactly once."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

import attrs
import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository, SecretProvider
from runtime.contract import Metric
from runtime.domain.errors import LinkInvalid, LinkUsed, RequestClosed, StatusConflict
from runtime.domain.link_token import verify_link
from runtime.domain.model import LinkRecord, PartnerResponse, Request, Status
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
    secrets: SecretProvider,
    clock: Clock,
    metrics: MetricWriter,
) -> PartnerResponse:
    """`fields`: the partner's form ({token, response, alternativeTime?, note?}), checked before any read.

    One conditional write records the answer (of many concurrent answers exactly one wins; the rest
    find the link used). The workflow is resumed from that record (the table's stream), so once this
    returns, the customer will be told this answer.
    """
    now = clock.now()
    answer = parse_partner_answer(fields, now=now)
    token = require_link_token(fields)
    link = _resolve(token, repository=repository, secrets=secrets, now=now)
    response = PartnerResponse(
        answer=answer.answer, responded_at=now, alternative_time=answer.alternative_time, note=answer.note
    )
    try:
        repository.record_response(link, response)
    except StatusConflict:
        raise RequestClosed(_closed_status(repository, link.request_id)) from None

    metrics.count(Metric.PARTNER_RESPONDED)
    if link.sms_sent_at is not None:
        metrics.seconds(Metric.PARTNER_RESPONSE_SECONDS, _seconds_between(link.sms_sent_at, now))
    log.info("partner_answered", answer=answer.answer)
    return response


def _resolve(
    token: str, *, repository: RequestRepository, secrets: SecretProvider, now: datetime
) -> LinkRecord:
    """The link's record; a forged or expired token is refused before any read."""
    claims = verify_link(secrets.verification_key, token, now=int(now.timestamp()))
    link = repository.get_link(claims.token_id)
    if link is None:
        raise LinkInvalid()
    structlog.contextvars.bind_contextvars(requestId=link.request_id)
    if link.used:
        # A partner who proposed a time and opens the link again learns what the customer decided.
        request = repository.get_request(link.request_id)
        raise LinkUsed(request.proposal.state if request and request.proposal else None)
    return link


def _closed_status(repository: RequestRepository, request_id: str) -> Status:
    """Why an answer was refused: the request ended, or its deadline passed while it is still open."""
    current = repository.get_request(request_id)
    if current is None:
        return Status.FAILED
    if current.is_closed:
        return current.status
    return Status.TIMEOUT  # open, but past the deadline the partner was shown


def _seconds_between(start: datetime, end: datetime) -> float:
    return round((end - start).total_seconds(), 3)
