"""Korean time: people see KST; storage and APIs carry offsets."""

from __future__ import annotations

from datetime import datetime, timedelta, timezone

KST = timezone(timedelta(hours=9), "KST")
_WEEKDAYS = "월화수목금토일"


def format_kst(moment: datetime) -> str:
    """`2026-12-01T06:30Z` -> `12월 1일(화) 오후 3시 30분` (minutes only when not on the hour)."""
    local = moment.astimezone(KST)
    half = "오전" if local.hour < 12 else "오후"
    hour = local.hour % 12 or 12
    minutes = f" {local.minute}분" if local.minute else ""
    return f"{local.month}월 {local.day}일({_WEEKDAYS[local.weekday()]}) {half} {hour}시{minutes}"


def iso_kst(moment: datetime) -> str:
    """ISO 8601 with the +09:00 offset, to the second, for API responses."""
    return moment.astimezone(KST).isoformat(timespec="seconds")
