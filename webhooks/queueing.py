"""From the event log to pending deliveries, and from pending deliveries to the worker.

Webhooks reach this module through the event log (the ``webhooks`` consumer),
so a crash between a change's commit and its webhook loses nothing: the
consumer's cursor moves in the same transaction that writes the pending
deliveries, and their sending is queued after that commit. Beat sends, every
minute, whatever is due and was not sent (an enqueue lost, a worker that died,
a retry whose time has come).
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from django.db import transaction
from django.utils import timezone

from claims import background
from claims.event_types import EventType
from claims.models import ClaimEvent

from . import payloads
from .models import WebhookDelivery, WebhookEndpoint

CONSUMER = "webhooks"
DELIVER = "webhooks.tasks.deliver"


def queue_deliveries(events: Sequence[ClaimEvent]) -> None:
    """Event-log consumer: one pending delivery per active subscribed endpoint and event.

    Idempotent: an event handled again finds its deliveries (one per endpoint
    and event, a database constraint) and queues nothing new.
    """
    endpoints = list(WebhookEndpoint.objects.filter(active=True, disabled_at__isnull=True))
    if not endpoints:
        return
    now = timezone.now()
    for event in events:
        webhook_type = payloads.WEBHOOK_TYPES.get(EventType(event.action))
        wanting = [e for e in endpoints if webhook_type and e.wants(webhook_type)]
        if not wanting:
            continue
        done = set(
            WebhookDelivery.objects.filter(event=event, endpoint__in=wanting).values_list(
                "endpoint_id", flat=True
            )
        )
        wanting = [e for e in wanting if e.pk not in done]
        body = payloads.event_body(event) if wanting else None
        if body is None:
            continue
        WebhookDelivery.objects.bulk_create(
            [
                WebhookDelivery(
                    endpoint=endpoint,
                    event=event,
                    type=str(webhook_type),
                    message_id=str(event.pk),
                    payload=body,
                    next_attempt_at=now,
                )
                for endpoint in wanting
            ],
            ignore_conflicts=True,
        )
        created = WebhookDelivery.objects.filter(
            event=event, endpoint__in=wanting, attempts=0, state=WebhookDelivery.State.PENDING
        ).values_list("pk", flat=True)
        for delivery_id in created:
            schedule(delivery_id)


def schedule(delivery_id: int) -> None:
    # robust: a broker that is down must not undo the cursor's move; beat sends it later.
    transaction.on_commit(lambda: background.enqueue(DELIVER, delivery_id), robust=True)


def do_send_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Queue every pending delivery whose time has come (beat, every minute); returns how many."""
    now = now or timezone.now()
    due = list(
        WebhookDelivery.objects.filter(
            state=WebhookDelivery.State.PENDING,
            next_attempt_at__lte=now,
            endpoint__active=True,
            endpoint__disabled_at__isnull=True,
        )
        .order_by("next_attempt_at", "id")
        .values_list("pk", flat=True)[:limit]
    )
    for delivery_id in due:
        background.enqueue(DELIVER, delivery_id)
    return len(due)
