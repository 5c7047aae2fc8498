"""Reservations made for a run: each with its own number, customer phone and partner phone, stored in
the local stack's table as the sample loader stores the samples.

Tools that drive many flows (make reliability, the browser tests) use them instead of cycling the ten
samples, so the product's limits per reservation, customer phone and partner phone apply to them as
to real customers, each flow on its own reservation.
"""

from __future__ import annotations

import itertools
import random
import threading
from collections.abc import Iterable
from typing import Any

import attrs
from boto3.dynamodb.types import TypeSerializer

from runtime.adapters.sample_data import reservation_item
from runtime.domain.model import Reservation

_serializer = TypeSerializer()
# One sequence per process, started at random, so two runs on one emulator do not collide.
_numbers = itertools.count(random.randrange(10**6))
_lock = threading.Lock()


def unique_reservations(like: Reservation, count: int, *, letters: str = "TST") -> list[Reservation]:
    """`count` reservations like `like` (partner, service, date), each with a number and two mobile
    numbers of its own: customer `010-4xxx-xxxx`, partner `010-5xxx-xxxx`."""
    with _lock:
        numbers = [next(_numbers) for _ in range(count)]
    return [
        attrs.evolve(
            like,
            reservation_number=f"{letters}-{n:07d}",
            customer_id=f"CUST-{n:07d}",
            customer_phone=f"+82104{n % 10**7:07d}",
            partner_phone=f"+82105{n % 10**7:07d}",
        )
        for n in numbers
    ]


def store_reservations(dynamodb: Any, table_name: str, reservations: Iterable[Reservation]) -> int:
    stored = 0
    for reservation in reservations:
        item = reservation_item(reservation)
        dynamodb.put_item(TableName=table_name, Item={k: _serializer.serialize(v) for k, v in item.items()})
        stored += 1
    return stored
