"""Sample reservations (infra/sample_reservations.json) as domain objects and as table items."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import attrs

from runtime.adapters import dynamo_keys as keys
from runtime.adapters.dynamo_converter import from_item, to_item
from runtime.domain.model import Reservation
from runtime.domain.phone import normalize_phone
from runtime.domain.validation import normalize_reservation_number


def read_reservations(path: str | Path) -> list[Reservation]:
    """People write phones and numbers loosely; the table stores them in canonical form."""
    entries = json.loads(Path(path).read_text(encoding="utf-8"))
    reservations = []
    for entry in entries:
        reservation = from_item(entry, Reservation)
        reservations.append(
            attrs.evolve(
                reservation,
                reservation_number=normalize_reservation_number(reservation.reservation_number),
                customer_phone=normalize_phone(reservation.customer_phone),
                partner_phone=normalize_phone(reservation.partner_phone),
            )
        )
    return reservations


def reservation_item(reservation: Reservation) -> dict[str, Any]:
    """The reservation's item: main key, reservation-index keys, attributes (all strings)."""
    return {
        **keys.reservation_key(reservation.reservation_number),
        **keys.reservation_index(reservation.reservation_number, reservation.customer_phone),
        **to_item(reservation),
    }
