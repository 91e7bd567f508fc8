"""Celery tasks for webhooks: thin wrappers that take ids and call services (queue "webhooks")."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import delivery, drain, queueing


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    name="webhooks.tasks.drain_endpoint",
)
def drain_endpoint(endpoint_id: int) -> int:
    """Send an endpoint's due deliveries in batches (queued once per endpoint: ``queueing.request_drain``)."""
    return drain.do_drain(endpoint_id=endpoint_id)


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    name="webhooks.tasks.deliver",
)
def deliver(delivery_id: int) -> str:
    """One delivery now (kept for messages queued by earlier versions; drains send the rest)."""
    sent = delivery.do_deliver(delivery_id=delivery_id)
    return sent.state if sent else "gone"


@shared_task(name="webhooks.tasks.send_due_deliveries")
def send_due_deliveries() -> int:
    """Run by beat: ask each endpoint with due deliveries to drain (retries, and sends that were lost)."""
    return queueing.do_send_due()
