"""Argument types the subcommands share: UTC days and statuses, checked as argparse parses them."""

from __future__ import annotations

import argparse
from datetime import date

from runtime.domain.model import Status

DAY_HELP = "a UTC day, YYYY-MM-DD (the status index is bucketed by the UTC day a request reached its status)"
_STATUSES = {status.value.lower(): status for status in Status}


def day(text: str) -> date:
    try:
        return date.fromisoformat(text)
    except ValueError:
        raise argparse.ArgumentTypeError(f"not a day (YYYY-MM-DD): {text!r}") from None


def status(text: str) -> Status:
    found = _STATUSES.get(text.strip().lower())
    if found is None:
        raise argparse.ArgumentTypeError(f"not a status: {text!r} (one of {', '.join(Status)})")
    return found
