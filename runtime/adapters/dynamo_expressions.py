"""DynamoDB request pieces: update expressions with their conditions, puts, and typed values."""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from datetime import datetime
from typing import Any

from runtime.adapters import dynamo_keys as keys
from runtime.adapters.dynamo_converter import to_attributes
from runtime.adapters.dynamo_values import from_attribute_value, to_attribute_value
from runtime.domain.model import Status


class Update:
    """Builds one UpdateExpression with its condition; every update stamps updatedAt."""

    def __init__(self, at: datetime) -> None:
        self._at = at
        # An attribute's name, or the path to an attribute inside a map.
        self._set: dict[str | tuple[str, ...], Any] = {"updatedAt": to_attributes(at)}
        self._remove: list[str] = []
        self._conditions: list[str] = ["attribute_exists(#pk)"]
        self._names: dict[str, str] = {"#pk": keys.PK}
        self._values: dict[str, Any] = {}

    def set(self, **attributes: Any) -> Update:
        self._set.update({name: to_attributes(value) for name, value in attributes.items()})
        return self

    def set_inside(self, attribute: str, **values: Any) -> Update:
        """Set fields of the map `attribute` (which must exist), leaving its other fields as they are."""
        self._set.update({(attribute, name): to_attributes(value) for name, value in values.items()})
        return self

    def remove(self, *attributes: str) -> Update:
        self._remove += attributes
        return self

    def move_to(self, status: Status) -> Update:
        return self.set(status=status, **keys.status_partition(status, self._at))

    def require(
        self, condition: str, *, names: Mapping[str, str], values: Mapping[str, Any] | None = None
    ) -> None:
        self._conditions.append(condition)
        self._names.update(names)
        self._values.update(values or {})

    def require_status(self, allowed: Iterable[Status]) -> None:
        placeholders = {f":from{i}": status for i, status in enumerate(sorted(allowed))}
        self.require(
            f"#status IN ({', '.join(placeholders)})", names={"#status": "status"}, values=placeholders
        )

    def expression(self) -> dict[str, Any]:
        names = dict(self._names)
        values = dict(self._values)
        assignments = []
        for i, (attribute, value) in enumerate(self._set.items()):
            path = (attribute,) if isinstance(attribute, str) else attribute
            placeholders = [f"#s{i}" if depth == 0 else f"#s{i}_{depth}" for depth in range(len(path))]
            names.update(zip(placeholders, path, strict=True))
            values[f":s{i}"] = value
            assignments.append(f"{'.'.join(placeholders)} = :s{i}")
        expression = "SET " + ", ".join(assignments)
        if self._remove:
            for i, attribute in enumerate(self._remove):
                names[f"#r{i}"] = attribute
            expression += " REMOVE " + ", ".join(f"#r{i}" for i in range(len(self._remove)))
        return {
            "UpdateExpression": expression,
            "ConditionExpression": " AND ".join(self._conditions),
            "ExpressionAttributeNames": names,
            "ExpressionAttributeValues": typed(values),
        }

    def as_transact(self, table: str, key: Mapping[str, str]) -> dict[str, Any]:
        return {"Update": {"TableName": table, "Key": typed(key), **self.expression()}}


def put_item(table: str, item: Mapping[str, Any], *, condition: str | None = None) -> dict[str, Any]:
    put: dict[str, Any] = {"TableName": table, "Item": typed(item)}
    if condition:
        put["ConditionExpression"] = condition
        put["ExpressionAttributeNames"] = {"#pk": keys.PK}
    return {"Put": put}


def typed(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: to_attribute_value(value) for name, value in item.items()}


def plain(item: Mapping[str, Any]) -> dict[str, Any]:
    return {name: from_attribute_value(value) for name, value in item.items()}
