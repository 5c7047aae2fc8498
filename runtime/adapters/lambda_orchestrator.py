"""OrchestratorSender: an asynchronous Lambda invoke (Lambda retries it and keeps failures)."""

from __future__ import annotations

import json
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.ports import OrchestratorSender
from runtime.adapters.workflow_payloads import request_payload
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.model import Request


class LambdaOrchestratorSender(OrchestratorSender):
    def __init__(self, client: Any, function_name: str) -> None:
        self._client = client
        self._function_name = function_name

    def send(self, request: Request) -> None:
        try:
            self._client.invoke(
                FunctionName=self._function_name,
                InvocationType="Event",
                Payload=json.dumps(request_payload(request), ensure_ascii=False).encode(),
            )
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable(f"invoke orchestrator: {error}") from error
