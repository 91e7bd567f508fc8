"""Celery tasks for evidence snapshots: thin wrappers that take ids and call services (queue "feeds")."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import archive


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    name="snapshots.tasks.take_snapshot",
)
def take_snapshot(snapshot_id: int) -> str:
    snapshot = archive.do_take_snapshot(snapshot_id=snapshot_id)
    return snapshot.state if snapshot else "gone"


@shared_task(name="snapshots.tasks.sweep_pending_snapshots")
def sweep_pending_snapshots() -> int:
    """Run by beat: queue again the snapshots whose fetch was lost or died."""
    return archive.do_sweep_pending()
