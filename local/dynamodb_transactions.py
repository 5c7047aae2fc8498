"""DynamoDB's TransactWriteItems for the emulator, without copying whole tables.

moto backs up every table a transaction touches with a deep copy before writing, so each
transaction costs time in proportion to the table: after a few hundred flows the local stack spends
seconds per write and its clients time out. DynamoDB's semantics need less: every condition is
judged against the state before the transaction, and either every write applies or none does. So
the conditions are checked first, then the writes applied, keeping only the touched items to put
back if a write fails. Requests are serialized by the emulator, so nothing interleaves.
"""

from __future__ import annotations

import copy
from typing import Any

from moto.dynamodb.comparisons import get_filter_expression
from moto.dynamodb.exceptions import (
    ConditionalCheckFailed,
    MultipleTransactionsException,
    TooManyTransactionsException,
    TransactionCanceledException,
    TransactWriteSingleOpException,
)
from moto.dynamodb.models import DynamoDBBackend

_OPERATIONS = {"ConditionCheck", "Put", "Delete", "Update"}
MAX_ITEMS = 100


def transact_write_items(backend: DynamoDBBackend, transact_items: list[dict[str, Any]]) -> None:
    if len(transact_items) > MAX_ITEMS:
        raise TooManyTransactionsException()
    writes, reasons, seen = [], [], set()
    for entry in transact_items:
        if len(entry) != 1:
            raise TransactWriteSingleOpException()
        ((operation, request),) = entry.items()
        if operation not in _OPERATIONS:
            raise TransactWriteSingleOpException()
        table_name = request["TableName"]
        key = _key_of(backend, operation, request)
        identity = (table_name, str(sorted(key.items())))
        if identity in seen:
            raise MultipleTransactionsException()
        seen.add(identity)
        reasons.append(_condition_failure(backend, table_name, key, request))
        writes.append((operation, request, table_name, key))

    if any(code is not None for code, _, _ in reasons):
        raise TransactionCanceledException(reasons)

    touched = [
        (table_name, key, copy.deepcopy(backend.get_item(table_name, key)))
        for _, _, table_name, key in writes
    ]
    try:
        for operation, request, table_name, key in writes:
            _apply(backend, operation, request, table_name, key)
    except Exception:
        for table_name, key, before in touched:
            _put_back(backend, table_name, key, before)
        raise


def _key_of(backend: DynamoDBBackend, operation: str, request: dict[str, Any]) -> dict[str, Any]:
    if operation != "Put":
        return request["Key"]
    table = backend.get_table(request["TableName"])
    names = [table.hash_key_attr, *([table.range_key_attr] if table.range_key_attr else [])]
    return {name: request["Item"][name] for name in names}


def _condition_failure(
    backend: DynamoDBBackend, table_name: str, key: dict[str, Any], request: dict[str, Any]
) -> tuple[str | None, str | None, Any]:
    """(None, None, None) when the write may go ahead; the cancellation reason otherwise."""
    condition = request.get("ConditionExpression")
    if condition is None:
        return None, None, None
    current = backend.get_item(table_name, key)
    holds = get_filter_expression(
        condition, request.get("ExpressionAttributeNames"), request.get("ExpressionAttributeValues")
    ).expr(current)
    if holds:
        return None, None, None
    wants_old = request.get("ReturnValuesOnConditionCheckFailure") == "ALL_OLD"
    old = current.to_json()["Attributes"] if wants_old and current else None
    return "ConditionalCheckFailed", ConditionalCheckFailed().message, old


def _apply(
    backend: DynamoDBBackend, operation: str, request: dict[str, Any], table_name: str, key: dict[str, Any]
) -> None:
    # The conditions hold (checked above); they are passed on so every expression value is used.
    expression: dict[str, Any] = {
        "condition_expression": request.get("ConditionExpression"),
        "expression_attribute_names": request.get("ExpressionAttributeNames"),
        "expression_attribute_values": request.get("ExpressionAttributeValues"),
    }
    if operation == "Put":
        backend.put_item(table_name, request["Item"], **expression)
    elif operation == "Delete":
        backend.delete_item(table_name, key, **expression)
    elif operation == "Update":
        backend.update_item(table_name, key, update_expression=request["UpdateExpression"], **expression)


def _put_back(backend: DynamoDBBackend, table_name: str, key: dict[str, Any], before: Any) -> None:
    if before is None:
        if backend.get_item(table_name, key) is not None:
            backend.delete_item(table_name, key)
    else:
        backend.put_item(table_name, before.to_json()["Attributes"])
