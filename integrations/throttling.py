"""Request rates per API key and per person, counted in the Django cache (Redis in production).

Rates come from settings read at request time (``API_THROTTLE_RATE``,
``API_SIMILAR_THROTTLE_RATE``), so tests and operators can change them without
a reload of DRF's settings.

When the cache cannot be reached (Redis restarting), requests are let through
uncounted, with a warning in the log: a rate limit protects the service's
fairness, and refusing every request of every client for the length of an
outage would be the denial of service it exists to prevent. The login guard,
which protects passwords, does not do this: it answers 503 instead.
"""

from __future__ import annotations

import logging
from typing import Any

from django.conf import settings
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError
from rest_framework import exceptions, throttling
from rest_framework.request import Request

from .models import Integration

logger = logging.getLogger(__name__)


class TooManyRequests(exceptions.Throttled):
    default_detail = "Too many requests."
    extra_detail_singular = extra_detail_plural = "Try again in {wait} s."


class KeyOrUserRateThrottle(throttling.SimpleRateThrottle):
    """One budget per API key (each key its own, even two keys of one person), else per user."""

    scope = "api"
    setting = "API_THROTTLE_RATE"

    def get_rate(self) -> str | None:
        return str(getattr(settings, self.setting))

    def get_cache_key(self, request: Request, view: Any) -> str | None:
        if isinstance(request.auth, Integration):
            ident = f"key{request.auth.pk}"
        elif request.user is not None and request.user.is_authenticated:
            ident = f"user{request.user.pk}"
        else:
            ident = f"ip{self.get_ident(request)}"
        return self.cache_format % {"scope": self.scope, "ident": ident}

    def allow_request(self, request: Request, view: Any) -> bool:
        try:
            allowed = super().allow_request(request, view)
        except (RedisConnectionError, RedisTimeoutError) as exc:
            logger.warning("rate limit not applied, the cache is unreachable: %s", exc)
            return True
        if allowed:
            return True
        raise TooManyRequests(wait=self.wait())


class SimilarRateThrottle(KeyOrUserRateThrottle):
    """A stricter budget for views that run the embedding model (``throttle_scope = "similar"``)."""

    scope = "similar"
    setting = "API_SIMILAR_THROTTLE_RATE"

    def allow_request(self, request: Request, view: Any) -> bool:
        if getattr(view, "throttle_scope", None) != self.scope:
            return True
        return super().allow_request(request, view)
