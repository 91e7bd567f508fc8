"""`Authorization: Bearer <key>` authentication for integrations and personal keys."""

from __future__ import annotations

from typing import Any

from django.utils import timezone
from rest_framework import authentication, exceptions
from rest_framework.request import Request

from .models import Integration, hash_key


class ApiKeyAuthentication(authentication.BaseAuthentication):
    keyword = "Bearer"

    def authenticate(self, request: Request) -> tuple[Any, Integration] | None:
        header = authentication.get_authorization_header(request).decode("latin-1")
        if not header:
            return None
        parts = header.split()
        if parts[0].lower() != self.keyword.lower():
            return None
        if len(parts) != 2:
            raise exceptions.AuthenticationFailed("Authorization header must be 'Bearer <key>'.")
        integration = (
            Integration.objects.select_related("user")
            .filter(key_hash=hash_key(parts[1]), is_active=True)
            .first()
        )
        if integration is None or not integration.user.is_active:
            raise exceptions.AuthenticationFailed("Invalid or revoked API key.")
        Integration.objects.filter(pk=integration.pk).update(last_used_at=timezone.now())
        return integration.user, integration

    def authenticate_header(self, request: Request) -> str:
        return self.keyword
