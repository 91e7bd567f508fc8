"""From the event log to pending deliveries, and from pending deliveries to the worker.

Webhooks reach this module through the event log (the ``webhooks`` consumer),
so a crash between a change's commit and its webhook loses nothing: the
consumer's cursor moves in the same transaction that writes the pending
deliveries, and a drain of each endpoint that got some is queued after that
commit (``webhooks.drain`` sends them in batches). Beat asks, every minute,
every endpoint with due deliveries to drain (an enqueue lost, a worker that
died, a retry whose time has come).
"""

from __future__ import annotations

import functools
from collections.abc import Sequence
from datetime import datetime

from django.conf import settings
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from claims import background
from claims.event_types import EventType
from claims.models import ClaimEvent

from . import lease, payloads
from .models import WebhookDelivery, WebhookEndpoint

CONSUMER = "webhooks"
DELIVER = "webhooks.tasks.deliver"
DRAIN = "webhooks.tasks.drain_endpoint"


def queue_deliveries(events: Sequence[ClaimEvent]) -> None:
    """Event-log consumer: one pending delivery per active subscribed endpoint and event.

    A batch of events costs a fixed number of statements: the deliveries that
    exist already, the bodies (``payloads.event_bodies``) and one insert; after
    the commit, each endpoint that got deliveries is asked to drain once.
    Idempotent: an event handled again finds its deliveries (one per endpoint
    and event, a database constraint) and writes nothing new.
    """
    endpoints = list(WebhookEndpoint.objects.filter(active=True, disabled_at__isnull=True))
    if not endpoints:
        return
    wanted: list[tuple[ClaimEvent, str, list[WebhookEndpoint]]] = []
    for event in events:
        webhook_type = payloads.WEBHOOK_TYPES.get(EventType(event.action))
        wanting = [e for e in endpoints if webhook_type and e.wants(webhook_type)]
        if webhook_type and wanting:
            wanted.append((event, webhook_type, wanting))
    if not wanted:
        return
    done = set(
        WebhookDelivery.objects.filter(
            event_id__in=[event.pk for event, _, _ in wanted], endpoint__in=endpoints
        ).values_list("event_id", "endpoint_id")
    )
    wanted = [
        (event, webhook_type, [e for e in wanting if (event.pk, e.pk) not in done])
        for event, webhook_type, wanting in wanted
    ]
    wanted = [item for item in wanted if item[2]]
    bodies = payloads.event_bodies([event for event, _, _ in wanted])
    now = timezone.now()
    deliveries = [
        WebhookDelivery(
            endpoint=endpoint,
            event=event,
            type=webhook_type,
            message_id=str(event.pk),
            payload=body,
            next_attempt_at=now,
        )
        for event, webhook_type, wanting in wanted
        if (body := bodies.get(event.pk)) is not None
        for endpoint in wanting
    ]
    WebhookDelivery.objects.bulk_create(deliveries, ignore_conflicts=True)
    for endpoint_id in sorted({d.endpoint_id for d in deliveries}):
        # robust: a broker that is down must not undo the cursor's move; beat queues the drain later.
        transaction.on_commit(functools.partial(request_drain, endpoint_id), robust=True)


def drain_lease(endpoint_id: int) -> str:
    return f"webhooks:drain:{endpoint_id}"


def request_drain(endpoint_id: int) -> bool:
    """Queue a drain of the endpoint unless one is queued or running; True when this call queued it.

    The endpoint's lease (``lease``, ``WEBHOOK_DRAIN_LEASE_SECONDS``) is taken
    here and held by the drain while it runs, so the queue holds at most one
    drain per endpoint however many events arrive. Nothing rests on it: a lease
    whose task was lost expires, and beat's pass queues the drain again.
    """
    name = drain_lease(endpoint_id)
    if not lease.acquire(name, settings.WEBHOOK_DRAIN_LEASE_SECONDS):
        return False
    try:
        background.enqueue(DRAIN, endpoint_id)
    except Exception:
        lease.release(name)  # nothing was queued: the next request or beat's pass queues it
        raise
    return True


def do_send_due(*, now: datetime | None = None) -> int:
    """Beat, every minute: ask every endpoint with due deliveries to drain; returns how many are due.

    This finds what the after-commit requests missed (a broker that was down, a
    worker that died mid-batch) and every retry whose time has come. An endpoint
    whose drain is queued or running is left to it.
    """
    now = now or timezone.now()
    due = (
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=now,
            endpoint__active=True,
            endpoint__disabled_at__isnull=True,
        )
        .values("endpoint_id")
        .annotate(n=Count("id"))
        .order_by("endpoint_id")
    )
    counts = {row["endpoint_id"]: row["n"] for row in due}
    for endpoint_id in counts:
        request_drain(endpoint_id)
    return sum(counts.values())
