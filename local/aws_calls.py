"""Every AWS call the runtime's clients make, with the function that made it.

A botocore hook on the session every runtime client is created from (clients inherit its hooks)
records each call; the function and invocation come from the log context the entry point binds per
invocation. Used by the call-budget and least-privilege tests and by `make bench`.
"""

from __future__ import annotations

import threading
from typing import Any

import attrs
import structlog

from runtime import bootstrap


@attrs.frozen
class AwsCall:
    function: str
    invocation: str
    client: str  # the boto3 client name: dynamodb, stepfunctions, lexv2-runtime...
    service: str  # the signing name, which is also the IAM prefix: dynamodb, states, lex, bedrock...
    operation: str
    params: dict[str, Any] = attrs.field(factory=dict)
    phase: str = ""  # what the driver of the product was doing at the time

    @property
    def name(self) -> str:
        """As people read it: `stepfunctions:StartExecution`."""
        return f"{self.client}:{self.operation}"

    @property
    def action(self) -> str:
        """As IAM names it (before translating the few operations IAM names otherwise)."""
        return f"{self.service}:{self.operation}"


class AwsCallLog:
    """Attach before the clients are created (bootstrap.reset() forgets the ones made before)."""

    def __init__(self) -> None:
        self.phase = ""
        self._calls: list[AwsCall] = []
        self._lock = threading.Lock()
        self._events: Any = None

    def attach(self, events: Any = None) -> None:
        """`events`: the hooks to record from: the runtime's session's by default (every client
        created from it afterwards), or one client's `meta.events` (that client's calls only)."""
        self._events = events or bootstrap.events()
        self._events.register("provide-client-params", self._record)

    def detach(self) -> None:
        if self._events is not None:
            self._events.unregister("provide-client-params", self._record)
            self._events = None

    @property
    def calls(self) -> list[AwsCall]:
        with self._lock:
            return list(self._calls)

    def of(self, function: str) -> list[str]:
        return [call.action for call in self.calls if call.function == function]

    def clear(self) -> None:
        self.take()

    def take(self) -> list[AwsCall]:
        """The calls recorded since the last take."""
        with self._lock:
            taken, self._calls = self._calls, []
        return taken

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        context = structlog.contextvars.get_contextvars()
        call = AwsCall(
            function=str(context.get("function", "?")),
            invocation=str(context.get("awsRequestId") or ""),
            client=model.service_model.service_name,
            service=model.service_model.signing_name,
            operation=model.name,
            params=dict(params),
            phase=self.phase,
        )
        with self._lock:
            self._calls.append(call)
