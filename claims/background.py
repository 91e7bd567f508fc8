"""Queueing background work by task name, so services never import the tasks that call them.

Tasks are registered with the Celery app when ``claims.tasks`` is imported
(``ClaimsConfig.ready``). Looking them up by name keeps the import graph one
way: tasks import services, services import this module, nothing imports tasks.
"""

from __future__ import annotations

import logging
from typing import Any

from celery import current_app

logger = logging.getLogger(__name__)

EXTRACT_ARTICLE = "claims.tasks.extract_article"
DISPATCH_EVENTS = "claims.tasks.dispatch_events"


def enqueue(task_name: str, *args: Any) -> None:
    """Send a task to the broker (or run it in-process when tasks are eager)."""
    current_app.tasks[task_name].delay(*args)
