"""Celery tasks for webhooks: thin wrappers that take ids and call services (queue "webhooks")."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import delivery, queueing


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    name="webhooks.tasks.deliver",
)
def deliver(delivery_id: int) -> str:
    sent = delivery.do_deliver(delivery_id=delivery_id)
    return sent.state if sent else "gone"


@shared_task(name="webhooks.tasks.send_due_deliveries")
def send_due_deliveries() -> int:
    """Run by beat: queue the deliveries whose time has come (retries, and sends that were lost)."""
    return queueing.do_send_due()
