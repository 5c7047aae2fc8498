"""Queries that read one partition, not the whole table, for the emulator's DynamoDB.

moto answers every Query, on the table or on an index, by sorting every item of the table and then
keeping those of the asked partition. With a few thousand requests, their events, links and
reservations in the table, one query cost tens of milliseconds, under the lock every DynamoDB
request holds: the customer's poll, the partner's page, the orchestrator's reservation lookup and
the sweeper's scan of due markers queued behind each other until the SDK's read timeout.

Here a query first takes its partition's candidates (a dictionary lookup on the table; on an index,
the items whose index key attributes equal the asked ones, compared as stored, without sorting),
and moto's own query code then runs on those alone, so what it answers is unchanged: the same
items, order, pages, filters and projections.
"""

from __future__ import annotations

import threading
from collections.abc import Callable, Sequence
from typing import Any

from moto.dynamodb.models.dynamo_type import DynamoType, Item
from moto.dynamodb.models.table import Table

_candidates = threading.local()


def _sort_key(item: Item) -> Any:
    """moto's own order of `Table.all_items`."""
    return (item.hash_key, item.range_key) if item.range_key else item.hash_key


def _same(stored: DynamoType | None, expected: DynamoType) -> bool:
    return stored is not None and stored.type == expected.type and stored.value == expected.value


def partition_candidates(
    table: Table,
    *,
    hash_key: DynamoType | None,
    index_name: str | None,
    conditions: Sequence[tuple[str, DynamoType]],
) -> list[Item] | None:
    """The items that can match the query's partition (None: no shortcut, let moto look at all)."""
    if index_name is None:
        if hash_key is None:
            return None
        found = table.items.get(hash_key)
        if found is None:
            return []
        # moto types a table's items as a dict of items, or one item where the table has no sort key.
        return list(found.values()) if table.range_key_attr else [found]  # type: ignore[list-item]
    if not conditions:
        return None
    every: list[Item] = []
    for stored in table.items.values():
        every.extend(stored.values() if table.range_key_attr else [stored])  # type: ignore[list-item]  # as above
    return [
        item
        for item in every
        if isinstance(item, Item) and all(_same(item.attrs.get(name), value) for name, value in conditions)
    ]


def install() -> None:
    original_query: Callable[..., Any] = Table.query
    original_all_items: Callable[[Table], list[Item]] = Table.all_items

    def query(self: Table, hash_key: DynamoType | None, *args: Any, **kwargs: Any) -> Any:
        index_name = args[6] if len(args) > 6 else kwargs.get("index_name")
        conditions = kwargs.get("hash_key_conditions") or []
        _candidates.items = partition_candidates(
            self, hash_key=hash_key, index_name=index_name, conditions=conditions
        )
        try:
            return original_query(self, hash_key, *args, **kwargs)
        finally:
            _candidates.items = None

    def all_items(self: Table) -> list[Item]:
        found = getattr(_candidates, "items", None)
        if found is None:
            return original_all_items(self)
        return sorted(found, key=_sort_key)

    # Replacing moto's methods is what this module is for; mypy refuses assignments to methods.
    Table.query = query  # type: ignore[method-assign]
    Table.all_items = all_items  # type: ignore[method-assign]  # as above
