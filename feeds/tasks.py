"""Celery tasks for feeds: thin wrappers that take ids and call services (queue "feeds")."""

from __future__ import annotations

from typing import Any

from celery import shared_task
from django.db import OperationalError

from claims.errors import NotFound

from . import polling, services


@shared_task(name="feeds.tasks.poll_due_feeds")
def poll_due_feeds() -> int:
    """Run by beat every minute: queue one poll per due feed.

    A feed queued twice (a poll still waiting when beat comes round again) is
    polled once: the second poll finds it no longer due.
    """
    due = services.due_feed_ids()
    for feed_id in due:
        poll_feed.delay(feed_id)
    return len(due)


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    name="feeds.tasks.poll_feed",
)
def poll_feed(feed_id: int, force: bool = False) -> dict[str, Any]:
    try:
        result = polling.do_poll_feed(feed_id=feed_id, force=force)
    except NotFound:
        return {"feed": feed_id, "outcome": "not_found", "summary": "the feed was deleted"}
    return {"feed": feed_id, "outcome": result.outcome, "summary": result.summary()}
