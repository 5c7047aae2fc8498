"""Lambda on this machine: moto's Lambda backend runs no code without Docker, so invocations of the
emulated functions are dispatched to the runtime's handlers, in this process, as Lambda would call them.

Synchronous invokes (Step Functions tasks) return the handler's result or Lambda's error payload.
Asynchronous invokes (InvocationType=Event) run in a worker thread with Lambda's retry (one, by the
function's async config) and on-failure destination.
"""

from __future__ import annotations

import importlib
import json
import threading
import time
import uuid
from collections.abc import Callable
from concurrent.futures import Future, ThreadPoolExecutor
from datetime import UTC, datetime
from typing import Any

import attrs
import structlog
from moto.awslambda_simple.models import LambdaSimpleBackend

Handler = Callable[[Any, Any], Any]
log = structlog.get_logger("local.lambdas")


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


@attrs.define
class _Function:
    handler: Handler
    async_retries: int = 0
    on_failure: str | None = None


class LambdaDispatcher:
    def __init__(self, *, async_retry_delay: float = 1.0) -> None:
        self._functions: dict[str, _Function] = {}
        self._executor = ThreadPoolExecutor(max_workers=8, thread_name_prefix="lambda-async")
        self._pending: set[Future[None]] = set()
        self._lock = threading.Lock()
        self._retry_delay = async_retry_delay

    def register(
        self, name: str, handler: Handler, *, async_retries: int = 0, on_failure: str | None = None
    ) -> None:
        self._functions[name] = _Function(handler, async_retries, on_failure)

    def forget_functions(self) -> None:
        """Unregister every function (a reset account has none; late calls to old ones then fail)."""
        self._functions.clear()

    def install(self) -> None:
        dispatcher = self

        def invoke(  # noqa: PLR0917 - moto's signature
            backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
        ) -> bytes:
            return dispatcher.invoke(function_name, body, headers, response_headers)

        LambdaSimpleBackend.invoke = invoke  # type: ignore[method-assign]

    def invoke(self, function_name: str, body: Any, headers: Any, response_headers: dict[str, str]) -> bytes:
        name = function_name.rsplit(":", 1)[-1]
        function = self._functions.get(name)
        if function is None:
            response_headers["x-amz-function-error"] = "Unhandled"
            return _error_payload(LookupError(f"no local handler for function {name}"))
        event = json.loads(body or "{}")
        if (headers or {}).get("X-Amz-Invocation-Type") == "Event":
            self._submit(name, function, event)
            return b""
        try:
            result = function.handler(event, LambdaContext(name))
        except Exception as error:  # noqa: BLE001 - reported as Lambda reports a function error
            response_headers["x-amz-function-error"] = "Unhandled"
            return _error_payload(error)
        return json.dumps(result).encode()

    def wait_idle(self, timeout: float = 30.0) -> None:
        """Block until every asynchronous invocation (and its retries) has finished."""
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            with self._lock:
                pending = list(self._pending)
            if not pending:
                return
            for future in pending:
                future.result(timeout=max(0.0, deadline - time.monotonic()))
        raise TimeoutError("asynchronous invocations still running")

    def shutdown(self) -> None:
        self._executor.shutdown(wait=False, cancel_futures=True)

    def _submit(self, name: str, function: _Function, event: Any) -> None:
        future = self._executor.submit(self._run_async, name, function, event)
        with self._lock:
            self._pending.add(future)
        future.add_done_callback(self._forget)

    def _forget(self, future: Future[None]) -> None:
        with self._lock:
            self._pending.discard(future)

    def _run_async(self, name: str, function: _Function, event: Any) -> None:
        attempts = 1 + function.async_retries
        for attempt in range(1, attempts + 1):
            try:
                function.handler(event, LambdaContext(name))
                return
            except Exception as error:  # noqa: BLE001 - Lambda retries any function error
                log.warning("async_invoke_failed", function=name, attempt=attempt, error=str(error))
                last_error = error
                if attempt < attempts:
                    time.sleep(self._retry_delay)
        if function.on_failure and function.on_failure in self._functions:
            destination = self._functions[function.on_failure]
            destination.handler(
                _destination_event(name, event, last_error, attempts), LambdaContext(function.on_failure)
            )


def _error_payload(error: Exception) -> bytes:
    return json.dumps({"errorType": type(error).__name__, "errorMessage": str(error)}).encode()


def _destination_event(name: str, event: Any, error: Exception, attempts: int) -> dict[str, Any]:
    """The record Lambda sends an on-failure destination after the last retry."""
    return {
        "version": "1.0",
        "timestamp": datetime.now(UTC).isoformat(),
        "requestContext": {
            "requestId": str(uuid.uuid4()),
            "functionArn": name,
            "condition": "RetriesExhausted",
            "approximateInvokeCount": attempts,
        },
        "requestPayload": event,
        "responseContext": {"statusCode": 200, "functionError": "Unhandled"},
        "responsePayload": {"errorType": type(error).__name__, "errorMessage": str(error)},
    }
