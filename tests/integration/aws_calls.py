"""Every AWS call the handlers make through bootstrap's clients, with the function that made it."""

from __future__ import annotations

from typing import Any

import attrs
import structlog

from runtime import bootstrap


@attrs.frozen
class AwsCall:
    function: str
    service: str  # the signing name, which is also the IAM prefix: dynamodb, states, lex, bedrock...
    operation: str
    params: dict[str, Any]


class AwsCallLog:
    def __init__(self) -> None:
        self.calls: list[AwsCall] = []

    def attach(self) -> None:
        """Record the calls of every client bootstrap creates from now on (clients inherit session hooks)."""
        bootstrap.session().events.register("provide-client-params", self._record)

    def of(self, function: str) -> list[str]:
        return [f"{call.service}:{call.operation}" for call in self.calls if call.function == function]

    def clear(self) -> None:
        self.calls.clear()

    def _record(self, params: dict[str, Any], model: Any, **_: Any) -> None:
        function = structlog.contextvars.get_contextvars().get("function", "?")
        self.calls.append(AwsCall(function, model.service_model.signing_name, model.name, dict(params)))
