"""Draining one endpoint: its due deliveries claimed in batches, sent concurrently, recorded in bulk.

A drain of endpoint E (the ``drain_endpoint`` task, queued by
``queueing.request_drain``) loops:

1. claims up to ``WEBHOOK_DRAIN_BATCH`` of E's due deliveries in one
   transaction: ``SELECT ... FOR UPDATE SKIP LOCKED`` then one UPDATE that
   counts the attempt and moves ``next_attempt_at`` past the longest the batch
   can take (``delivery.attempt_lease``), as the single send's compare-and-set
   does. Two drains of one endpoint, or a drain and the beat sweep, never hold
   the same delivery, and one whose worker died is due again after the lease;
2. sends them at most ``WEBHOOK_DRAIN_CONCURRENCY`` at a time from a small
   thread pool, over the process's kept-alive connections (threads only send;
   every database statement is made by the drain's own thread);
3. records every result with one UPDATE, and the endpoint's failing window
   once per batch (``delivery.note_outcomes``);

until nothing is due or ``WEBHOOK_DRAIN_SECONDS`` are used, and then queues
itself again if work remains, so endpoints take turns on the workers. Retries
that a drain schedules are left to the next drain or beat's pass (a
``Retry-After: 0`` never turns a drain into a tight loop), and an endpoint that
is failing gets batches of ``WEBHOOK_DRAIN_CONCURRENCY`` only, so a receiver
that hangs holds a worker no longer than one round of timeouts.

The drain holds the endpoint's lease while it runs (see ``queueing``). When it
stops for want of work it lets the lease go and then looks once more, since a
delivery written just before found the lease taken and queued no drain.
"""

from __future__ import annotations

import time
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from datetime import datetime
from typing import Any

from django.conf import settings
from django.db import connection, transaction
from django.db.models import F, Field, Q, QuerySet
from django.utils import timezone

from claims import background

from . import delivery, lease, queueing
from .models import WebhookDelivery, WebhookEndpoint

State = WebhookDelivery.State
# What a result writes: the same columns for every row, so a batch is one UPDATE.
RESULT_FIELDS = (
    "state",
    "next_attempt_at",
    "delivered_at",
    "last_status_code",
    "response_excerpt",
    "duration_ms",
    "last_error",
)


def do_drain(*, endpoint_id: int) -> int:
    """Send the endpoint's due deliveries, batch after batch; returns how many attempts were made."""
    started = timezone.now()
    deadline = time.monotonic() + settings.WEBHOOK_DRAIN_SECONDS
    name = queueing.drain_lease(endpoint_id)
    concurrency = max(1, settings.WEBHOOK_DRAIN_CONCURRENCY)
    endpoint = WebhookEndpoint.objects.filter(pk=endpoint_id).first()
    if endpoint is None:
        lease.release(name)
        return 0
    try:
        return _drain(endpoint, name, started=started, deadline=deadline, concurrency=concurrency)
    except BaseException:
        lease.release(name)  # a drain that failed holds nothing: the next request or beat's pass queues one
        raise


def _drain(
    endpoint: WebhookEndpoint, name: str, *, started: datetime, deadline: float, concurrency: int
) -> int:
    endpoint_id = endpoint.pk
    attempted = 0
    claims = 0
    with ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webhook-drain") as pool:
        while True:
            if not claims or time.monotonic() < deadline:  # one claim at least, whatever the budget
                size = concurrency if endpoint.failing_since else max(1, settings.WEBHOOK_DRAIN_BATCH)
                hold = delivery.attempt_lease(size, concurrency)
                lease.extend(name, hold.total_seconds())
                batch = claim_batch(endpoint, size, started=started, until=timezone.now() + hold)
                claims += 1
                if batch:
                    outcomes = list(pool.map(lambda d: delivery.send(d, endpoint), batch))
                    record_batch(endpoint, list(zip(batch, outcomes, strict=True)))
                    attempted += len(batch)
                    continue
            # Out of work or out of time: let the lease go, then look again.
            lease.release(name)
            if not due(endpoint_id, started=started).exists():
                return attempted
            if not lease.acquire(name, settings.WEBHOOK_DRAIN_LEASE_SECONDS):
                return attempted  # another drain was queued meanwhile
            if time.monotonic() < deadline:
                time.sleep(0.05)  # due, yet not claimed: rows another claim holds for a moment
                continue
            # The rest in a task of its own, so the other endpoints get this worker too.
            try:
                background.enqueue(queueing.DRAIN, endpoint_id)
            except Exception:
                lease.release(name)  # beat's pass queues it
                raise
            return attempted


def due(endpoint_id: int, *, started: datetime, now: datetime | None = None) -> QuerySet[WebhookDelivery]:
    """The endpoint's deliveries this drain may send: due, and not a retry it scheduled itself."""
    now = now or timezone.now()
    return WebhookDelivery.objects.filter(
        Q(attempts=0) | Q(next_attempt_at__lt=started),
        endpoint_id=endpoint_id,
        state=State.PENDING,
        next_attempt_at__lte=now,
        endpoint__active=True,
        endpoint__disabled_at__isnull=True,
    )


def claim_batch(
    endpoint: WebhookEndpoint, size: int, *, started: datetime, until: datetime
) -> list[WebhookDelivery]:
    """Claim up to ``size`` due deliveries: rows other drains skip, the attempt counted, leased ``until``."""
    with transaction.atomic():
        batch = list(
            due(endpoint.pk, started=started)
            .select_for_update(skip_locked=True, of=("self",))
            .order_by("next_attempt_at", "id")
            .only("id", "endpoint_id", "message_id", "payload", "attempts", "delivered_at")[:size]
        )
        if batch:
            WebhookDelivery.objects.filter(pk__in=[d.pk for d in batch]).update(
                attempts=F("attempts") + 1, next_attempt_at=until
            )
    for claimed in batch:
        claimed.attempts += 1  # as just written: the rows are ours until ``until``
    return batch


def record_batch(
    endpoint: WebhookEndpoint, results: Sequence[tuple[WebhookDelivery, delivery.Outcome]]
) -> None:
    """Write every attempt's result in one statement, then the endpoint's failing window once."""
    for sent, outcome in results:
        for field, value in delivery.result_fields(sent, outcome).items():
            setattr(sent, field, value)
    rows = [sent for sent, _ in results]
    if connection.vendor == "postgresql":
        _update_from_values(rows)
    else:
        WebhookDelivery.objects.bulk_update(rows, RESULT_FIELDS)
    delivery.note_outcomes(endpoint, results)


def _update_from_values(rows: Sequence[WebhookDelivery]) -> None:
    """``UPDATE ... FROM (VALUES ...)``: what ``bulk_update`` does with a CASE per column and row, for a
    fraction of the time it takes to build that statement."""
    table = WebhookDelivery._meta.db_table
    columns = [
        field for name in RESULT_FIELDS if isinstance(field := WebhookDelivery._meta.get_field(name), Field)
    ]
    types = [column.db_type(connection) for column in columns]
    row_sql = "(%s::bigint, " + ", ".join(f"%s::{kind}" for kind in types) + ")"
    names = ", ".join(str(column.column) for column in columns)
    assignments = ", ".join(f"{column.column} = v.{column.column}" for column in columns)
    params: list[Any] = []
    for row in rows:
        params.append(row.pk)
        params.extend(column.get_db_prep_save(getattr(row, column.attname), connection) for column in columns)
    with connection.cursor() as cursor:
        cursor.execute(
            # Names from the model, every value a parameter.
            f"UPDATE {table} AS d SET {assignments} "
            f"FROM (VALUES {', '.join([row_sql] * len(rows))}) AS v(id, {names}) WHERE d.id = v.id",
            params,
        )
