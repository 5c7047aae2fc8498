"""A local stack for a whole test tier, shared by the tiers that drive the running product."""

from __future__ import annotations

import contextlib
import os
from collections.abc import Iterator
from typing import Any

import pytest

from local.stack import LocalStack
from runtime import bootstrap


@contextlib.contextmanager
def running_stack(**options: Any) -> Iterator[LocalStack]:
    """The stack writes its handlers' settings into this process; later tiers start from a clean slate."""
    environment = dict(os.environ)
    stack = LocalStack(log_level="WARNING", **options).start()
    try:
        yield stack
    finally:
        stack.stop()
        os.environ.clear()
        os.environ.update(environment)
        bootstrap.reset()


def reach_the_emulator(monkeypatch: pytest.MonkeyPatch, stack: LocalStack) -> None:
    """Overrides the suite-wide guard (tests/conftest.py) for a tier on the local stack.

    The suite-wide guard removes AWS_ENDPOINT_URL for every test; here the handlers running inside
    the stack create their boto3 clients during tests and must reach the emulator, so the variable is
    pinned to it instead. No test in such a tier can reach a real AWS account either way.
    """
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    assert stack.deployment is not None
    for name, value in stack.deployment.environment.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)
