"""structlog as JSON lines, with phone numbers masked and tokens cut short, whatever the caller logs."""

from __future__ import annotations

import logging
import re
from collections.abc import MutableMapping
from typing import Any, TextIO

import structlog
import structlog.tracebacks

from runtime.domain.phone import mask_phones_in

_KEPT_TOKEN_CHARS = 6
# A lone surrogate (from a path or a header the client chose) cannot be written as UTF-8: a log line
# holding one would make the invocation fail after its answer was decided.
_SURROGATE = re.compile("[\ud800-\udfff]")


def configure_logging(level: str = "INFO", stream: TextIO | None = None) -> None:
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # Exceptions as data, without frame locals: those hold secrets and whole signed links.
            structlog.processors.ExceptionRenderer(
                structlog.tracebacks.ExceptionDictTransformer(show_locals=False)
            ),
            _mask_sensitive,
            structlog.processors.JSONRenderer(ensure_ascii=False),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(
            logging.getLevelNamesMapping().get(level.upper(), logging.INFO)
        ),
        logger_factory=structlog.PrintLoggerFactory(file=stream)
        if stream
        else structlog.PrintLoggerFactory(),
        cache_logger_on_first_use=False,
    )


def _mask_sensitive(_: Any, __: str, event_dict: MutableMapping[str, Any]) -> MutableMapping[str, Any]:
    for key, value in list(event_dict.items()):
        event_dict[key] = _masked(key, value)
    return event_dict


def _masked(key: str, value: Any) -> Any:
    if isinstance(value, str):
        if _SURROGATE.search(value):
            value = value.encode("utf-8", "backslashreplace").decode("utf-8")
        if "token" in key.lower():
            return value[:_KEPT_TOKEN_CHARS] + "…" if len(value) > _KEPT_TOKEN_CHARS else value
        return mask_phones_in(value)
    if isinstance(value, dict):
        return {k: _masked(str(k), v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [_masked(key, v) for v in value]
    return value
