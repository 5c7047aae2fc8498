"""The wait's second phase: one reminder SMS with the same link, then the rest of the partner's window."""

from __future__ import annotations

import math

import structlog

from runtime.adapters.ports import (
    Clock,
    MetricWriter,
    RequestRepository,
    SecretProvider,
    SmsSender,
    WorkflowClient,
)
from runtime.contract import Metric
from runtime.domain.errors import StatusConflict
from runtime.domain.messages import reminder_body
from runtime.domain.model import SmsKind
from runtime.domain.phone import mask_phone
from runtime.services.send_link import link_url, resume_if_answered

log = structlog.get_logger()


def remind_partner(
    request_id: str,
    task_token: str,
    *,
    repository: RequestRepository,
    sms: SmsSender,
    secrets: SecretProvider,
    workflow: WorkflowClient,
    clock: Clock,
    metrics: MetricWriter,
    site_url: str,
) -> str | None:
    """The partner has not answered by the reminder time. Return the link sent again.

    The new task token is stored first (on the request and the link's record), so an answer from
    now on resumes this phase. If the partner answered meanwhile, this task is resumed with the
    answer and nobody is texted (None). The reminder is recorded once, after it went out.
    """
    request = repository.get_request(request_id)
    if request is None:
        raise StatusConflict(request_id)
    now = clock.now()
    try:
        repository.follow_task(request, task_token, now)
    except StatusConflict:
        if resume_if_answered(request_id, task_token, repository=repository, workflow=workflow):
            return None
        raise
    if request.partner_phone is None or request.link_id is None or request.link_expires_at is None:
        raise StatusConflict(request_id)
    link = link_url(site_url, secrets, request.link_id, request.link_expires_at)
    left = request.answer_by - now if request.answer_by else None
    minutes = max(1, math.ceil(left.total_seconds() / 60)) if left else 1
    message_id = sms.send(
        request.partner_phone,
        reminder_body(request, link, answer_within_minutes=minutes),
        request_id=request_id,
        kind=SmsKind.REMINDER,
        link_id=request.link_id,
    )
    if repository.mark_reminded(request_id, clock.now()):
        metrics.count(Metric.REMINDERS_SENT)
    log.info("partner_reminded", to=mask_phone(request.partner_phone), messageId=message_id)
    return link
