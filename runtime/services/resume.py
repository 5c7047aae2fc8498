"""Hand what a request's waiting workflow waits for to it (from the table's stream): a recorded
partner answer, a customer's recorded decision on a proposed time, or a link SMS that could not reach
the partner."""

from __future__ import annotations

import structlog

from runtime.adapters.ports import WorkflowClient
from runtime.domain.errors import TaskClosed
from runtime.domain.model import FailureReason, ProposalState, Request, Status

log = structlog.get_logger()


def resume_workflow(request: Request, *, workflow: WorkflowClient) -> None:
    """`request`: as stored with the partner's answer. Safe to deliver more than once.

    The request's task token is the one its workflow waits on now (each SMS attempt replaces it, and
    an attempt that finds the answer already recorded resumes itself). A task that no longer waits
    was resumed before (a repeated delivery, or a reply lost on the way back), or its wait ended: the
    workflow's timeout path then reads the recorded answer. Either way nothing is undone.
    Raises DependencyUnavailable (the delivery is retried) when Step Functions cannot be reached.
    """
    if request.proposal is not None and request.proposal.state in _DECIDED_BY_THE_CUSTOMER:
        _resume_decision(request, workflow=workflow)
        return
    if request.task_token is None or request.response is None:
        log.error("answer_without_task", hasToken=request.task_token is not None)
        return
    try:
        workflow.complete_task(request.task_token, request.request_id, request.response)
    except TaskClosed as closed:
        log.info("workflow_not_waiting", timedOut=closed.timed_out)
        return
    log.info("workflow_resumed", answer=request.response.answer)


# The stream's second filter delivers a proposal that moved from pending to one of these.
_DECIDED_BY_THE_CUSTOMER = frozenset({ProposalState.ACCEPTED, ProposalState.DECLINED})


def _resume_decision(request: Request, *, workflow: WorkflowClient) -> None:
    """The customer decided. Without a decision token the workflow has not reached its wait yet: the
    wait's step finds the decision recorded and resumes itself."""
    assert request.proposal is not None
    if request.decision_task_token is None:
        log.info("decision_before_the_wait")
        return
    try:
        workflow.complete_decision(request.decision_task_token, request.request_id, request.proposal.state)
    except TaskClosed as closed:
        log.info("decision_wait_not_waiting", timedOut=closed.timed_out)
        return
    log.info("decision_resumed", proposal=request.proposal.state)


def end_wait(request: Request, *, workflow: WorkflowClient) -> None:
    """`request`: as stored once it ended while its workflow waited. An answer resumes the wait; a
    link SMS that could not reach the partner fails it, and the workflow's failure path finds the
    request already closed and tells the customer that (once). Safe to deliver more than once."""
    if request.status is Status.RESPONDED:
        resume_workflow(request, workflow=workflow)
        return
    if request.failure_reason is not FailureReason.SMS_UNDELIVERABLE or request.task_token is None:
        log.error("nothing_to_end", status=request.status, reason=request.failure_reason)
        return
    try:
        workflow.fail_task(request.task_token, FailureReason.SMS_UNDELIVERABLE)
    except TaskClosed as closed:
        # Its wait ended meanwhile: the next step (the reminder, or the timeout) finds it closed.
        log.info("workflow_not_waiting", timedOut=closed.timed_out)
        return
    log.info("workflow_wait_ended", reason=request.failure_reason)
