"""Resuming the workflow from a recorded answer: with the request's current task token, more than
once without harm, and never by undoing the answer."""

import pytest

from runtime.domain.errors import DependencyUnavailable
from runtime.domain.model import Answer, PartnerResponse, Status
from runtime.services.resume import resume_workflow
from tests.builders import T0, assigned_request
from tests.fakes import FakeWorkflowClient

ANSWER = PartnerResponse(Answer.ACCEPT, T0)


def _answered(**changes):
    return assigned_request(
        **{"status": Status.RESPONDED, "response": ANSWER, "task_token": "task-2", **changes}
    )


def test_the_waiting_task_receives_the_recorded_answer():
    workflow = FakeWorkflowClient()
    resume_workflow(_answered(), workflow=workflow)
    assert workflow.completed == {"task-2": ANSWER}


@pytest.mark.parametrize("timed_out", [True, False], ids=["timed-out", "gone"])
def test_a_task_that_no_longer_waits_is_not_an_error(timed_out):
    """Resumed before (a repeated delivery, a reply lost on the way back) or its wait ended: the
    workflow's own timeout path reads the answer from the table."""
    workflow = FakeWorkflowClient()
    workflow.closed_tasks["task-2"] = timed_out
    resume_workflow(_answered(), workflow=workflow)
    assert workflow.completed == {}


def test_an_unreachable_workflow_raises_so_the_delivery_is_retried():
    workflow = FakeWorkflowClient()
    workflow.available = False
    with pytest.raises(DependencyUnavailable):
        resume_workflow(_answered(), workflow=workflow)


def test_a_record_without_a_task_token_resumes_nothing():
    workflow = FakeWorkflowClient()
    resume_workflow(_answered(task_token=None), workflow=workflow)
    assert workflow.completed == {}
