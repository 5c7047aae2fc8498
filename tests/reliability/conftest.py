"""Reliability tier: the `make reliability` checks at small sizes, on one local stack for the session.

The checks are the same functions `python -m reliability` runs (one source of truth); here they run
with a few hundred tokens, one race of each kind, each fault once and twenty flows. After every test
the whole table is scanned for the invariants (forward statuses, one notification per closed
request, nothing left open).
"""

from __future__ import annotations

import os
from collections.abc import Iterator

import pytest

from local.stack import LocalStack
from reliability.__main__ import QUICK
from reliability.invariants import check_invariants
from reliability.product import Product
from runtime import bootstrap


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    environment = dict(os.environ)
    stack = LocalStack(partner_timeout_seconds=QUICK.partner_timeout, log_level="WARNING").start()
    yield stack
    stack.stop()
    os.environ.clear()
    os.environ.update(environment)
    bootstrap.reset()


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch, local_stack):
    """The handlers inside the stack must reach the emulator (see tests/e2e/conftest.py)."""
    monkeypatch.delenv("AWS_PROFILE", raising=False)
    monkeypatch.delenv("AWS_SESSION_TOKEN", raising=False)
    assert local_stack.deployment is not None
    for name, value in local_stack.deployment.environment.items():
        if name.startswith("AWS_"):
            monkeypatch.setenv(name, value)


@pytest.fixture(scope="session")
def product(local_stack) -> Product:
    return Product(local_stack)


@pytest.fixture(autouse=True)
def _invariants_hold_afterwards(product) -> Iterator[None]:
    yield
    product.clear_faults()
    scan = check_invariants(product)
    assert scan.passed, "\n".join(scan.problems)
