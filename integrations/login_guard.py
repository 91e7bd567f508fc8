"""Locks out password guessing at the login form (and the admin's), per account and per address.

An authentication backend rather than a wrapper around one view, so every
place that checks a password (dashboard login, admin login, the session API
client) is covered by one rule. Failures are counted in the Django cache:
LOGIN_FAILURE_LIMIT failures for one username, or from one address, lock it
for LOGIN_LOCKOUT_MINUTES from the last counted failure. A locked attempt is
refused even with the right password, and answered like a wrong one.
"""

from __future__ import annotations

from typing import Any

from django.conf import settings
from django.contrib.auth.backends import ModelBackend
from django.core.cache import cache
from django.core.exceptions import PermissionDenied
from django.http import HttpRequest


def _keys(request: HttpRequest | None, username: str | None) -> list[str]:
    keys = []
    if username:
        keys.append(f"login-failures:user:{username.strip().lower()}")
    address = request.META.get("REMOTE_ADDR") if request is not None else None
    if address:
        keys.append(f"login-failures:ip:{address}")
    return keys


def is_locked(request: HttpRequest | None, username: str | None) -> bool:
    limit = settings.LOGIN_FAILURE_LIMIT
    return any((cache.get(key) or 0) >= limit for key in _keys(request, username))


def record_failure(request: HttpRequest | None, username: str | None) -> None:
    timeout = settings.LOGIN_LOCKOUT_MINUTES * 60
    for key in _keys(request, username):
        cache.add(key, 0, timeout)
        try:
            cache.incr(key)
        except ValueError:  # expired between add and incr
            cache.set(key, 1, timeout)
        # Each failure restarts the window, so a lock lasts the full cool-off after the last attempt.
        cache.touch(key, timeout)


class LockoutModelBackend(ModelBackend):
    def authenticate(
        self,
        request: HttpRequest | None,
        username: str | None = None,
        password: str | None = None,
        **kwargs: Any,
    ) -> Any:
        username = username if username is not None else kwargs.get("username")
        if is_locked(request, username):
            # Stops Django trying other backends; the form shows its usual error.
            raise PermissionDenied("Too many failed logins; try again later.")
        user = super().authenticate(request, username=username, password=password, **kwargs)
        if user is None:
            record_failure(request, username)
        elif username:
            cache.delete(f"login-failures:user:{username.strip().lower()}")
        return user
