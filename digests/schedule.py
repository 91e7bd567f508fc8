"""When a digest is due: periods in the subscriber's own time zone, daylight-saving changes included.

Plain Python (zoneinfo, no Django), so the rules can be read and tested alone.

A daily digest's period is the subscriber's local date; a weekly digest's is
the local ISO week. A period's digest is due once the moment it is scheduled
for (the chosen hour of that date, or of the chosen weekday of that week) has
passed, and is sent at most once per period: the sender keeps one row per
(person, kind, period). A scheduled hour that a spring-forward change skips
(02:00 to 03:00) falls to the same instant one hour later in local time
(zoneinfo's ``fold=0``); an hour that a fall-back change repeats is due at its
first occurrence. Either way the period, and so the digest, is the same one.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError, available_timezones

DAILY = "daily"
WEEKLY = "weekly"
PERIOD_LENGTH = {DAILY: timedelta(days=1), WEEKLY: timedelta(days=7)}


@dataclass(frozen=True)
class Period:
    kind: str
    key: str  # "2026-03-05" (daily) or "2026-W10" (weekly)
    scheduled_at: datetime  # aware, UTC: the moment this period's digest is due

    @property
    def length(self) -> timedelta:
        return PERIOD_LENGTH[self.kind]


def zone(name: str) -> ZoneInfo:
    """The time zone of an IANA name; KeyError for a name that is not one."""
    if name not in known_time_zones():
        raise KeyError(name)
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as exc:
        raise KeyError(name) from exc


_ZONES: frozenset[str] = frozenset()


def known_time_zones() -> frozenset[str]:
    global _ZONES
    if not _ZONES:
        _ZONES = frozenset(available_timezones()) | {"UTC"}
    return _ZONES


def local_moment(day: date, hour: int, tz: ZoneInfo) -> datetime:
    """``hour`` o'clock on ``day`` in ``tz``, as an aware UTC datetime (DST gaps and overlaps resolved)."""
    return datetime.combine(day, time(hour), tzinfo=tz).astimezone(UTC)


def current_period(*, kind: str, hour: int, weekday: int, tz: ZoneInfo, now: datetime) -> Period:
    """The period ``now`` falls in, in the subscriber's zone, and when its digest is due."""
    today = now.astimezone(tz).date()
    if kind == DAILY:
        return Period(kind, today.isoformat(), local_moment(today, hour, tz))
    if kind == WEEKLY:
        year, week, day = today.isocalendar()
        monday = today - timedelta(days=day - 1)
        return Period(kind, f"{year}-W{week:02d}", local_moment(monday + timedelta(days=weekday), hour, tz))
    raise ValueError(f"no periods for frequency {kind!r}")


def due_period(*, kind: str, hour: int, weekday: int, tz: ZoneInfo, now: datetime) -> Period | None:
    """The period whose digest is due at ``now``, or None while its moment is still ahead.

    Whether it was already sent is the sender's question (one row per period).
    """
    period = current_period(kind=kind, hour=hour, weekday=weekday, tz=tz, now=now)
    return period if now >= period.scheduled_at else None


def next_due(*, kind: str, hour: int, weekday: int, tz: ZoneInfo, now: datetime) -> datetime:
    """The next moment a digest of this schedule is due after ``now`` (for the settings page)."""
    probe = now
    for _ in range(16):
        period = current_period(kind=kind, hour=hour, weekday=weekday, tz=tz, now=probe)
        if period.scheduled_at > now:
            return period.scheduled_at
        probe = probe + (timedelta(days=1) if kind == DAILY else timedelta(days=7))
    raise AssertionError("no due moment within 16 periods")  # pragma: no cover
