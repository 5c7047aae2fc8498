"""OperatorAlerts on an SNS topic the operators subscribe to (by e-mail)."""

from __future__ import annotations

from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.aws_errors import error_code
from runtime.adapters.ports import OperatorAlerts
from runtime.domain.errors import DependencyUnavailable

# SNS subjects are at most 100 ASCII-printable characters (e-mail subscriptions use them as subjects).
SUBJECT_MAX = 100


class SnsOperatorAlerts(OperatorAlerts):
    def __init__(self, client: Any, topic_arn: str) -> None:
        self._client = client
        self._topic_arn = topic_arn

    def alert(self, subject: str, message: str) -> None:
        try:
            self._client.publish(TopicArn=self._topic_arn, Subject=subject[:SUBJECT_MAX], Message=message)
        except ClientError as error:
            raise DependencyUnavailable(f"sns publish: {error_code(error)}") from error
        except BotoCoreError as error:
            raise DependencyUnavailable(f"sns publish: {error}") from error
