"""API keys for CMS integrations and for people who script the API."""

from __future__ import annotations

import hashlib
import secrets
from datetime import datetime

from django.conf import settings
from django.db import models

KEY_PREFIX = "fck_"
# Enough of the key to tell keys apart in listings and logs, far too little to guess the rest.
PREFIX_LENGTH = 10
# A CMS key acts as a service user of this name; anyone else a key acts as is a person.
SERVICE_USER_PREFIX = "integration:"


def hash_key(key: str) -> str:
    return hashlib.sha256(key.encode()).hexdigest()


def generate_key() -> str:
    return KEY_PREFIX + secrets.token_urlsafe(32)


class Integration(models.Model):
    """A system or person holding an API key.

    Every key acts as a Django user: a CMS integration gets a dedicated service
    user with no role, a personal key acts as the person it was issued to. Only
    a SHA-256 of the key is stored; the key itself is shown once. After a
    rotation the previous key's hash is kept until ``previous_key_expires_at``,
    so the CMS can switch over without an outage.
    """

    name = models.CharField(max_length=100, unique=True)
    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="integrations")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    key_prefix = models.CharField(
        max_length=12, editable=False, help_text="First characters, to recognise a key"
    )
    scopes = models.JSONField(default=list, blank=True, help_text="What the key may do (see README)")
    is_active = models.BooleanField(default=True)
    created_at = models.DateTimeField(auto_now_add=True)
    last_used_at = models.DateTimeField(null=True, blank=True)
    expires_at = models.DateTimeField(null=True, blank=True)
    revoked_at = models.DateTimeField(null=True, blank=True)
    previous_key_hash = models.CharField(max_length=64, blank=True, default="", editable=False, db_index=True)
    previous_key_prefix = models.CharField(max_length=12, blank=True, default="", editable=False)
    previous_key_expires_at = models.DateTimeField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name

    def has_scope(self, scope: str) -> bool:
        return scope in (self.scopes or [])

    def is_personal(self) -> bool:
        return not self.user.username.startswith(SERVICE_USER_PREFIX)

    def expired(self, now: datetime) -> bool:
        return self.expires_at is not None and self.expires_at <= now
