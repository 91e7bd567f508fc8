"""A database or Redis that went away is a 503 with Retry-After, not a 500.

PostgreSQL restarting, a failover, or Redis restarting under the cache makes
every request that needs them fail for a few seconds. The client did nothing
wrong and the same request will succeed shortly, so it gets 503 Service
Unavailable with ``Retry-After`` (the error body of the API, or a page for
people), and a CMS that retries on 503 loses nothing. Nothing was changed:
the request's transaction, if it got that far, was rolled back with the
connection.

Two places see such an error: ``process_exception`` of
``ServiceUnavailableMiddleware`` for a view (with DEBUG on too), and
``factcheck.urls.handler500`` for one raised in a middleware (loading the
session's user) or while saving the session. Django closes a connection that
failed, and ``CONN_HEALTH_CHECKS`` checks a persistent one before reuse, so
the first request after the outage gets a fresh connection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable

from django.db import InterfaceError, OperationalError
from django.http import HttpRequest, HttpResponse, JsonResponse
from django.template.loader import render_to_string
from kombu.exceptions import OperationalError as BrokerError
from redis.exceptions import ConnectionError as RedisConnectionError
from redis.exceptions import TimeoutError as RedisTimeoutError

logger = logging.getLogger(__name__)

# Errors that mean "a backing service is not there right now", not "this request is wrong".
UNAVAILABLE_ERRORS: tuple[type[BaseException], ...] = (
    OperationalError,
    InterfaceError,
    RedisConnectionError,
    RedisTimeoutError,
    BrokerError,
)
# Long enough for a PostgreSQL or Redis restart, short enough that a CMS retrying is not held back.
RETRY_AFTER_SECONDS = 5


def is_unavailable(exc: BaseException | None) -> bool:
    return isinstance(exc, UNAVAILABLE_ERRORS)


def unavailable_response(request: HttpRequest, exc: BaseException) -> HttpResponse:
    """The 503 for ``request``: the API's error body, or a page that needs no database to render."""
    logger.warning(
        "%s %s: service unavailable: %s: %s", request.method, request.path, type(exc).__name__, exc
    )
    response: HttpResponse
    if request.path.startswith("/api/"):
        response = JsonResponse(
            {
                "error": "unavailable",
                "detail": "The service is briefly unavailable (database or cache); try again shortly.",
                "fields": {},
            },
            status=503,
        )
    else:
        response = HttpResponse(render_to_string("503.html"), status=503)
    response["Retry-After"] = str(RETRY_AFTER_SECONDS)
    return response


class ServiceUnavailableMiddleware:
    """Turns a view's database or Redis connection error into a 503 (see the module's docstring)."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        return self.get_response(request)

    def process_exception(self, request: HttpRequest, exception: Exception) -> HttpResponse | None:
        if is_unavailable(exception):
            return unavailable_response(request, exception)
        return None
