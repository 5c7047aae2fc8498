"""Plain Python values <-> DynamoDB's typed attribute values ({"S": ...}, {"N": ...}, {"M": ...}).

The same mapping as boto3's `boto3.dynamodb.types` (numbers as Decimal within DynamoDB's 38 digits,
no floats, sets of one type), for what items hold here: strings, numbers, booleans, None, maps,
lists and sets of strings or numbers. It lives here because importing any module of boto3 runs
boto3's package import (its resources and s3transfer, 40 ms of a cold start); the functions create
their clients from botocore directly. A test holds it to boto3's own implementation.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Set
from decimal import Clamped, Context, Decimal, Inexact, Overflow, Rounded, Underflow
from typing import Any

# DynamoDB's number: 38 significant digits, exponents -128..126, nothing rounded silently.
NUMBER_CONTEXT = Context(Emin=-128, Emax=126, prec=38, traps=[Clamped, Overflow, Inexact, Rounded, Underflow])


def to_attribute_value(value: Any) -> dict[str, Any]:
    """A Python value as DynamoDB's typed value; TypeError for what DynamoDB cannot hold."""
    scalar = _scalar(value)
    if scalar is not None:
        return scalar
    if isinstance(value, Set) and value:
        return _set(value)
    if isinstance(value, Mapping):
        return {"M": {name: to_attribute_value(member) for name, member in value.items()}}
    if isinstance(value, list | tuple):
        return {"L": [to_attribute_value(member) for member in value]}
    raise TypeError(f'Unsupported type "{type(value)}" for value "{value}"')


def from_attribute_value(typed: Mapping[str, Any]) -> Any:
    """DynamoDB's typed value as a Python value (numbers as Decimal, sets as set)."""
    if len(typed) != 1:
        raise TypeError("a typed value is a dictionary with one key, its DynamoDB type")
    ((kind, value),) = typed.items()
    read = _READERS.get(kind)
    if read is None:
        raise TypeError(f"Dynamodb type {kind} is not supported")
    return read(value)


def _scalar(value: Any) -> dict[str, Any] | None:
    if value is None:
        return {"NULL": True}
    if isinstance(value, bool):
        return {"BOOL": value}
    if _is_number(value):
        return {"N": _number(value)}
    if isinstance(value, str):
        return {"S": value}
    return None


def _set(members: Set[Any]) -> dict[str, Any]:
    if all(isinstance(member, str) for member in members):
        return {"SS": list(members)}
    if all(_is_number(member) for member in members):
        return {"NS": [_number(member) for member in members]}
    raise TypeError(f"a set holds strings or numbers, not {members!r}")


_READERS: dict[str, Callable[[Any], Any]] = {
    "NULL": lambda _: None,
    "BOOL": lambda value: value,
    "S": lambda value: value,
    "N": NUMBER_CONTEXT.create_decimal,
    "SS": set,
    "NS": lambda value: {NUMBER_CONTEXT.create_decimal(member) for member in value},
    "M": lambda value: {name: from_attribute_value(member) for name, member in value.items()},
    "L": lambda value: [from_attribute_value(member) for member in value],
}


def _is_number(value: object) -> bool:
    if isinstance(value, float):
        raise TypeError("Float types are not supported. Use Decimal types instead.")
    return isinstance(value, int | Decimal) and not isinstance(value, bool)


def _number(value: int | Decimal) -> str:
    number = str(NUMBER_CONTEXT.create_decimal(value))
    if number in ("Infinity", "NaN", "-Infinity", "-NaN", "sNaN", "-sNaN"):
        raise TypeError("Infinity and NaN not supported")
    return number
