"""Queueing background work by task name, so services never import the tasks that call them.

Tasks are registered with the Celery app when ``claims.tasks`` is imported
(``ClaimsConfig.ready``). Looking them up by name keeps the import graph one
way: tasks import services, services import this module, nothing imports tasks.

An article's extraction is queued with a lease: a key per (article, revision)
in the broker's own Redis, written once the message is in the queue and
expiring after ``EXTRACTION_LEASE_SECONDS`` (never less than the broker's
visibility timeout, so a message a dead worker held is redelivered before its
lease ends). The sweeper leaves a pending article alone while its lease lives
(its message is waiting in the queue, however long the queue) and renews the
lease while the extraction queue still holds messages; it queues the article
again once the lease is gone: Redis lost its data (the message went with it),
the enqueue failed (no lease was written), or the queue was emptied without
the message being taken (the lease runs out). With tasks run in-process (no
broker) nothing waits, and there are no leases.
"""

from __future__ import annotations

import logging
import os
from collections.abc import Iterable
from typing import Any

import redis
from celery import current_app
from django.conf import settings
from kombu.transport.redis import Channel

logger = logging.getLogger(__name__)

EXTRACT_ARTICLE = "claims.tasks.extract_article"
DISPATCH_EVENTS = "claims.tasks.dispatch_events"
LEASE_KEY = "factcheck:extraction-lease:{article_id}:{revision}"

_clients: dict[tuple[int, str], redis.Redis] = {}


def enqueue(task_name: str, *args: Any) -> None:
    """Send a task to the broker (or run it in-process when tasks are eager)."""
    current_app.tasks[task_name].delay(*args)


def enqueue_extraction(article_id: int, revision: int) -> None:
    """Queue the extraction of one article revision, then lease it (see the module's docstring).

    The lease is written after the message: a failed enqueue raises before it,
    so the sweeper sends the article again. A lease that cannot be written
    (Redis died in between) costs at most one duplicate message, which the
    extraction's compare-and-set files once.
    """
    enqueue(EXTRACT_ARTICLE, article_id, revision)
    client = _broker_redis()
    if client is None:
        return
    try:
        client.set(_lease_key(article_id, revision), "1", ex=lease_seconds())
    except redis.RedisError as exc:
        logger.warning("article %s: queued, but its lease was not written: %s", article_id, exc)


def waiting_extractions(articles: Iterable[tuple[int, int]]) -> set[tuple[int, int]]:
    """The (article, revision) pairs among ``articles`` whose queued message holds a live lease.

    While the extraction queue holds messages, each live lease is renewed for
    another ``lease_seconds()``: its message may be far back in a long queue.
    With the queue empty the leases are left to run out, so a message taken
    out of the queue without being run (a purge) frees its article in time.
    Raises ``redis.RedisError`` when the broker cannot be asked.
    """
    pairs = list(articles)
    client = _broker_redis()
    if client is None or not pairs:
        return set()
    renew = extraction_queue_length(client) > 0
    with client.pipeline(transaction=False) as pipe:
        for article_id, revision in pairs:
            key = _lease_key(article_id, revision)
            if renew:
                pipe.expire(key, lease_seconds())  # 1 when the key exists (and is renewed), else 0
            else:
                pipe.exists(key)
        alive = pipe.execute()
    return {pair for pair, live in zip(pairs, alive, strict=True) if live}


def extraction_queue_length(client: redis.Redis | None = None) -> int:
    """Messages waiting in the extraction queue (every priority list of it); 0 without a broker."""
    client = client or _broker_redis()
    if client is None:
        return 0
    queue = str(settings.CELERY_TASK_ROUTES[EXTRACT_ARTICLE]["queue"])
    prefix = _key_prefix()
    steps = [step for step in Channel.priority_steps if step]
    names = [prefix + queue] + [f"{prefix}{queue}{Channel.sep}{step}" for step in steps]
    with client.pipeline(transaction=False) as pipe:
        for name in names:
            pipe.llen(name)
        return int(sum(pipe.execute()))


def lease_seconds() -> int:
    visibility = int(current_app.conf.broker_transport_options.get("visibility_timeout", 3600))
    return max(int(settings.EXTRACTION_LEASE_SECONDS), visibility)


def _lease_key(article_id: int, revision: int) -> str:
    return _key_prefix() + LEASE_KEY.format(article_id=article_id, revision=revision)


def _key_prefix() -> str:
    """The broker's own key prefix, so a lease lives in the namespace of the queue it describes."""
    return str(current_app.conf.broker_transport_options.get("global_keyprefix", ""))


def _broker_redis() -> redis.Redis | None:
    """A client of the broker's Redis (one per process and URL); None when tasks run in-process."""
    conf = current_app.conf
    url = str(conf.broker_url or "")
    if conf.task_always_eager or not url.startswith(("redis://", "rediss://", "unix://")):
        return None
    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=5)
        _clients[key] = client
    return client
