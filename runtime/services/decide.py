"""The customer's side of a proposed time: their token, and their decision on it."""

from __future__ import annotations

from collections.abc import Mapping

import attrs
import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository, SecretProvider
from runtime.contract import Metric
from runtime.domain.errors import (
    CustomerTokenInvalid,
    LinkExpired,
    LinkInvalid,
    NoPendingProposal,
    RequestNotFound,
    StatusConflict,
)
from runtime.domain.link_token import LinkClaims, Scope, SigningKey, sign_link, verify_link
from runtime.domain.model import Request
from runtime.domain.validation import bearer_token, is_request_id, parse_decision

log = structlog.get_logger()


def customer_token(request: Request, key: SigningKey) -> str | None:
    """The customer's token for `request`, signed with `key`: the same for the same request and key,
    so a retried submit gets it again. None for a request stored without one."""
    if request.customer_token_id is None or request.customer_token_expires_at is None:
        return None
    claims = LinkClaims(
        token_id=request.customer_token_id,
        expires_at=int(request.customer_token_expires_at.timestamp()),
        scope=Scope.CUSTOMER,
    )
    return sign_link(key, claims)


def decide_on_proposal(
    request_id: str,
    authorization: str | None,
    fields: Mapping[str, object],
    *,
    repository: RequestRepository,
    secrets: SecretProvider,
    clock: Clock,
    metrics: MetricWriter,
) -> Request:
    """The customer accepts or declines the time the partner proposed. Return the request as decided.

    The token is checked before anything is read (a forged or expired one costs no read), then the
    decision is recorded in one conditional write: only with this request's own token, only while the
    proposal is pending. The workflow waiting for it is resumed from that write (the table's stream),
    and the partner is told from there.
    """
    now = clock.now()
    token = bearer_token(authorization)
    if token is None:
        raise CustomerTokenInvalid()
    try:
        claims = verify_link(secrets.verification_key, token, now=int(now.timestamp()), scope=Scope.CUSTOMER)
    except (LinkInvalid, LinkExpired):
        raise CustomerTokenInvalid() from None
    decision = parse_decision(fields)
    request = repository.get_request(request_id) if is_request_id(request_id) else None
    if request is None:
        raise RequestNotFound()
    if request.customer_token_id is None or request.customer_token_id != claims.token_id:
        raise CustomerTokenInvalid()  # a genuine token, of another request
    if request.proposal is None or request.proposal.state.is_decided:
        raise NoPendingProposal(request.proposal.state if request.proposal else None)
    decided = request.proposal.decided(decision.state, now)
    try:
        repository.record_decision(request_id, decided, customer_token_id=claims.token_id)
    except StatusConflict:
        current = repository.get_request(request_id)
        raise NoPendingProposal(current.proposal.state if current and current.proposal else None) from None
    metrics.count(Metric.PROPOSALS_DECIDED)
    log.info("customer_decided", decision=decision)
    return attrs.evolve(request, proposal=decided, updated_at=now)
