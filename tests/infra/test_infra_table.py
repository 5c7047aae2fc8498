"""The DynamoDB table, and that the local stack builds the very same one (keys, indexes, stream)."""

from __future__ import annotations

from typing import Any

from infra_helpers import setting

from infra.offline.mock_run import Deployment
from runtime.contract import TABLE

TABLE_TYPE = "aws:dynamodb/table:Table"


def test_the_table_is_on_demand_encrypted_recoverable_and_expires_items(deployment: Deployment) -> None:
    table = deployment.one(TABLE_TYPE).inputs
    assert table["name"] == f"PartnerConfirmation-{deployment.stack}"
    assert table["billingMode"] == "PAY_PER_REQUEST"
    assert table["serverSideEncryption"] == {"enabled": True}
    assert table["pointInTimeRecovery"] == {"enabled": True}
    assert table["ttl"] == {"attributeName": "ttl", "enabled": True}


def test_deletion_protection_follows_the_stack_file(deployment: Deployment) -> None:
    protected = deployment.one(TABLE_TYPE).inputs["deletionProtectionEnabled"]
    assert protected is setting(deployment.stack, "tableDeletionProtection")


def test_keys_and_sparse_indexes_come_from_the_contract(deployment: Deployment) -> None:
    table = deployment.one(TABLE_TYPE).inputs
    assert (table["hashKey"], table["rangeKey"]) == (TABLE.partition_key, TABLE.sort_key)
    assert sorted(a["name"] for a in table["attributes"]) == sorted(TABLE.key_attributes)
    assert {a["type"] for a in table["attributes"]} == {"S"}
    indexes = {index["name"]: index for index in table["globalSecondaryIndexes"]}
    assert set(indexes) == {"GSI1", "GSI2"} == {index.name for index in TABLE.indexes}
    for index in TABLE.indexes:
        declared = indexes[index.name]
        # pulumi-aws 7: key_schemas, not the deprecated hash_key / range_key.
        assert "hashKey" not in declared and "rangeKey" not in declared
        assert declared["keySchemas"] == [
            {"attributeName": index.partition_key, "keyType": "HASH"},
            {"attributeName": index.sort_key, "keyType": "RANGE"},
        ]
        assert declared["projectionType"] == "ALL"


class _RecordingDynamoDb:
    def __init__(self) -> None:
        self.calls: dict[str, dict[str, Any]] = {}

    def create_table(self, **request: Any) -> dict[str, Any]:
        self.calls["create_table"] = request
        return {"TableDescription": {"LatestStreamArn": "arn:aws:dynamodb:local:table/stream/now"}}

    def update_time_to_live(self, **request: Any) -> None:
        self.calls["update_time_to_live"] = request


def test_the_local_stack_creates_the_same_table(deployment: Deployment) -> None:
    from local.emulator import create_table

    local = _RecordingDynamoDb()
    create_table(local, "PartnerConfirmation-local")
    created = local.calls["create_table"]
    table = deployment.one(TABLE_TYPE).inputs

    assert {(a["AttributeName"], a["AttributeType"]) for a in created["AttributeDefinitions"]} == {
        (a["name"], a["type"]) for a in table["attributes"]
    }
    assert [k["AttributeName"] for k in created["KeySchema"]] == [table["hashKey"], table["rangeKey"]]
    local_indexes = {
        index["IndexName"]: [(k["AttributeName"], k["KeyType"]) for k in index["KeySchema"]]
        for index in created["GlobalSecondaryIndexes"]
    }
    assert local_indexes == {
        index["name"]: [(k["attributeName"], k["keyType"]) for k in index["keySchemas"]]
        for index in table["globalSecondaryIndexes"]
    }
    ttl = local.calls["update_time_to_live"]["TimeToLiveSpecification"]
    assert ttl["AttributeName"] == table["ttl"]["attributeName"]
    # The same stream, so the local poller sees the records Lambda's mappings see.
    assert created["StreamSpecification"] == {
        "StreamEnabled": table["streamEnabled"],
        "StreamViewType": table["streamViewType"],
    }
