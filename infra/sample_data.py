"""SampleData: the demo's reservations (infra/sample_reservations.json) as table items, in the same
canonical form and with the same keys the local stack writes (runtime.adapters.sample_data)."""

from __future__ import annotations

import json
from pathlib import Path

import attrs
import pulumi
import pulumi_aws as aws

from runtime.adapters.sample_data import read_reservations, reservation_item
from runtime.contract import TABLE


@attrs.frozen
class SampleDataArgs:
    table_name: pulumi.Input[str]
    reservations_file: Path


class SampleData(pulumi.ComponentResource):
    def __init__(self, name: str, args: SampleDataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:SampleData", name, None, opts)
        for reservation in read_reservations(args.reservations_file):
            aws.dynamodb.TableItem(
                f"{name}-{reservation.reservation_number}",
                table_name=args.table_name,
                hash_key=TABLE.partition_key,
                range_key=TABLE.sort_key,
                item=json.dumps(typed_item(reservation_item(reservation)), ensure_ascii=False),
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({})


def typed_item(item: dict[str, object]) -> dict[str, dict[str, str]]:
    """DynamoDB's JSON: every attribute of a reservation is a string."""
    not_strings = sorted(name for name, value in item.items() if not isinstance(value, str))
    if not_strings:
        raise TypeError(f"reservation attributes must be strings: {', '.join(not_strings)}")
    return {name: {"S": value} for name, value in item.items()}
