"""Sample reservations: loaded into the demo table as the local stack loads them; never into dev."""

from __future__ import annotations

import json

import pytest
from infra_helpers import setting

from infra.mock_run import PROJECT_ROOT, Deployment
from infra.sample_data import typed_item
from runtime.adapters.sample_data import read_reservations, reservation_item
from runtime.contract import TABLE

ITEM = "aws:dynamodb/tableItem:TableItem"
RESERVATIONS = PROJECT_ROOT / "infra" / "sample_reservations.json"


def test_sample_items_exist_exactly_when_the_stack_loads_them(deployment: Deployment) -> None:
    items = deployment.of_type(ITEM)
    if not setting(deployment.stack, "loadSampleData"):
        assert items == []
        return
    reservations = read_reservations(RESERVATIONS)
    assert len(items) == len(reservations)
    table_name = deployment.one("aws:dynamodb/table:Table").outputs["name"]
    written = {json.loads(item.inputs["item"])["PK"]["S"]: item.inputs for item in items}
    for reservation in reservations:
        expected = reservation_item(reservation)
        item = written[expected["PK"]]
        assert item["tableName"] == table_name
        assert (item["hashKey"], item["rangeKey"]) == (TABLE.partition_key, TABLE.sort_key)
        assert json.loads(item["item"]) == {name: {"S": value} for name, value in expected.items()}


def test_items_are_dynamodb_json_of_strings() -> None:
    assert typed_item({"PK": "RES#A-1", "customerName": "김민준"}) == {
        "PK": {"S": "RES#A-1"},
        "customerName": {"S": "김민준"},
    }
    with pytest.raises(TypeError, match="ttl"):
        typed_item({"PK": "RES#A-1", "ttl": 5})
