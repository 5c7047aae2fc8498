"""Clock on the system time, in UTC, to the millisecond (what the table stores)."""

from __future__ import annotations

from datetime import UTC, datetime

from runtime.adapters.ports import Clock


class SystemClock(Clock):
    def now(self) -> datetime:
        moment = datetime.now(UTC)
        return moment.replace(microsecond=moment.microsecond // 1000 * 1000)
