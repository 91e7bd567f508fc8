"""A person's digest settings: the defaults everybody starts with, the checks, the change.

Everybody with an email address starts subscribed to the daily digest at 08:00
in TIME_ZONE, with instant notifications on; the row is made when the person
first opens their settings or, for everybody else, by beat in one bulk insert.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from django.db import IntegrityError, transaction
from django.utils import timezone

from claims.errors import InvalidInput
from claims.models import Claim, Outlet

from . import schedule, selectors
from .models import SECTIONS, WEEKDAYS, DigestSubscription

Frequency = DigestSubscription.Frequency
FIELDS = (
    "frequency",
    "hour",
    "weekday",
    "time_zone",
    "outlets",
    "kinds",
    "min_score",
    "only_mine",
    "sections",
    "notify",
)


def invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", data={"fields": {field: [message]}})


# --- Reading


def default_subscription(*, user_id: int) -> DigestSubscription:
    """The settings of a person who never changed theirs (not saved)."""
    return DigestSubscription(user_id=user_id)


def access_subscription(*, user_id: int) -> DigestSubscription:
    """The person's settings, created with the defaults on first use."""
    subscription = selectors.subscription_for(user_id=user_id)
    if subscription is not None:
        return subscription
    try:
        with transaction.atomic():
            DigestSubscription.objects.create(user_id=user_id)
    except IntegrityError:
        pass  # created by a concurrent request meanwhile
    found = selectors.subscription_for(user_id=user_id)
    assert found is not None
    return found


def ensure_subscriptions() -> int:
    """Create the default subscription of every active person with an email who has none; how many."""
    missing = list(selectors.users_without_subscription().values_list("pk", flat=True))
    DigestSubscription.objects.bulk_create(
        [DigestSubscription(user_id=pk) for pk in missing], ignore_conflicts=True, batch_size=1000
    )
    return len(missing)


def outlet_ids(subscription: DigestSubscription) -> tuple[int, ...]:
    """The outlets a subscription filters on (prefetched by the selectors); none for unsaved defaults."""
    if subscription.pk is None:
        return ()
    return tuple(sorted(outlet.pk for outlet in subscription.outlets.all()))


def next_digest_at(subscription: DigestSubscription, *, now: datetime | None = None) -> datetime | None:
    """When the next digest is due (None when the digest is off)."""
    if subscription.frequency == Frequency.OFF:
        return None
    try:
        tz = schedule.zone(subscription.time_zone)
    except KeyError:
        return None
    return schedule.next_due(
        kind=subscription.frequency,
        hour=subscription.hour,
        weekday=subscription.weekday,
        tz=tz,
        now=now or timezone.now(),
    )


def chosen_sections(subscription: DigestSubscription) -> list[str]:
    chosen = set(subscription.sections or [])
    return [name for name in SECTIONS if name in chosen]


# --- Checks (each raises InvalidInput naming its field)


def check_frequency(value: Any) -> str:
    if value not in Frequency.values:
        raise invalid("frequency", f"Choose one of: {', '.join(Frequency.values)}.")
    return str(value)


def check_hour(value: Any) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or not 0 <= value <= 23:
        raise invalid("hour", "An hour of the day, 0 to 23 (local time).")
    return value


def check_weekday(value: Any) -> int:
    """A weekday's name (monday ... sunday) or number (0 Monday ... 6 Sunday)."""
    if isinstance(value, str) and value.strip().lower() in WEEKDAYS:
        return WEEKDAYS.index(value.strip().lower())
    if isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 6:
        return value
    raise invalid("weekday", f"Choose one of: {', '.join(WEEKDAYS)}.")


def check_time_zone(value: Any) -> str:
    if not isinstance(value, str) or not value.strip():
        raise invalid("time_zone", "Give an IANA time zone name, such as Europe/Berlin.")
    name = value.strip()
    try:
        schedule.zone(name)
    except KeyError:
        raise invalid(
            "time_zone", f"Unknown time zone {name!r}; use an IANA name such as Europe/Berlin."
        ) from None
    return name


def check_outlets(value: Any) -> list[Outlet]:
    """Outlets by name (as the articles API names them) or id; an unknown one is refused by name."""
    if not isinstance(value, list | tuple) or not all(isinstance(v, str | int) for v in value):
        raise invalid("outlets", "Expected a list of outlet names.")
    names = {str(v).strip() for v in value if isinstance(v, str)}
    ids = {v for v in value if isinstance(v, int) and not isinstance(v, bool)}
    found = list(Outlet.objects.filter(name__in=names)) + list(Outlet.objects.filter(pk__in=ids))
    unknown = sorted(names - {o.name for o in found}) + sorted(str(i) for i in ids - {o.pk for o in found})
    if unknown:
        raise invalid("outlets", f"Unknown outlet(s): {', '.join(unknown)}.")
    return sorted({o.pk: o for o in found}.values(), key=lambda o: o.name)


def check_kinds(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise invalid("kinds", "Expected a list of claim kinds.")
    unknown = sorted(set(value) - set(Claim.Kind.values))
    if unknown:
        raise invalid("kinds", f"Unknown kind(s): {', '.join(unknown)}; use: {', '.join(Claim.Kind.values)}.")
    return [kind for kind in Claim.Kind.values if kind in value]


def check_min_score(value: Any) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not 0 <= value <= 1:
        raise invalid("min_score", "A check-worthiness score from 0 to 1.")
    return float(value)


def check_sections(value: Any) -> list[str]:
    if not isinstance(value, list | tuple) or not all(isinstance(v, str) for v in value):
        raise invalid("sections", "Expected a list of section names.")
    unknown = sorted(set(value) - set(SECTIONS))
    if unknown:
        raise invalid("sections", f"Unknown section(s): {', '.join(unknown)}; use: {', '.join(SECTIONS)}.")
    return [name for name in SECTIONS if name in value]


def check_flag(field: str, value: Any) -> bool:
    if not isinstance(value, bool):
        raise invalid(field, "Expected true or false.")
    return value


CHECKS: dict[str, Callable[[Any], Any]] = {
    "frequency": check_frequency,
    "hour": check_hour,
    "weekday": check_weekday,
    "time_zone": check_time_zone,
    "outlets": check_outlets,
    "kinds": check_kinds,
    "min_score": check_min_score,
    "sections": check_sections,
    "only_mine": lambda value: check_flag("only_mine", value),
    "notify": lambda value: check_flag("notify", value),
}


@dataclass(frozen=True)
class Changes:
    values: dict[str, Any]
    outlets: list[Outlet] | None


def check_changes(changes: Mapping[str, Any]) -> Changes:
    unknown = sorted(set(changes) - set(FIELDS))
    if unknown:
        raise InvalidInput(
            f"{unknown[0]}: Unknown field.", data={"fields": {name: ["Unknown field."] for name in unknown}}
        )
    values = {name: CHECKS[name](value) for name, value in changes.items()}
    outlets = values.pop("outlets", None)
    return Changes(values=values, outlets=outlets)


# --- Changing


def do_update_subscription(*, user_id: int, changes: Mapping[str, Any]) -> DigestSubscription:
    """Change some of a person's settings; fields left out keep their value."""
    checked = check_changes(changes)
    access_subscription(user_id=user_id)
    with transaction.atomic():
        subscription = DigestSubscription.objects.select_for_update().get(user_id=user_id)
        for name, value in checked.values.items():
            setattr(subscription, name, value)
        subscription.save()
        if checked.outlets is not None:
            subscription.outlets.set(checked.outlets)
    found = selectors.subscription_for(user_id=user_id)
    assert found is not None
    return found


def do_turn_off(*, user_id: int, what: str) -> DigestSubscription:
    """Turn the digest (``digest``) or the instant notifications (``notifications``) off."""
    field, value = ("frequency", Frequency.OFF) if what == "digest" else ("notify", False)
    return do_update_subscription(user_id=user_id, changes={field: value})
