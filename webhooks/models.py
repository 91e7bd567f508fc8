"""Webhook endpoints that integrations register, and one delivery row per event sent to each."""

from __future__ import annotations

import base64
import secrets

from django.db import models
from django.db.models import Q

SECRET_PREFIX = "whsec_"


def generate_secret() -> str:
    """A Standard Webhooks secret: ``whsec_`` and 32 random bytes in base64."""
    return SECRET_PREFIX + base64.b64encode(secrets.token_bytes(32)).decode()


class WebhookEndpoint(models.Model):
    """A URL an integration wants events POSTed to; ``events`` empty means every type."""

    integration = models.ForeignKey(
        "integrations.Integration", on_delete=models.CASCADE, related_name="webhook_endpoints"
    )
    url = models.URLField(max_length=2000)
    events = models.JSONField(default=list, blank=True, help_text="Webhook types; empty for all")
    description = models.CharField(max_length=200, blank=True)
    active = models.BooleanField(default=True)
    # Kept as issued: signing needs the secret itself, not a hash of it. Shown once at creation.
    secret = models.CharField(max_length=100, default=generate_secret, editable=False)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)
    failing_since = models.DateTimeField(null=True, blank=True)
    disabled_at = models.DateTimeField(null=True, blank=True)
    disabled_reason = models.CharField(max_length=500, blank=True)

    class Meta:
        ordering = ["id"]

    def __str__(self) -> str:
        return f"{self.integration} -> {self.url}"

    def wants(self, webhook_type: str) -> bool:
        return not self.events or webhook_type in self.events


class WebhookDelivery(models.Model):
    """One message to one endpoint: its exact body, and what every attempt at sending it gave."""

    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        SUCCEEDED = "succeeded", "Succeeded"
        FAILED = "failed", "Failed"
        DEAD = "dead", "Dead (retries exhausted)"

    endpoint = models.ForeignKey(WebhookEndpoint, on_delete=models.CASCADE, related_name="deliveries")
    # Null for a test ping, which belongs to no event.
    event = models.ForeignKey(
        "claims.ClaimEvent", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    type = models.CharField(max_length=40)
    # The webhook-id header: the event id, or ping_<uuid>; the same on every attempt.
    message_id = models.CharField(max_length=64)
    # The JSON body exactly as sent, as text: a JSON column may reorder keys, and a
    # retry must send the same bytes the first attempt signed.
    payload = models.TextField()
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    next_attempt_at = models.DateTimeField(null=True, blank=True)
    last_status_code = models.PositiveIntegerField(null=True, blank=True)
    response_excerpt = models.CharField(max_length=1000, blank=True)
    duration_ms = models.PositiveIntegerField(null=True, blank=True)
    last_error = models.CharField(max_length=1000, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    delivered_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-id"]
        verbose_name_plural = "webhook deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["endpoint", "event"],
                condition=Q(event__isnull=False),
                name="webhook_delivery_once_per_event",
            ),
            models.CheckConstraint(
                condition=Q(state__in=["pending", "succeeded", "failed", "dead"]),
                name="webhook_delivery_state_valid",
            ),
        ]
        indexes = [
            models.Index(fields=["state", "next_attempt_at"], name="webhook_delivery_due"),
            # What a drain claims: one endpoint's pending deliveries, the longest due first.
            models.Index(
                fields=["endpoint", "next_attempt_at", "id"],
                condition=Q(state="pending"),
                name="webhook_delivery_due_endpoint",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.type} {self.message_id} -> {self.endpoint_id} ({self.state})"
