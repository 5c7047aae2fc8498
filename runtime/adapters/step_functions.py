"""WorkflowClient on AWS Step Functions: one execution per attempt of a request, resumed by its task token."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.aws_errors import error_code, is_transient
from runtime.adapters.ports import WorkflowClient
from runtime.adapters.workflow_payloads import answered_result, decided_result, request_payload
from runtime.domain.errors import DependencyUnavailable, TaskClosed
from runtime.domain.model import FailureReason, PartnerResponse, ProposalState, Request

# What a task ended from outside says in the execution's history (no personal data).
FAILED_TASK_CAUSE = "The request was closed while its workflow waited (see its timeline)."


class StepFunctionsWorkflow(WorkflowClient):
    def __init__(self, client: Any, state_machine_arn: str | None) -> None:
        self._client = client
        self._state_machine_arn = state_machine_arn

    def start(self, request: Request) -> None:
        if not self._state_machine_arn:
            raise ValueError("the state machine ARN is not configured")
        try:
            self._client.start_execution(
                stateMachineArn=self._state_machine_arn,
                name=request.workflow_name,
                input=json.dumps(request_payload(request), ensure_ascii=False),
            )
        except ClientError as error:
            if error_code(error) == "ExecutionAlreadyExists":
                return  # named after the request (and its attempt): this attempt was started before
            if is_transient(error):
                raise DependencyUnavailable(f"start execution: {error_code(error)}") from error
            raise
        except BotoCoreError as error:
            raise DependencyUnavailable(f"start execution: {error}") from error

    def running(self, request: Request) -> bool:
        if not self._state_machine_arn:
            raise ValueError("the state machine ARN is not configured")
        try:
            found = self._client.describe_execution(executionArn=self.execution_arn(request))
        except ClientError as error:
            if error_code(error) == "ExecutionDoesNotExist":
                return False
            raise DependencyUnavailable(f"describe execution: {error_code(error)}") from error
        except BotoCoreError as error:
            raise DependencyUnavailable(f"describe execution: {error}") from error
        return bool(found.get("status") == "RUNNING")

    def execution_arn(self, request: Request) -> str:
        """`arn:aws:states:{region}:{account}:execution:{stateMachine}:{name}`."""
        if not self._state_machine_arn:
            raise ValueError("the state machine ARN is not configured")
        executions = self._state_machine_arn.replace(":stateMachine:", ":execution:", 1)
        return f"{executions}:{request.workflow_name}"

    def complete_task(self, task_token: str, request_id: str, response: PartnerResponse) -> None:
        self._succeed(task_token, answered_result(request_id, response))

    def complete_decision(self, task_token: str, request_id: str, state: ProposalState) -> None:
        self._succeed(task_token, decided_result(request_id, state))

    def fail_task(self, task_token: str, reason: FailureReason) -> None:
        # The error is the reason's name: the failure path reads it back (workflow_payloads).
        self._answer_task(
            "send_task_failure", taskToken=task_token, error=str(reason), cause=FAILED_TASK_CAUSE
        )

    def _succeed(self, task_token: str, output: dict[str, Any]) -> None:
        self._answer_task(
            "send_task_success", taskToken=task_token, output=json.dumps(output, ensure_ascii=False)
        )

    def _answer_task(self, operation: str, **arguments: str) -> None:
        try:
            getattr(self._client, operation)(**arguments)
        except ClientError as error:
            code = error_code(error)
            if code == "TaskTimedOut":
                raise TaskClosed(timed_out=True) from error
            if code in ("InvalidToken", "TaskDoesNotExist"):
                raise TaskClosed(timed_out=False) from error
            raise DependencyUnavailable(f"{operation}: {code}") from error
        except BotoCoreError as error:
            raise DependencyUnavailable(f"{operation}: {error}") from error
