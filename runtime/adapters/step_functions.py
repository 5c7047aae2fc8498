"""WorkflowClient on AWS Step Functions: one execution per request, resumed by its task token."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.aws_errors import error_code, is_transient
from runtime.adapters.ports import WorkflowClient
from runtime.adapters.workflow_payloads import answered_result, request_payload
from runtime.domain.errors import DependencyUnavailable, TaskClosed
from runtime.domain.model import PartnerResponse, Request


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
                name=request.request_id,
                input=json.dumps(request_payload(request), ensure_ascii=False),
            )
        except ClientError as error:
            if error_code(error) == "ExecutionAlreadyExists":
                return  # the execution name is the request id: it was started before
            if is_transient(error):
                raise DependencyUnavailable(f"start execution: {error_code(error)}") from error
            raise
        except BotoCoreError as error:
            raise DependencyUnavailable(f"start execution: {error}") from error

    def complete_task(self, task_token: str, request_id: str, response: PartnerResponse) -> None:
        output = answered_result(request_id, response)
        try:
            self._client.send_task_success(
                taskToken=task_token, output=json.dumps(output, ensure_ascii=False)
            )
        except ClientError as error:
            code = error_code(error)
            if code == "TaskTimedOut":
                raise TaskClosed(timed_out=True) from error
            if code in ("InvalidToken", "TaskDoesNotExist"):
                raise TaskClosed(timed_out=False) from error
            raise DependencyUnavailable(f"send task success: {code}") from error
        except BotoCoreError as error:
            raise DependencyUnavailable(f"send task success: {error}") from error
