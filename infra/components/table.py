"""Table: the product's single DynamoDB table, its keys and indexes from runtime.contract,
and its stream, from which every hand-off after an HTTP handler's one write is delivered."""

from __future__ import annotations

import attrs
import pulumi
import pulumi_aws as aws

from runtime.contract import STREAM_VIEW, TABLE, Index


@attrs.frozen
class TableArgs:
    name: str
    deletion_protection: bool


class Table(pulumi.ComponentResource):
    name: pulumi.Output[str]
    arn: pulumi.Output[str]
    stream_arn: pulumi.Output[str]

    def __init__(self, name: str, args: TableArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:Table", name, None, opts)
        table = aws.dynamodb.Table(
            f"{name}-table",
            name=args.name,
            billing_mode="PAY_PER_REQUEST",
            hash_key=TABLE.partition_key,
            range_key=TABLE.sort_key,
            # Every key of the table and of both indexes is a string; nothing else is declared.
            attributes=[{"name": attribute, "type": "S"} for attribute in TABLE.key_attributes],
            global_secondary_indexes=[_index(index) for index in TABLE.indexes],
            ttl={"attribute_name": TABLE.ttl_attribute, "enabled": True},
            point_in_time_recovery={"enabled": True},
            # Encrypted with the AWS managed key (visible in KMS and CloudTrail), not the owned default.
            server_side_encryption={"enabled": True},
            deletion_protection_enabled=args.deletion_protection,
            # Both images: a consumer's filter tells a status change from a rewrite of the same status.
            stream_enabled=True,
            stream_view_type=STREAM_VIEW,
            opts=pulumi.ResourceOptions(parent=self),
        )
        self.name = table.name
        self.arn = table.arn
        self.stream_arn = table.stream_arn
        self.register_outputs({"name": self.name, "arn": self.arn, "streamArn": self.stream_arn})


def _index(index: Index) -> aws.dynamodb.TableGlobalSecondaryIndexArgsDict:
    # Sparse, overloaded keys: only items that carry GSIxPK appear in the index; they carry all attributes.
    return {
        "name": index.name,
        "key_schemas": [
            {"attribute_name": index.partition_key, "key_type": "HASH"},
            {"attribute_name": index.sort_key, "key_type": "RANGE"},
        ],
        "projection_type": "ALL",
    }
