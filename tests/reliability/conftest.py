"""Reliability tier: the `make reliability` checks at small sizes, on one local stack for the session.

The checks are the same functions `python -m reliability` runs (one source of truth); here they run
with a few hundred tokens, one race of each kind, each fault once and twenty flows. After every test
the whole table is scanned for the invariants (forward statuses, one notification per closed
request, nothing left open).
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from local.stack import LocalStack
from reliability.__main__ import LINK_SECRET_CACHE_SECONDS, QUICK
from reliability.invariants import check_invariants
from reliability.product import Product
from tests.local_stack_session import reach_the_emulator, running_stack


@pytest.fixture(scope="session")
def local_stack() -> Iterator[LocalStack]:
    with running_stack(
        partner_timeout_seconds=QUICK.partner_timeout,
        customer_decision_seconds=QUICK.decision_timeout,
        sweep_period_seconds=QUICK.sweep_period,
        link_secret_cache_seconds=LINK_SECRET_CACHE_SECONDS,
    ) as stack:
        yield stack


@pytest.fixture(autouse=True)
def _no_real_aws(monkeypatch, local_stack):
    reach_the_emulator(monkeypatch, local_stack)


@pytest.fixture(scope="session")
def product(local_stack) -> Product:
    return Product(local_stack)


@pytest.fixture(autouse=True)
def _invariants_hold_afterwards(product) -> Iterator[None]:
    yield
    product.clear_faults()
    scan = check_invariants(product)
    assert scan.passed, "\n".join(scan.problems)
