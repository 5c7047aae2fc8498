"""Lambda on this machine: invocations of the product's functions run its handlers in this process,
as the Lambda runtime calls them, and fail as Lambda reports failures.

Step Functions (in the emulator's process) reaches them through `local.lambda_service`; the stream
pollers and the schedule call `invoke` directly. Each invocation gets a fresh context.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import traceback
import uuid
from collections.abc import Callable
from typing import Any

import attrs
import structlog

Handler = Callable[[Any, Any], Any]
log = structlog.get_logger("local.lambdas")
# The error type Lambda reports when the runtime itself dies (killed, out of memory).
RUNTIME_EXIT_ERROR = "Runtime.ExitError"


class InvocationKilled(BaseException):
    """The invocation died mid-way, as when Lambda's runtime is killed: nothing in the handler may
    catch it (it is not an `Exception`), and nothing after the point where it was raised happens."""


def load_handler(path: str) -> Handler:
    """`runtime.handlers.chat.handle` -> the function, as the Lambda runtime resolves it."""
    module, _, attribute = path.rpartition(".")
    return getattr(importlib.import_module(module), attribute)


@attrs.frozen
class LambdaContext:
    function_name: str
    aws_request_id: str = attrs.field(factory=lambda: str(uuid.uuid4()))
    deadline: float = attrs.field(factory=lambda: time.monotonic() + 30)

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self.deadline - time.monotonic()) * 1000))


@attrs.frozen
class Invocation:
    """What Lambda answers a synchronous invoke: the payload, and the function error if it failed."""

    payload: Any
    function_error: str | None = None

    @property
    def failed(self) -> bool:
        return self.function_error is not None


class FunctionNotFound(LookupError):
    pass


class LambdaDispatcher:
    def __init__(self) -> None:
        self._functions: dict[str, Handler] = {}
        self._in_flight = 0
        self._lock = threading.Lock()

    def register(self, name: str, handler: Handler) -> None:
        self._functions[name] = handler

    def forget_functions(self) -> None:
        """Unregister every function (a reset account has none; late calls to old ones then fail)."""
        self._functions.clear()

    @property
    def in_flight(self) -> int:
        with self._lock:
            return self._in_flight

    def invoke(self, function: str, event: Any) -> Invocation:
        """`function`: a name or an ARN. Raises FunctionNotFound for a function never registered."""
        name = function_name(function)
        handler = self._functions.get(name)
        if handler is None:
            raise FunctionNotFound(name)
        context = LambdaContext(name)
        with self._lock:
            self._in_flight += 1
        try:
            return Invocation(handler(event, context))
        except InvocationKilled:
            message = f"RequestId: {context.aws_request_id} Error: Runtime exited without providing a reason"
            return Invocation({"errorType": RUNTIME_EXIT_ERROR, "errorMessage": message}, "Unhandled")
        except Exception as error:  # noqa: BLE001 - reported as Lambda reports a function error
            return Invocation(
                {
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_tb(error.__traceback__),
                },
                "Unhandled",
            )
        finally:
            with self._lock:
                self._in_flight -= 1


def function_name(function: str) -> str:
    """`arn:aws:lambda:<region>:<account>:function:<name>[:<qualifier>]` or a bare name -> the name."""
    if ":function:" in function:
        return function.split(":function:", 1)[1].split(":", 1)[0]
    return function


def encode(invocation: Invocation) -> bytes:
    return json.dumps(invocation.payload).encode()
