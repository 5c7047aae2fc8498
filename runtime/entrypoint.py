"""What every Lambda entry point does around its handler: fresh log context, ids, one summary line."""

from __future__ import annotations

import functools
import time
from collections.abc import Callable, Mapping
from typing import Any

import structlog

from runtime import bootstrap
from runtime.contract import Function
from runtime.domain.phone import mask_phones_in

# What Lambda hands a handler (a JSON object) and what each of ours returns (a JSON object too).
LambdaEvent = dict[str, Any]
LambdaResult = dict[str, Any]
Handler = Callable[[LambdaEvent, Any], LambdaResult]
log = structlog.get_logger()


def lambda_entry(function: Function) -> Callable[[Handler], Handler]:
    def decorate(handler: Handler) -> Handler:
        @functools.wraps(handler)
        def entry(event: LambdaEvent, context: Any) -> LambdaResult:
            bootstrap.logging_configured()
            # Warm Lambdas reuse the process: nothing from the previous invocation may leak in.
            structlog.contextvars.clear_contextvars()
            structlog.contextvars.bind_contextvars(
                function=str(function),
                awsRequestId=getattr(context, "aws_request_id", None),
                **_ids_in(event),
            )
            started = time.perf_counter()
            try:
                result = handler(event, context)
                status = result.get("statusCode") if isinstance(result, Mapping) else None
                log.info("invocation_done", durationMs=_elapsed_ms(started), statusCode=status)
                return result
            except Exception as error:
                log.exception("invocation_failed", durationMs=_elapsed_ms(started))
                raise masked(error) from None
            finally:
                # Nothing of this invocation outlives it: not in the next one, nor in a thread the
                # local stack reuses for another function.
                structlog.contextvars.clear_contextvars()

        return entry

    return decorate


def masked(error: Exception) -> Exception:
    """The exception as it may leave the function: Lambda reports its type name and text (the state
    machine's Retry and Catch match on the name; the text lands in the execution history), so the text
    is masked as log lines are. Same type (a subclass of the same name), same attributes."""
    text = str(error)
    safe = mask_phones_in(text)
    if safe == text:
        return error
    cls = type(error)
    twin = type(cls.__name__, (cls,), {"__str__": lambda self: self.args[0] if self.args else ""})
    twin.__qualname__ = cls.__qualname__
    twin.__module__ = cls.__module__
    copy: Exception = Exception.__new__(twin)
    copy.__dict__.update(error.__dict__)
    copy.args = (safe,)
    return copy


def _ids_in(event: Any) -> dict[str, str]:
    if not isinstance(event, Mapping):
        return {}
    ids: dict[str, str] = {}
    request_id = event.get("requestId") or (event.get("pathParameters") or {}).get("requestId")
    if request_id:
        ids["requestId"] = str(request_id)
    api_request = (event.get("requestContext") or {}).get("requestId")
    if api_request:
        ids["apiRequestId"] = str(api_request)
    return ids


def _elapsed_ms(started: float) -> float:
    return round((time.perf_counter() - started) * 1000, 1)
