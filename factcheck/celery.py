"""Celery application: the broker is REDIS_URL; without it, tasks run eagerly."""

from __future__ import annotations

import os

from celery import Celery
from kombu import Exchange, Queue

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "factcheck.settings")

app = Celery("factcheck")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()


@app.on_after_configure.connect
def _declare_queues(sender: Celery, **kwargs: object) -> None:
    """Every queue in settings.TASK_QUEUE_NAMES; a worker without -Q consumes them all."""
    from django.conf import settings

    sender.conf.task_queues = [
        Queue(name, Exchange(name, type="direct"), routing_key=name) for name in settings.TASK_QUEUE_NAMES
    ]
