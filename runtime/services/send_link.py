"""The workflow's waiting task: keep its callback token, then text the partner a signed link."""

from __future__ import annotations

import math
from datetime import timedelta

import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository, SecretProvider, SmsSender
from runtime.contract import PARTNER_LINK_PREFIX, Metric
from runtime.domain.link_token import LinkClaims, new_token_id, sign_link
from runtime.domain.messages import sms_body
from runtime.domain.model import LinkToken, Request
from runtime.domain.phone import mask_phone

log = structlog.get_logger()


def send_partner_link(
    request: Request,
    task_token: str,
    *,
    repository: RequestRepository,
    sms: SmsSender,
    secrets: SecretProvider,
    clock: Clock,
    metrics: MetricWriter,
    site_url: str,
    token_ttl: timedelta,
    partner_timeout: timedelta,
) -> str:
    """`request`: as the orchestrator matched it (with its partner). Return the link sent.

    The task token and the link are stored FIRST, in one write, so an instant answer is never lost.
    Raises StatusConflict when the request has already ended (the workflow then fails fast),
    DependencyUnavailable when the SMS could not be sent (the workflow retries), and SmsRejected when
    it never will be (the workflow fails the request at once).
    """
    if request.partner_id is None or request.partner_phone is None:
        raise ValueError("the orchestrator matches a partner before the workflow starts")

    now = clock.now()
    link_token = LinkToken(
        token_id=new_token_id(), request=request, task_token=task_token, expires_at=now + token_ttl
    )
    repository.issue_link(link_token, now)
    claims = LinkClaims(token_id=link_token.token_id, expires_at=int(link_token.expires_at.timestamp()))
    link = f"{site_url.rstrip('/')}{PARTNER_LINK_PREFIX}{sign_link(secrets.link_secret(), claims)}"
    body = sms_body(request, link, answer_within_minutes=math.ceil(partner_timeout.total_seconds() / 60))

    message_id = sms.send(request.partner_phone, body, request_id=request.request_id)
    repository.mark_sms_sent(link_token, clock.now())
    metrics.count(Metric.SMS_SENT)
    log.info("sms_sent", to=mask_phone(request.partner_phone), messageId=message_id)
    return link
