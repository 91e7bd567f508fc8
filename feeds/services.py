"""Following feeds: adding one (API, admin, ``manage.py addfeed``) and reading which are due.

Polling them is ``feeds.polling``.
"""

from __future__ import annotations

import ipaddress
from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, transaction
from django.db.models import Count, Q, QuerySet
from django.utils import timezone

from claims import ingest
from claims.errors import Conflict, InvalidInput
from factcheck import outbound

from .models import Feed, FeedEntry

MIN_INTERVAL_MINUTES = 1
MAX_INTERVAL_MINUTES = 7 * 24 * 60
MAX_URL_LENGTH = 2000


def _invalid(field: str, message: str) -> InvalidInput:
    return InvalidInput(f"{field}: {message}", data={"fields": {field: [message]}})


def check_feed_url(url: str) -> str:
    """An http(s) URL with a host; a literal private address is refused at once.

    Names are not resolved here: what a name resolves to can change, so the
    rule that counts is the one applied at every fetch (``factcheck.outbound``).
    """
    url = url.strip()
    scheme = url.partition("://")[0] if "://" in url else ""
    if scheme.isascii() and scheme.isalpha():
        url = scheme.lower() + url[len(scheme) :]  # "HTTPS://..." is the https URL it names
    if len(url) > MAX_URL_LENGTH:
        raise _invalid("url", f"longer than {MAX_URL_LENGTH} characters")
    try:
        outbound.check_url(url)
    except outbound.FetchError as exc:
        raise _invalid("url", exc.reason) from exc
    host = (urlsplit(url).hostname or "").strip("[]")
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return url
    try:
        outbound.check_address(str(address))
    except outbound.FetchError as exc:
        raise _invalid("url", exc.reason) from exc
    return url


def check_interval(minutes: int) -> int:
    if not MIN_INTERVAL_MINUTES <= minutes <= MAX_INTERVAL_MINUTES:
        raise _invalid(
            "every_minutes", f"must be between {MIN_INTERVAL_MINUTES} and {MAX_INTERVAL_MINUTES} minutes"
        )
    return minutes


def do_add_feed(*, url: str, outlet: str, every_minutes: int | None = None) -> Feed:
    """Follow a feed for an outlet (created when new); it is polled at the next beat."""
    url = check_feed_url(url)
    name = outlet.strip()
    if not name:
        raise _invalid("outlet", "a feed needs the name of the outlet it belongs to")
    minutes = check_interval(settings.FEED_POLL_MINUTES if every_minutes is None else every_minutes)
    existing = Feed.objects.filter(url=url).first()
    if existing is not None:
        raise Conflict(f"This feed is already followed (feed {existing.pk}).", data={"feed": existing.pk})
    try:
        with transaction.atomic():
            outlet_row = ingest.outlet_named(name)
            if outlet_row is None:
                raise _invalid("outlet", "a feed needs the name of the outlet it belongs to")
            return Feed.objects.create(url=url, outlet=outlet_row, poll_interval_minutes=minutes)
    except IntegrityError as exc:
        # Added by a concurrent request meanwhile.
        raise Conflict("This feed is already followed.") from exc


# --- Reads


def feed_list() -> QuerySet[Feed]:
    """Feeds with their outlet and how many entries each has ingested, failed and skipped."""
    return (
        Feed.objects.select_related("outlet")
        .annotate(
            ingested_count=Count("entries", filter=Q(entries__state=FeedEntry.State.INGESTED)),
            failed_count=Count("entries", filter=Q(entries__state=FeedEntry.State.FAILED)),
            skipped_count=Count("entries", filter=Q(entries__state=FeedEntry.State.SKIPPED)),
        )
        .order_by("id")
    )


def due_q(now: datetime) -> Q:
    return Q(active=True) & (Q(next_poll_at__isnull=True) | Q(next_poll_at__lte=now))


def due_feed_ids(*, now: datetime | None = None) -> list[int]:
    return list(
        Feed.objects.filter(due_q(now or timezone.now()))
        .order_by("next_poll_at", "id")
        .values_list("pk", flat=True)
    )
