"""MessageWriter on Amazon Bedrock Converse: one model id (an inference profile) per writer."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.ports import MessageWriter
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.messages import fit_notification, notification_prompt
from runtime.domain.model import MessageSource, Outcome, Request

_INFERENCE = {"maxTokens": 600, "temperature": 0.3}


class BedrockMessageWriter(MessageWriter):
    source = MessageSource.BEDROCK

    def __init__(self, client: Any, model_id: str) -> None:
        self._client = client
        self.model_id = model_id

    def write(self, request: Request, outcome: Outcome) -> str:
        prompt = notification_prompt(request, outcome)
        try:
            response = self._client.converse(
                modelId=self.model_id,
                messages=[{"role": "user", "content": [{"text": prompt}]}],
                inferenceConfig=_INFERENCE,
            )
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable(f"bedrock {self.model_id}: {error}") from error
        blocks = response.get("output", {}).get("message", {}).get("content", [])
        text = fit_notification("".join(block.get("text", "") for block in blocks))
        if text is None:
            raise DependencyUnavailable(f"bedrock {self.model_id}: empty answer")
        return text
