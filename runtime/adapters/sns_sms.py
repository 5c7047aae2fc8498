"""SmsSender on Amazon SNS: a direct, transactional SMS to one phone number."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.ports import SmsSender
from runtime.domain.errors import DependencyUnavailable

_TRANSACTIONAL = {"AWS.SNS.SMS.SMSType": {"DataType": "String", "StringValue": "Transactional"}}


class SnsSmsSender(SmsSender):
    def __init__(self, client: Any) -> None:
        self._client = client

    def send(self, phone: str, body: str) -> str:
        try:
            response = self._client.publish(PhoneNumber=phone, Message=body, MessageAttributes=_TRANSACTIONAL)
        except (ClientError, BotoCoreError) as error:
            # Any failure leaves the partner without the link: let the workflow retry the task.
            raise DependencyUnavailable(f"sns publish: {error}") from error
        return str(response["MessageId"])
