"""SecretProvider on AWS Secrets Manager. One read per instance; bootstrap keeps one per cold start."""

from __future__ import annotations

import functools
from typing import Any

from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.ports import SecretProvider
from runtime.domain.errors import DependencyUnavailable


class SecretsManagerSecretProvider(SecretProvider):
    def __init__(self, client: Any, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id

    @functools.cached_property
    def _secret(self) -> bytes:
        try:
            response = self._client.get_secret_value(SecretId=self._secret_id)
        except (ClientError, BotoCoreError) as error:
            raise DependencyUnavailable(f"link secret: {error}") from error
        return response["SecretString"].encode("utf-8")

    def link_secret(self) -> bytes:
        return self._secret
