"""Rotating the link-signing secret, one step at a time, as Secrets Manager's rotation asks for it.

Secrets Manager calls the rotation function four times with the same `ClientRequestToken` (the id of
the version being made): create the new value as AWSPENDING, set it wherever it is used (nowhere
else here: only this stack's functions read it), test it, and finish by making it AWSCURRENT; the
version it replaces becomes AWSPREVIOUS, which still verifies links signed before the rotation.
Every step can be repeated: Secrets Manager retries a step that failed.
"""

from __future__ import annotations

import enum
import time

import structlog

from runtime.adapters.ports import SigningKeyRepository
from runtime.domain.link_token import (
    Keyring,
    LinkClaims,
    new_secret,
    new_token_id,
    next_key,
    sign_link,
    verify_link,
)

log = structlog.get_logger()
CURRENT = "AWSCURRENT"


class Step(enum.StrEnum):
    CREATE = "createSecret"
    SET = "setSecret"
    TEST = "testSecret"
    FINISH = "finishSecret"


class RotationRefused(Exception):
    """The step cannot go on (a version in the wrong state, a pending key that does not work)."""


def rotate_link_secret(step: str, version_id: str, *, keys: SigningKeyRepository) -> None:
    try:
        chosen = Step(step)
    except ValueError:
        raise RotationRefused(f"unknown rotation step {step!r}") from None
    structlog.contextvars.bind_contextvars(step=str(chosen), versionId=version_id)
    if CURRENT in keys.stages().get(version_id, frozenset()):
        log.info("rotation_step_done_before")
        return
    if chosen is Step.CREATE:
        _create(version_id, keys)
    elif chosen is Step.TEST:
        _test(version_id, keys)
    elif chosen is Step.FINISH:
        _finish(version_id, keys)
    log.info("rotation_step_done")


def _create(version_id: str, keys: SigningKeyRepository) -> None:
    if keys.pending(version_id) is not None:
        return
    current = keys.current()
    keys.store_pending(version_id, next_key(current[1] if current else None, new_secret()))


def _test(version_id: str, keys: SigningKeyRepository) -> None:
    """The pending key signs a token that it verifies, and it does not reuse the current key's id
    for another secret. (When a rotation schedule is set without rotating at once, Secrets Manager
    tests the function with a copy of the current value as pending: that passes.)"""
    pending = keys.pending(version_id)
    if pending is None:
        raise RotationRefused("no pending value to test")
    current = keys.current()
    if current is not None and current[1].key_id == pending.key_id and current[1] != pending:
        raise RotationRefused("the pending key shares the current key's id")
    now = int(time.time())
    claims = LinkClaims(token_id=new_token_id(), expires_at=now + 60)
    if verify_link(Keyring(pending).key, sign_link(pending, claims), now=now) != claims:
        raise RotationRefused("the pending key does not verify what it signs")


def _finish(version_id: str, keys: SigningKeyRepository) -> None:
    current = keys.current()
    if keys.pending(version_id) is None:
        raise RotationRefused("no pending value to make current")
    if current is None:
        raise RotationRefused("the secret has no current version to replace")
    keys.make_current(version_id, replacing=current[0])
