"""What every command runs with: the target, AWS clients for it, where to write, and the time.

The command line is not a Lambda function: it calls AWS with the operator's own credentials (the
usual AWS_PROFILE / environment / SSO chain) in the target's region, and on the local stack with the
emulator's endpoint and its stand-in credentials. It reads and writes through the runtime's own
adapters (the repository, the workflow client), so keys and conditions are never encoded twice.
"""

from __future__ import annotations

import functools
from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from typing import Any, TextIO

import boto3
from botocore.config import Config

from ops.targets import Target
from runtime.adapters.dynamo_repository import DynamoRequestRepository
from runtime.adapters.ports import Clock
from runtime.adapters.step_functions import StepFunctionsWorkflow
from runtime.contract import StackOutput

# The emulator accepts any credentials; these keep the operator's real ones out of its requests.
LOCAL_CREDENTIALS = {"aws_access_key_id": "local", "aws_secret_access_key": "local"}
# A person waits for the answer: fail within seconds when nothing answers (a stopped emulator).
_CONFIG = Config(connect_timeout=3, read_timeout=20, retries={"mode": "standard", "total_max_attempts": 3})
_LOCAL_CONFIG = Config(
    connect_timeout=1, read_timeout=20, retries={"mode": "standard", "total_max_attempts": 2}
)


def _now() -> datetime:
    return datetime.now(UTC)


class _CommandClock(Clock):
    """The command's clock, as the runtime's use cases take it."""

    def __init__(self, now: Callable[[], datetime]) -> None:
        self._now = now

    def now(self) -> datetime:
        return self._now()


class Context:
    def __init__(
        self,
        target: Target,
        *,
        out: TextIO,
        err: TextIO,
        now: Callable[[], datetime] = _now,
        session: Any = None,
    ) -> None:
        """`session`: a boto3 session to use instead of the operator's default one (tests)."""
        self.target = target
        self.out = out
        self.err = err
        self.now = now
        self._session = session
        self._clients: dict[str, Any] = {}

    @functools.cached_property
    def session(self) -> boto3.session.Session:
        if self._session is not None:
            return self._session
        if self.target.is_local:
            return boto3.session.Session(region_name=self.target.region, **LOCAL_CREDENTIALS)
        return boto3.session.Session(region_name=self.target.region)

    def client(self, service: str) -> Any:
        """One client per service for the life of the command."""
        if service not in self._clients:
            self._clients[service] = self.session.client(
                service,
                endpoint_url=self.target.endpoint_url,
                config=_LOCAL_CONFIG if self.target.is_local else _CONFIG,
            )
        return self._clients[service]

    @property
    def clock(self) -> Clock:
        return _CommandClock(self.now)

    @functools.cached_property
    def repository(self) -> DynamoRequestRepository:
        """Reads anywhere; writes (a redrive) need the stack's retention, to set each item's TTL."""
        days = self.target.retention_days
        retention = timedelta(days=days) if days is not None else None
        return DynamoRequestRepository(self.client("dynamodb"), self.target.table_name, retention=retention)

    @functools.cached_property
    def workflow(self) -> StepFunctionsWorkflow:
        arn = self.target.require(StackOutput.STATE_MACHINE_ARN)
        return StepFunctionsWorkflow(self.client("stepfunctions"), arn)
