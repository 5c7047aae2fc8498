"""SampleData: the demo's reservations (infra/sample_reservations.json) as table items, in the same
canonical form and with the same keys the local stack writes (runtime.adapters.sample_data).

The committed file's phones cannot reach a person (010-0000-xxxx: Korean carriers never assign middle
digits 0000-1999). To play the demo on real phones, the stack's `samplePhones` secret replaces the
customer's and the partner's phone of the reservations it names; the items are secret then too.
"""

from __future__ import annotations

import functools
import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

import attrs
import pulumi
import pulumi_aws as aws

from runtime.adapters.sample_data import read_reservations, reservation_item
from runtime.contract import TABLE
from runtime.domain.errors import InvalidInput
from runtime.domain.model import Reservation
from runtime.domain.phone import normalize_phone
from runtime.domain.validation import normalize_reservation_number

PHONE_FIELDS = {"customerPhone": "customer_phone", "partnerPhone": "partner_phone"}


@attrs.frozen
class SampleDataArgs:
    table_name: pulumi.Input[str]
    reservations_file: Path
    # {reservationNumber: {customerPhone?, partnerPhone?}}, from the stack's `samplePhones` secret.
    phones: pulumi.Output[Mapping[str, Any]] | None = None


class SampleData(pulumi.ComponentResource):
    def __init__(self, name: str, args: SampleDataArgs, opts: pulumi.ResourceOptions | None = None) -> None:
        super().__init__("partnerconfirm:infra:SampleData", name, None, opts)
        reservations = read_reservations(args.reservations_file)
        known = [reservation.reservation_number for reservation in reservations]
        for reservation in reservations:
            item: pulumi.Input[str] = item_json(reservation)
            if args.phones is not None:
                item = args.phones.apply(functools.partial(_item_with_phones, reservation, known=known))
            aws.dynamodb.TableItem(
                f"{name}-{reservation.reservation_number}",
                table_name=args.table_name,
                hash_key=TABLE.partition_key,
                range_key=TABLE.sort_key,
                item=item,
                opts=pulumi.ResourceOptions(parent=self),
            )
        self.register_outputs({})


def with_phones(reservation: Reservation, phones: Mapping[str, Any], known: list[str]) -> Reservation:
    """The reservation with the phones `samplePhones` gives it; a setting naming no sample, or a phone
    that is not a Korean mobile number, stops the program (after naming the key, never the number)."""
    overrides = {normalize_reservation_number(number): value for number, value in (phones or {}).items()}
    unknown = sorted(set(overrides) - set(known))
    if unknown:
        raise ValueError(f"samplePhones names no sample reservation: {', '.join(unknown)}")
    given = overrides.get(reservation.reservation_number) or {}
    if not isinstance(given, Mapping) or set(given) - set(PHONE_FIELDS):
        raise ValueError(
            f"samplePhones.{reservation.reservation_number} takes only {' and '.join(PHONE_FIELDS)}"
        )
    changes = {}
    for key, attribute in PHONE_FIELDS.items():
        if key in given:
            try:
                changes[attribute] = normalize_phone(str(given[key]))
            except InvalidInput as error:
                raise ValueError(
                    f"samplePhones.{reservation.reservation_number}.{key} is not a Korean mobile number"
                ) from error
    return attrs.evolve(reservation, **changes)


def item_json(reservation: Reservation) -> str:
    return json.dumps(typed_item(reservation_item(reservation)), ensure_ascii=False)


def _item_with_phones(reservation: Reservation, phones: Mapping[str, Any], *, known: list[str]) -> str:
    return item_json(with_phones(reservation, phones, known))


def typed_item(item: dict[str, object]) -> dict[str, dict[str, str]]:
    """DynamoDB's JSON: every attribute of a reservation is a string."""
    not_strings = sorted(name for name, value in item.items() if not isinstance(value, str))
    if not_strings:
        raise TypeError(f"reservation attributes must be strings: {', '.join(not_strings)}")
    return {name: {"S": str(value)} for name, value in item.items()}
