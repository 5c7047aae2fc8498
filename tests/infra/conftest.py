"""Infra tier: the real Pulumi program under Pulumi's mocks, once per stack per session.

`deployments` runs `__main__.py` with each stack's real Pulumi.<stack>.yaml and captures every
resource; tests assert on what AWS would be asked to create. Parametrized fixtures run each test
against both stacks.
"""

from __future__ import annotations

import pytest
from infra_helpers import ALARM_EMAIL

from infra.offline.mock_run import STACKS, Deployment, run_program


@pytest.fixture(scope="session")
def deployments() -> dict[str, Deployment]:
    return {stack: run_program(stack) for stack in STACKS}


@pytest.fixture(scope="session")
def with_alarm_email() -> Deployment:
    """The dev stack with an alarm address set, as an operator would (neither stack file has one)."""
    return run_program("dev", extra_config={"partner-confirm:alarmEmail": ALARM_EMAIL})


@pytest.fixture(params=STACKS)
def deployment(request: pytest.FixtureRequest, deployments: dict[str, Deployment]) -> Deployment:
    return deployments[request.param]
