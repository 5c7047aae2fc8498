"""The workflow's waiting task: keep its callback token, then text the partner a signed link."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

import attrs
import structlog

from runtime.adapters.ports import (
    Clock,
    MetricWriter,
    RequestRepository,
    SecretProvider,
    SmsSender,
    WorkflowClient,
)
from runtime.contract import PARTNER_LINK_PREFIX, Metric
from runtime.domain.deadlines import answer_deadline, due_after_link
from runtime.domain.errors import LimitReached, PartnerSmsLimitReached, StatusConflict
from runtime.domain.limits import Limits, partner_sms, unmatched_lookups
from runtime.domain.link_token import LinkClaims, new_token_id, sign_link
from runtime.domain.messages import sms_body
from runtime.domain.model import LinkRecord, Request, SmsKind, Status
from runtime.domain.phone import mask_phone

log = structlog.get_logger()


def send_partner_link(
    request: Request,
    task_token: str,
    *,
    repository: RequestRepository,
    sms: SmsSender,
    secrets: SecretProvider,
    workflow: WorkflowClient,
    clock: Clock,
    metrics: MetricWriter,
    site_url: str,
    token_ttl: timedelta,
    partner_timeout: timedelta,
    limits: Limits,
) -> str | None:
    """`request`: as the orchestrator matched it (with its partner). Return the link sent.

    The task token, the partner's deadline and the link are stored FIRST, in one write, so an
    instant answer is never lost. If the partner already answered (through the link of an earlier
    attempt of this step), no SMS goes out: this attempt's task is resumed with the recorded answer
    and None is returned. Raises StatusConflict when the request has ended otherwise (the workflow
    then fails fast), DependencyUnavailable when the SMS could not be sent (the workflow retries),
    and SmsRejected when it never will be (the workflow fails the request at once).
    """
    if request.partner_id is None or request.partner_phone is None:
        raise ValueError("the orchestrator matches a partner before the workflow starts")

    now = clock.now()
    answer_by = answer_deadline(now, partner_timeout)
    link_record = LinkRecord(
        token_id=new_token_id(),
        request=attrs.evolve(request, answer_by=answer_by, due_at=due_after_link(answer_by)),
        task_token=task_token,
        expires_at=now + token_ttl,
    )
    texted = partner_sms(request, limits, at=now)
    matched = unmatched_lookups(request, limits) if limits.unmatched_per_phone_per_hour else None
    try:
        repository.issue_link(
            link_record,
            now,
            count=[texted] if texted else [],
            release=[matched] if matched else [],
        )
    except StatusConflict:
        if resume_if_answered(request.request_id, task_token, repository=repository, workflow=workflow):
            return None
        raise
    except LimitReached:
        log.warning("partner_sms_limit_reached", to=mask_phone(request.partner_phone))
        raise PartnerSmsLimitReached() from None
    link = link_url(site_url, secrets, link_record.token_id, link_record.expires_at)
    body = sms_body(request, link, answer_within_minutes=math.ceil(partner_timeout.total_seconds() / 60))

    message_id = sms.send(
        request.partner_phone,
        body,
        request_id=request.request_id,
        kind=SmsKind.LINK,
        link_id=link_record.token_id,
    )
    repository.mark_sms_sent(link_record, clock.now())
    metrics.count(Metric.SMS_SENT)
    log.info("sms_sent", to=mask_phone(request.partner_phone), messageId=message_id)
    return link


def link_url(site_url: str, secrets: SecretProvider, token_id: str, expires_at: datetime) -> str:
    """`{siteUrl}/r/{token}`: the same link for the same record (the signature is deterministic)."""
    claims = LinkClaims(token_id=token_id, expires_at=int(expires_at.timestamp()))
    return f"{site_url.rstrip('/')}{PARTNER_LINK_PREFIX}{sign_link(secrets.signing_key(), claims)}"


def resume_if_answered(
    request_id: str, task_token: str, *, repository: RequestRepository, workflow: WorkflowClient
) -> bool:
    """The partner answered before this step got its task token: resume this task with the answer."""
    current = repository.get_request(request_id)
    if current is None or current.status is not Status.RESPONDED or current.response is None:
        return False
    workflow.complete_task(task_token, request_id, current.response)
    log.info("answered_before_this_attempt")
    return True
