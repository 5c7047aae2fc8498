"""The link secret as functions read it (current and previous, kept for minutes, re-read for a key id
they do not know, refused under 32 bytes) and as the rotation function moves it along."""

from __future__ import annotations

import json
from typing import Any

import pytest
from botocore.exceptions import ClientError

from runtime.adapters.secrets_manager import (
    LinkSecretUnusable,
    SecretsManagerSecretProvider,
    parse_signing_key,
    secret_value,
)
from runtime.domain.errors import DependencyUnavailable
from runtime.domain.link_token import Keyring, SigningKey, next_key
from runtime.services.rotate_secret import RotationRefused, rotate_link_secret
from tests.fakes import FakeSigningKeys

OLD = SigningKey(key_id=6, secret=b"the-previous-link-secret-0123456789")
NEW = SigningKey(key_id=7, secret=b"the-current-link-secret-abcdefghijkl")


class FakeSecretsManager:
    """GetSecretValue by stage, counting calls, as the service answers them."""

    def __init__(self, stages: dict[str, str]) -> None:
        self.stages = stages
        self.calls: list[str] = []
        self.down = False

    def get_secret_value(self, SecretId: str, VersionStage: str) -> dict[str, Any]:
        self.calls.append(VersionStage)
        if self.down:
            raise ClientError({"Error": {"Code": "InternalServiceError"}}, "GetSecretValue")
        if VersionStage not in self.stages:
            raise ClientError({"Error": {"Code": "ResourceNotFoundException"}}, "GetSecretValue")
        return {"SecretString": self.stages[VersionStage], "VersionId": VersionStage.lower()}


class Clock:
    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def _provider(client: FakeSecretsManager, clock: Clock) -> SecretsManagerSecretProvider:
    return SecretsManagerSecretProvider(client, "link-secret", max_age=300, recheck_after=30, monotonic=clock)


def test_current_signs_and_both_current_and_previous_verify():
    client = FakeSecretsManager({"AWSCURRENT": secret_value(NEW), "AWSPREVIOUS": secret_value(OLD)})
    provider = _provider(client, Clock())

    assert provider.signing_key() == NEW
    assert provider.verification_key(7) == NEW
    assert provider.verification_key(6) == OLD
    assert client.calls == ["AWSCURRENT", "AWSPREVIOUS"]


def test_what_was_read_is_kept_for_the_cache_period_then_read_again():
    client = FakeSecretsManager({"AWSCURRENT": secret_value(OLD)})
    clock = Clock()
    provider = _provider(client, clock)
    provider.signing_key()
    clock.now += 299
    provider.signing_key()
    assert client.calls == ["AWSCURRENT"]

    client.stages = {"AWSCURRENT": secret_value(NEW), "AWSPREVIOUS": secret_value(OLD)}  # rotated
    clock.now += 1
    assert provider.signing_key() == NEW
    assert client.calls == ["AWSCURRENT", "AWSCURRENT"]


def test_signing_and_verifying_a_fresh_link_read_the_current_key_alone():
    """One call per cold start: the previous key is read only for a link that names it."""
    client = FakeSecretsManager({"AWSCURRENT": secret_value(NEW), "AWSPREVIOUS": secret_value(OLD)})
    provider = _provider(client, Clock())

    assert provider.signing_key() == NEW
    assert provider.verification_key(NEW.key_id) == NEW
    assert client.calls == ["AWSCURRENT"]

    assert provider.verification_key(OLD.key_id) == OLD
    assert provider.verification_key(OLD.key_id) == OLD
    assert client.calls == ["AWSCURRENT", "AWSPREVIOUS"]


def test_after_a_rotation_the_previous_key_is_read_again():
    client = FakeSecretsManager({"AWSCURRENT": secret_value(OLD)})
    clock = Clock()
    provider = _provider(client, clock)
    assert provider.verification_key(OLD.key_id) == OLD

    newest = SigningKey(key_id=8, secret=b"the-next-link-secret-mnopqrstuvwxyz")
    client.stages = {"AWSCURRENT": secret_value(newest), "AWSPREVIOUS": secret_value(NEW)}  # two rotations
    clock.now += 300

    assert provider.signing_key() == newest
    assert provider.verification_key(NEW.key_id) == NEW
    assert provider.verification_key(OLD.key_id) is None


def test_an_unknown_key_id_reads_again_but_at_most_every_30_seconds():
    """A function that read the secret just before a rotation still verifies links signed after it;
    forged tokens naming random key ids cannot make it read more often."""
    client = FakeSecretsManager({"AWSCURRENT": secret_value(OLD)})
    clock = Clock()
    provider = _provider(client, clock)
    provider.signing_key()
    client.stages = {"AWSCURRENT": secret_value(NEW), "AWSPREVIOUS": secret_value(OLD)}

    assert provider.verification_key(7) is None  # read 0 s ago: not again yet
    clock.now += 30
    assert provider.verification_key(7) == NEW
    reads = len(client.calls)
    for key_id in (1, 2, 3, 9, 12):
        assert provider.verification_key(key_id) is None
    assert len(client.calls) == reads


def test_a_secret_without_a_previous_version_verifies_with_the_current_only():
    provider = _provider(FakeSecretsManager({"AWSCURRENT": secret_value(NEW)}), Clock())
    assert provider.verification_key(7) == NEW
    assert provider.verification_key(6) is None


@pytest.mark.parametrize("stored", ["", "short", json.dumps({"keyId": 1, "secret": "x" * 31})])
def test_a_current_secret_under_32_bytes_is_refused_at_run_time(stored):
    provider = _provider(FakeSecretsManager({"AWSCURRENT": stored}), Clock())
    with pytest.raises(LinkSecretUnusable):
        provider.signing_key()


def test_a_previous_secret_that_cannot_sign_is_ignored_not_fatal():
    client = FakeSecretsManager({"AWSCURRENT": secret_value(NEW), "AWSPREVIOUS": "short"})
    provider = _provider(client, Clock())
    assert provider.signing_key() == NEW
    assert provider.verification_key(0) is None


def test_an_unreachable_secrets_manager_is_worth_a_retry():
    client = FakeSecretsManager({"AWSCURRENT": secret_value(NEW)})
    client.down = True
    with pytest.raises(DependencyUnavailable):
        _provider(client, Clock()).signing_key()


@pytest.mark.parametrize(
    ("stored", "expected"),
    [
        (secret_value(NEW), NEW),
        # A value stored before key ids existed: key id 0.
        ("a-plain-secret-of-at-least-32-bytes!", SigningKey(0, b"a-plain-secret-of-at-least-32-bytes!")),
    ],
)
def test_stored_values_are_read_as_signing_keys(stored, expected):
    assert parse_signing_key(stored) == expected


@pytest.mark.parametrize(
    "stored",
    [
        json.dumps({"keyId": "7", "secret": "x" * 40}),
        json.dumps({"keyId": True, "secret": "x" * 40}),
        json.dumps({"keyId": 16, "secret": "x" * 40}),
        json.dumps({"secret": "x" * 40}),
        json.dumps({"keyId": 1}),
    ],
)
def test_a_malformed_stored_value_is_refused(stored):
    with pytest.raises(LinkSecretUnusable):
        parse_signing_key(stored)


# --- the rotation steps ----------------------------------------------------------------------------


def _rotate(keys: FakeSigningKeys, version: str = "v2") -> None:
    for step in ("createSecret", "setSecret", "testSecret", "finishSecret"):
        rotate_link_secret(step, version, keys=keys)


def test_a_rotation_makes_a_new_current_key_with_the_next_id_and_keeps_the_old_as_previous():
    keys = FakeSigningKeys(current=("v1", OLD))

    _rotate(keys)

    assert keys.stages_of("v2") == {"AWSCURRENT", "AWSPENDING"}
    assert keys.stages_of("v1") == {"AWSPREVIOUS"}
    current = keys.values["v2"]
    assert current.key_id == 7 and current.secret != OLD.secret and len(current.secret) >= 32
    assert Keyring(current, previous=OLD).key(6) == OLD


def test_each_step_can_run_again_without_changing_anything():
    keys = FakeSigningKeys(current=("v1", OLD))
    rotate_link_secret("createSecret", "v2", keys=keys)
    made = keys.values["v2"]
    rotate_link_secret("createSecret", "v2", keys=keys)  # a retried create keeps what it made
    assert keys.values["v2"] == made
    _rotate(keys)
    _rotate(keys)  # the whole rotation again: done before
    assert keys.stages_of("v2") == {"AWSCURRENT", "AWSPENDING"}
    assert keys.stages_of("v1") == {"AWSPREVIOUS"}


def test_a_pending_key_sharing_the_current_key_id_fails_the_test_step():
    keys = FakeSigningKeys(current=("v1", OLD))
    keys.store_pending("v2", SigningKey(key_id=OLD.key_id, secret=b"x" * 40))
    with pytest.raises(RotationRefused):
        rotate_link_secret("testSecret", "v2", keys=keys)


def test_secrets_manager_testing_the_schedule_with_a_copy_of_the_current_value_passes():
    """What it does when a rotation schedule is set without rotating at once (a deploy)."""
    keys = FakeSigningKeys(current=("v1", OLD))
    keys.store_pending("check", OLD)

    rotate_link_secret("testSecret", "check", keys=keys)


def test_finishing_without_a_pending_value_is_refused():
    keys = FakeSigningKeys(current=("v1", OLD))
    with pytest.raises(RotationRefused):
        rotate_link_secret("finishSecret", "v2", keys=keys)
    with pytest.raises(RotationRefused):
        rotate_link_secret("rebootSecret", "v2", keys=keys)


def test_two_rotations_retire_the_first_key():
    keys = FakeSigningKeys(current=("v1", OLD))
    _rotate(keys, "v2")
    _rotate(keys, "v3")
    current = keys.values["v3"]
    previous = keys.values["v2"]
    assert current.key_id == next_key(previous, b"y" * 40).key_id == 8
    assert keys.stages_of("v1") == set()
    assert keys.stages_of("v2") == {"AWSPREVIOUS"}
