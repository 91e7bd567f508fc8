"""Reading dates that people and other systems write: ISO 8601 dates or date-times."""

from __future__ import annotations

from datetime import UTC, datetime

from django.utils.dateparse import parse_date, parse_datetime


def parse_iso_datetime(value: str) -> datetime | None:
    """An ISO 8601 date-time, or a date read as its midnight; naive values are UTC. None if unreadable."""
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        return None
    if parsed is None:
        return None
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)
