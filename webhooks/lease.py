"""Short leases in Redis: "someone already has this in hand", so work is not queued twice.

A lease is a key set only when absent (``SET NX``) and expiring by itself, so
a holder that dies never blocks the work for longer than the lease. Nothing's
correctness may rest on a lease: it saves duplicate work, and when Redis cannot
be asked (not configured, or down) ``acquire`` says yes, so the caller does the
work rather than leave it undone. Keys carry the broker's key prefix (a bench
run's own) and the database's name, so two deployments or test runs on one
Redis never share a lease.
"""

from __future__ import annotations

import logging
import os

import redis
from django.conf import settings
from django.db import connection

logger = logging.getLogger(__name__)

_clients: dict[tuple[int, str], redis.Redis] = {}


def _client() -> redis.Redis | None:
    """This process's Redis client (made again after a fork), or None without REDIS_URL."""
    url = settings.REDIS_URL
    if not url:
        return None
    key = (os.getpid(), url)
    client = _clients.get(key)
    if client is None:
        _clients.clear()
        client = redis.Redis.from_url(url, socket_connect_timeout=2, socket_timeout=2)
        _clients[key] = client
    return client


def key(name: str) -> str:
    prefix = settings.CELERY_BROKER_TRANSPORT_OPTIONS.get("global_keyprefix", "")
    return f"{prefix}lease:{connection.settings_dict['NAME']}:{name}"


def acquire(name: str, seconds: float) -> bool:
    """Take the lease ``name`` for ``seconds`` if nobody holds it; True when taken (or Redis is not there)."""
    client = _client()
    if client is None:
        return True
    try:
        return bool(client.set(key(name), os.getpid(), nx=True, px=int(seconds * 1000)))
    except redis.RedisError as exc:
        logger.warning("lease %s: Redis unavailable (%s); going ahead without it", name, exc)
        return True


def extend(name: str, seconds: float) -> None:
    """Hold the lease ``name`` for ``seconds`` from now (taking it if it expired meanwhile)."""
    client = _client()
    if client is None:
        return
    try:
        client.set(key(name), os.getpid(), px=int(seconds * 1000))
    except redis.RedisError as exc:
        logger.warning("lease %s: Redis unavailable (%s)", name, exc)


def release(name: str) -> None:
    client = _client()
    if client is None:
        return
    try:
        client.delete(key(name))
    except redis.RedisError as exc:
        logger.warning("lease %s: Redis unavailable (%s); it expires by itself", name, exc)


def held(name: str) -> bool:
    """Whether someone holds the lease (False when Redis cannot say)."""
    client = _client()
    if client is None:
        return False
    try:
        return bool(client.exists(key(name)))
    except redis.RedisError:
        return False
