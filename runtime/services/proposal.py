"""The workflow's last phase after a proposed time: wait for the customer's decision (or its lapse),
then tell the partner once how it ended."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import Clock, MetricWriter, RequestRepository, SmsSender, WorkflowClient
from runtime.contract import Metric
from runtime.domain.errors import StatusConflict
from runtime.domain.messages import partner_told_body
from runtime.domain.model import ProposalState, SmsKind
from runtime.domain.phone import mask_phone

log = structlog.get_logger()


def await_decision(
    request_id: str, task_token: str, *, repository: RequestRepository, workflow: WorkflowClient, clock: Clock
) -> None:
    """Keep this task's token on the request while the proposal is pending: the customer's decision
    resumes it from then on (the table's stream and the resumer). A decision recorded before the
    token was kept resumes this task at once. Raises StatusConflict when there is no proposal."""
    try:
        repository.await_decision(request_id, task_token, clock.now())
    except StatusConflict:
        current = repository.get_request(request_id)
        if current is None or current.proposal is None or not current.proposal.state.is_decided:
            raise
        workflow.complete_decision(task_token, request_id, current.proposal.state)
        log.info("decided_before_the_wait", proposal=current.proposal.state)
        return
    log.info("decision_awaited")


def lapse_proposal(request_id: str, *, repository: RequestRepository, clock: Clock) -> ProposalState:
    """The customer's time to decide is up: a pending proposal lapses. A decision recorded meanwhile
    stands and is returned instead."""
    if repository.lapse_proposal(request_id, clock.now()):
        log.info("proposal_lapsed")
        return ProposalState.LAPSED
    current = repository.get_request(request_id)
    if current is None or current.proposal is None:
        raise StatusConflict(request_id)
    log.info("decided_before_the_lapse", proposal=current.proposal.state)
    return current.proposal.state


def tell_partner(
    request_id: str, *, repository: RequestRepository, sms: SmsSender, clock: Clock, metrics: MetricWriter
) -> bool:
    """Text the partner how their proposal ended (as stored: the recorded decision, or its lapse),
    once: a retried step that finds it recorded sends nothing. False when it had been told.

    Like the partner's first SMS, the text is sent at least once: a step that dies after the SMS
    service took it and before it is recorded sends it again on its retry."""
    request = repository.get_request(request_id)
    if (
        request is None
        or request.proposal is None
        or request.partner_phone is None
        or request.link_id is None
    ):
        raise StatusConflict(request_id)  # the partner answered through a link: all three are there
    if request.partner_told_at is not None:
        log.info("partner_already_told")
        return False
    if not request.proposal.state.is_decided:
        raise StatusConflict(request_id)
    message_id = sms.send(
        request.partner_phone,
        partner_told_body(request, request.proposal),
        request_id=request_id,
        kind=SmsKind.OUTCOME,
        link_id=request.link_id,
    )
    if repository.mark_partner_told(request_id, request.proposal.state, clock.now()):
        metrics.count(Metric.PARTNERS_TOLD)
    log.info(
        "partner_told",
        to=mask_phone(request.partner_phone),
        proposal=request.proposal.state,
        messageId=message_id,
    )
    return True
