"""Lambda event filtering (the filter criteria of an event source mapping), for the local poller.

The subset of the pattern syntax the product's filters use, with AWS's semantics: a pattern is an
object whose leaves are lists of allowed values; a record matches when every leaf matches; a leaf
matches when the record's value equals one of the list's literals or satisfies one of its operators
(`prefix`, `anything-but`, `exists`). An event source mapping's filters are alternatives: a record
reaching the function matches at least one of them.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping, Sequence
from typing import Any

_MISSING = object()


class UnsupportedFilter(ValueError):
    """The pattern uses syntax this emulation does not implement (so it cannot silently pass)."""


def matches_any(filters: Iterable[Mapping[str, Any]], record: Mapping[str, Any]) -> bool:
    return any(matches(pattern, record) for pattern in filters)


def matches(pattern: Mapping[str, Any], record: Any) -> bool:
    for key, expected in pattern.items():
        value = record.get(key, _MISSING) if isinstance(record, Mapping) else _MISSING
        if isinstance(expected, Mapping):
            if value is _MISSING or not matches(expected, value):
                return False
        elif isinstance(expected, Sequence) and not isinstance(expected, str):
            if not any(_leaf_matches(rule, value) for rule in expected):
                return False
        else:
            raise UnsupportedFilter(f"a pattern leaf must be a list of values, got {expected!r} at {key}")
    return True


def _leaf_matches(rule: Any, value: Any) -> bool:
    if isinstance(rule, Mapping):
        return _operator_matches(rule, value)
    if value is _MISSING:
        return False
    if isinstance(value, list):
        return rule in value
    return bool(rule == value)


def _operator_matches(rule: Mapping[str, Any], value: Any) -> bool:
    if len(rule) != 1:
        raise UnsupportedFilter(f"one operator per rule, got {sorted(rule)}")
    ((operator, argument),) = rule.items()
    if operator == "exists":
        return (value is not _MISSING) is bool(argument)
    if value is _MISSING:
        return False
    if operator == "prefix":
        return isinstance(value, str) and value.startswith(argument)
    if operator == "anything-but":
        excluded = argument if isinstance(argument, list) else [argument]
        return value not in excluded
    raise UnsupportedFilter(f"operator {operator!r} is not emulated locally")
