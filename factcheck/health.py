"""/healthz: is the database reachable, the broker when one is configured, and the embedding model usable.

The database and the broker decide the status (503 when either fails). A model
that cannot be loaded does not stop the service (matching falls back to tokens
and figures), so it shows as ``"degraded": true`` with the reason, and the
load failure is an error in the log.
"""

from __future__ import annotations

from django.conf import settings
from django.db import connection
from django.http import HttpRequest, JsonResponse


def check_database() -> str:
    try:
        with connection.cursor() as cursor:
            cursor.execute("SELECT 1")
            cursor.fetchone()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_broker() -> str:
    if not settings.REDIS_URL:
        return "not configured (tasks run in-process)"
    import redis

    try:
        client = redis.Redis.from_url(settings.REDIS_URL, socket_connect_timeout=2, socket_timeout=2)
        client.ping()
    except Exception as exc:
        return f"error: {exc.__class__.__name__}"
    return "ok"


def check_embeddings() -> str:
    if not getattr(settings, "MATCH_EMBEDDINGS", True):
        return "off (MATCH_EMBEDDINGS=0)"
    from claims import embeddings

    error = embeddings.load_error()
    return f"error: {error}" if error else "ok"


def healthz(request: HttpRequest) -> JsonResponse:
    checks = {"database": check_database(), "broker": check_broker()}
    healthy = all(value == "ok" or value.startswith("not configured") for value in checks.values())
    model = check_embeddings()
    body = {
        "status": "ok" if healthy else "error",
        **checks,
        "embeddings": model,
        "degraded": model.startswith("error"),
    }
    return JsonResponse(body, status=200 if healthy else 503)
