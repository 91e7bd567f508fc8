"""Celery tasks for digests and notifications: thin wrappers, ids in, idempotent (queue "email").

Sending retries what the mail server could not take for now, with backoff,
and records the run or email as failed after the last retry; everything else
(refused recipients, empty digests) is settled by the services.
"""

from __future__ import annotations

from collections.abc import Callable

from celery import Task, shared_task
from django.conf import settings

from . import mailer, notifications, sending


def _send(task: Task, send: Callable[[], str], give_up: Callable[[str], None]) -> str:
    try:
        return send()
    except mailer.TransientFailure as exc:
        if task.request.retries >= (task.max_retries or 0):
            give_up(exc.reason)
            return "failed"
        raise task.retry(exc=exc, countdown=mailer.retry_countdown(task.request.retries)) from exc


@shared_task(name="digests.tasks.send_due_digests")
def send_due_digests() -> int:
    """Beat, every 15 minutes: make the runs of everybody whose digest is due and queue them."""
    return sending.do_queue_due_digests()


@shared_task(
    bind=True, acks_late=True, max_retries=settings.EMAIL_SEND_RETRIES, name="digests.tasks.send_digest"
)
def send_digest(self: Task, run_id: int) -> str:
    return _send(
        self,
        lambda: sending.do_send_digest(run_id=run_id),
        lambda reason: sending.do_fail_digest(run_id=run_id, reason=reason),
    )


@shared_task(name="digests.tasks.send_due_notifications")
def send_due_notifications() -> int:
    """Beat, every minute: batch the pending notifications whose window has passed and queue them."""
    return notifications.do_queue_due_notifications()


@shared_task(
    bind=True,
    acks_late=True,
    max_retries=settings.EMAIL_SEND_RETRIES,
    name="digests.tasks.send_notification_email",
)
def send_notification_email(self: Task, email_id: int) -> str:
    return _send(
        self,
        lambda: notifications.do_send_notification_email(email_id=email_id),
        lambda reason: notifications.do_fail_notification_email(email_id=email_id, reason=reason),
    )
