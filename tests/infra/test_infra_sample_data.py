"""Sample reservations: loaded into the demo table as the local stack loads them; never into dev."""

from __future__ import annotations

import json
import re

import pytest
from infra_helpers import setting

from infra.components.sample_data import typed_item
from infra.offline.mock_run import PROJECT_ROOT, CapturedResource, Deployment, Secret, run_program
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


def test_the_committed_sample_phones_cannot_reach_a_person() -> None:
    """Korean carriers never assign 010 numbers whose middle four digits are 0000-1999; the demo
    stack, once out of the SMS sandbox, can text no stranger."""
    for reservation in read_reservations(RESERVATIONS):
        for phone in (reservation.customer_phone, reservation.partner_phone):
            assert re.fullmatch(r"\+8210[01]\d{7}", phone), phone


def _items(deployment: Deployment) -> dict[str, CapturedResource]:
    return {item.name.removeprefix("sample-data-"): item for item in deployment.of_type(ITEM)}


def test_the_demo_phones_can_be_replaced_from_a_stack_secret() -> None:
    phones = {"HTL-100101": {"partnerPhone": "010-9876-5432", "customerPhone": "+82 10 8765 4321"}}
    deployment = run_program(
        "demo", extra_config={"partner-confirm:samplePhones": Secret(json.dumps(phones))}
    )

    items = _items(deployment)
    assert all(isinstance(item.inputs["item"], Secret) for item in items.values())  # never in plain text
    replaced = json.loads(items["HTL-100101"].inputs["item"].value)
    assert replaced["partnerPhone"] == {"S": "+821098765432"}
    assert replaced["customerPhone"] == {"S": "+821087654321"}
    assert replaced["GSI1SK"] == {"S": "PHONE#+821087654321"}  # the customer is found by the new phone
    kept = json.loads(items["CAR-200202"].inputs["item"].value)
    assert kept["partnerPhone"] == {"S": "+821000002002"}


@pytest.mark.parametrize(
    ("phones", "message"),
    [
        ({"HTL-999999": {"partnerPhone": "010-9876-5432"}}, "names no sample reservation: HTL-999999"),
        ({"HTL-100101": {"partnerPhone": "02-123-4567"}}, "HTL-100101.partnerPhone is not a Korean mobile"),
        ({"HTL-100101": {"email": "a@b.kr"}}, "takes only customerPhone and partnerPhone"),
    ],
)
def test_a_sample_phone_setting_that_cannot_be_used_stops_the_program(phones: dict, message: str) -> None:
    with pytest.raises(ValueError, match=message):
        run_program("demo", extra_config={"partner-confirm:samplePhones": Secret(json.dumps(phones))})
