"""`Authorization: Bearer <key>` authentication for integrations and personal keys."""

from __future__ import annotations

from datetime import datetime, timedelta
from typing import Any

from django.db.models import Q
from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import Integration, hash_key

# last_used_at is for people judging whether a key is still in use: minute
# precision is plenty, and it spares a busy CMS a row write on every request.
LAST_USED_PRECISION = timedelta(minutes=1)


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Integration] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if not parts:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <key>'.")
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <key>'.")
        digest = hash_key(parts[1])
        integration = (
            Integration.objects.select_related("user")
            .filter(Q(key_hash=digest) | Q(previous_key_hash=digest))
            .first()
        )
        now = timezone.now()
        check_usable(integration, digest=digest, now=now)
        assert integration is not None
        touch(integration, now=now)
        return integration.user, integration

    def authenticate_header(self, request: Request) -> str:
        return self.keyword


def check_usable(integration: Integration | None, *, digest: str, now: datetime) -> None:
    """Refuse an unknown, revoked, expired or rotated-out key, saying which (401)."""
    if integration is None:
        raise exceptions.AuthenticationFailed("Invalid API key.")
    if integration.revoked_at is not None or not integration.is_active:
        when = f" on {_day(integration.revoked_at)}" if integration.revoked_at else ""
        raise exceptions.AuthenticationFailed(f"This API key was revoked{when}.")
    if integration.expired(now):
        raise exceptions.AuthenticationFailed(f"This API key expired on {_day(integration.expires_at)}.")
    if integration.key_hash != digest:
        ends = integration.previous_key_expires_at
        if ends is None or ends <= now:
            raise exceptions.AuthenticationFailed(
                f"This API key expired on {_day(ends)}: it was replaced by a rotated key."
            )
    if not integration.user.is_active:
        raise exceptions.AuthenticationFailed("This API key was revoked: its user is deactivated.")


def touch(integration: Integration, *, now: datetime) -> None:
    last = integration.last_used_at
    if last is None or now - last >= LAST_USED_PRECISION:
        Integration.objects.filter(pk=integration.pk).update(last_used_at=now)
        integration.last_used_at = now


def _day(moment: datetime | None) -> str:
    return moment.strftime("%Y-%m-%d %H:%M UTC") if moment else "an earlier date"
