"""The link-signing secret in AWS Secrets Manager: read for signing and verifying (SecretProvider), and
rotated by Secrets Manager through the rotation function (SigningKeyRepository).

The secret's value is JSON, `{"keyId": 3, "secret": "<at least 32 bytes>"}`; a plain string (a value
stored before key ids existed) is key id 0. `AWSCURRENT` signs and verifies, `AWSPREVIOUS` verifies:
a link signed just before a rotation keeps working after it, until the next rotation retires it.
"""

from __future__ import annotations

import json
import threading
import time
from collections.abc import Callable
from typing import Any

import structlog
from botocore.exceptions import BotoCoreError, ClientError

from runtime.adapters.aws_errors import error_code
from runtime.adapters.ports import SecretProvider, SigningKeyRepository
from runtime.contract import LINK_SECRET_CACHE_SECONDS
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.link_token import Keyring, SigningKey, WeakSecret

CURRENT, PREVIOUS, PENDING = "AWSCURRENT", "AWSPREVIOUS", "AWSPENDING"
# How long a function keeps what it read: a rotation reaches every function within this time.
KEYRING_MAX_AGE_SECONDS = float(LINK_SECRET_CACHE_SECONDS)
# A token naming a key id this function does not know (signed by a function that read the secret
# after a rotation) makes it read again, at most this often: forged tokens cannot drive reads.
UNKNOWN_KEY_RECHECK_SECONDS = 30.0
_NOT_FOUND = "ResourceNotFoundException"
log = structlog.get_logger()


class LinkSecretUnusable(RuntimeError):
    """The stored secret cannot sign: malformed, or shorter than a signing key must be."""


def parse_signing_key(text: str) -> SigningKey:
    """A stored secret value as a signing key; LinkSecretUnusable when it is not one."""
    try:
        document = json.loads(text)
    except ValueError:
        document = None
    try:
        if isinstance(document, dict):
            key_id, secret = document.get("keyId"), document.get("secret")
            if not isinstance(key_id, int) or isinstance(key_id, bool) or not isinstance(secret, str):
                raise LinkSecretUnusable('the link secret must be {"keyId": <0-15>, "secret": "<text>"}')
            return SigningKey(key_id=key_id, secret=secret.encode("utf-8"))
        return SigningKey(key_id=0, secret=text.encode("utf-8"))
    except WeakSecret as error:
        raise LinkSecretUnusable(f"the link secret cannot sign: {error}") from error


def secret_value(key: SigningKey) -> str:
    return json.dumps({"keyId": key.key_id, "secret": key.secret.decode("utf-8")})


class SecretsManagerSecretProvider(SecretProvider):
    """Keeps what it read for a few minutes (not a container's life), so a rotation reaches it.

    The current key is read first and alone: it signs, and it verifies almost every link. The previous
    key is read only when a link names a key id other than the current one (a link sent before the
    last rotation), so a cold start that signs or verifies a fresh link makes one call, not two.
    """

    def __init__(
        self,
        client: Any,
        secret_id: str,
        *,
        max_age: float = KEYRING_MAX_AGE_SECONDS,
        recheck_after: float = UNKNOWN_KEY_RECHECK_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._secret_id = secret_id
        self._max_age = max_age
        self._recheck_after = min(recheck_after, max_age)
        self._monotonic = monotonic
        self._lock = threading.Lock()
        self._current: SigningKey | None = None
        self._current_read_at = 0.0
        self._previous: SigningKey | None = None
        self._previous_read_at: float | None = None  # None: not read since the current key was
        self._rechecked_at = 0.0

    def signing_key(self) -> SigningKey:
        with self._lock:
            return self._current_key()

    def verification_key(self, key_id: int) -> SigningKey | None:
        with self._lock:
            keys = Keyring(self._current_key(), None)
            if keys.current.key_id == key_id:
                return keys.current
            keys = Keyring(keys.current, self._previous_key())
            found = keys.key(key_id)
            if found is not None or self._monotonic() - self._rechecked_at < self._recheck_after:
                return found
            # A key id this function does not know: signed by one that read the secret after a rotation.
            self._read_current()
            return Keyring(self._current_key(), self._previous_key()).key(key_id)

    def keyring(self) -> Keyring:
        """Both keys that verify now (reads the previous one too)."""
        with self._lock:
            return Keyring(self._current_key(), self._previous_key())

    def _current_key(self) -> SigningKey:
        if self._current is None or self._monotonic() - self._current_read_at >= self._max_age:
            self._read_current()
        assert self._current is not None
        return self._current

    def _previous_key(self) -> SigningKey | None:
        if self._previous_read_at is None or self._monotonic() - self._previous_read_at >= self._max_age:
            previous = None
            try:
                previous = _read_stage(self._client, self._secret_id, PREVIOUS)
            except LinkSecretUnusable as unusable:
                log.warning("previous_link_secret_ignored", reason=str(unusable))
            self._previous = previous if previous != self._current else None
            self._previous_read_at = self._monotonic()
        return self._previous

    def _read_current(self) -> None:
        current = _read_stage(self._client, self._secret_id, CURRENT)
        if current is None:
            raise LinkSecretUnusable("the link secret has no current value")
        if current != self._current:
            self._previous_read_at = None  # a rotation moved the previous key too
        self._current = current
        self._current_read_at = self._rechecked_at = self._monotonic()


def read_keyring(client: Any, secret_id: str) -> Keyring:
    """The keys that verify now (for tools and tests that check links as the functions do)."""
    return SecretsManagerSecretProvider(client, secret_id).keyring()


class SecretsManagerSigningKeys(SigningKeyRepository):
    """The versions of the secret as Secrets Manager's rotation steps see them."""

    def __init__(self, client: Any, secret_id: str) -> None:
        self._client = client
        self._secret_id = secret_id

    def stages(self) -> dict[str, frozenset[str]]:
        found = _call(self._client.describe_secret, SecretId=self._secret_id)
        return {version: frozenset(stages) for version, stages in found.get("VersionIdsToStages", {}).items()}

    def current(self) -> tuple[str, SigningKey] | None:
        found = _get(self._client, SecretId=self._secret_id, VersionStage=CURRENT)
        return (found["VersionId"], parse_signing_key(found["SecretString"])) if found else None

    def pending(self, version_id: str) -> SigningKey | None:
        found = _get(self._client, SecretId=self._secret_id, VersionId=version_id, VersionStage=PENDING)
        return parse_signing_key(found["SecretString"]) if found else None

    def store_pending(self, version_id: str, key: SigningKey) -> None:
        _call(
            self._client.put_secret_value,
            SecretId=self._secret_id,
            ClientRequestToken=version_id,
            SecretString=secret_value(key),
            VersionStages=[PENDING],
        )

    def make_current(self, version_id: str, *, replacing: str) -> None:
        """Secrets Manager moves AWSPREVIOUS to the version AWSCURRENT leaves."""
        _call(
            self._client.update_secret_version_stage,
            SecretId=self._secret_id,
            VersionStage=CURRENT,
            MoveToVersionId=version_id,
            RemoveFromVersionId=replacing,
        )


def _read_stage(client: Any, secret_id: str, stage: str) -> SigningKey | None:
    found = _get(client, SecretId=secret_id, VersionStage=stage)
    return parse_signing_key(found["SecretString"]) if found else None


def _get(client: Any, **arguments: str) -> dict[str, Any] | None:
    """GetSecretValue; None when no version carries the stage (or id) asked for."""
    try:
        found: dict[str, Any] = client.get_secret_value(**arguments)
        return found
    except ClientError as error:
        if error_code(error) == _NOT_FOUND:
            return None
        raise DependencyUnavailable(f"link secret: {error_code(error)}") from error
    except BotoCoreError as error:
        raise DependencyUnavailable(f"link secret: {error}") from error


def _call(operation: Callable[..., dict[str, Any]], **arguments: Any) -> dict[str, Any]:
    try:
        return operation(**arguments)
    except (ClientError, BotoCoreError) as error:
        raise DependencyUnavailable(f"link secret: {error}") from error
