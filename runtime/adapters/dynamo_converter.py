"""Entities <-> DynamoDB items: camelCase attributes, ISO timestamps, Decimal numbers, an entity tag.

Items are plain Python values here; the repository turns them into DynamoDB's typed form.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import attrs
import cattrs
from cattrs.gen import make_dict_structure_fn, make_dict_unstructure_fn, override

from runtime.adapters.dynamo_keys import timestamp
from runtime.domain.model import Event, IdempotencyRecord, LinkRecord, Request, Reservation, UnclearMessage

ENTITY = "entity"
_TAGS: dict[type, str] = {
    Request: "Request",
    Event: "Event",
    Reservation: "Reservation",
    # The stored entity name predates the class's: items already in tables carry it.
    LinkRecord: "LinkToken",
    IdempotencyRecord: "Idempotency",
    UnclearMessage: "UnclearMessage",
}
_BY_TAG = {tag: cls for cls, tag in _TAGS.items()}


def _camel(name: str) -> str:
    first, *rest = name.split("_")
    return first + "".join(part.title() for part in rest)


def _make_converter() -> cattrs.Converter:
    converter = cattrs.Converter()
    converter.register_unstructure_hook(datetime, timestamp)
    converter.register_structure_hook(datetime, lambda value, _: datetime.fromisoformat(value))
    converter.register_structure_hook(int, lambda value, _: int(Decimal(value)))

    def unstructure_factory(cls: type) -> Any:
        # Optional values and empty histories are left out, so an item holds only what happened.
        overrides: dict[str, Any] = {
            a.name: override(rename=_camel(a.name), omit_if_default=a.default is None or a.default == ())
            for a in attrs.fields(cls)
        }
        return make_dict_unstructure_fn(cls, converter, **overrides)

    def structure_factory(cls: type) -> Any:
        overrides: dict[str, Any] = {a.name: override(rename=_camel(a.name)) for a in attrs.fields(cls)}
        return make_dict_structure_fn(cls, converter, **overrides)

    converter.register_unstructure_hook_factory(attrs.has, unstructure_factory)
    converter.register_structure_hook_factory(attrs.has, structure_factory)
    return converter


converter = _make_converter()
T = TypeVar("T")


def to_item(entity: object) -> dict[str, Any]:
    """The entity's attributes plus its tag; keys are added by the repository."""
    return {**converter.unstructure(entity), ENTITY: _TAGS[type(entity)]}


def to_attributes(value: object) -> Any:
    """A nested value (response, notification) as stored inside an item."""
    return converter.unstructure(value)


def from_item(item: Mapping[str, Any], cls: type[T]) -> T:
    return converter.structure(dict(item), cls)


def from_tagged_item(item: Mapping[str, Any]) -> object:
    """Structure by the item's entity tag (a query over one partition returns several kinds)."""
    return converter.structure(dict(item), _BY_TAG[item[ENTITY]])
