from __future__ import annotations

from django.contrib import admin
from django.http import HttpRequest

from .models import WebhookDelivery, WebhookEndpoint


@admin.register(WebhookEndpoint)
class WebhookEndpointAdmin(admin.ModelAdmin):
    list_display = ["id", "integration", "url", "active", "failing_since", "disabled_at"]
    list_filter = ["active"]
    search_fields = ["url", "integration__name", "description"]
    # The secret is shown once, at creation; the admin never displays it.
    exclude = ["secret"]
    readonly_fields = ["created_at", "updated_at", "failing_since", "disabled_at", "disabled_reason"]


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(admin.ModelAdmin):
    list_display = ["id", "endpoint", "type", "message_id", "state", "attempts", "last_status_code"]
    list_filter = ["state", "type"]
    search_fields = ["message_id", "endpoint__url"]
    readonly_fields = [
        "endpoint",
        "event",
        "type",
        "message_id",
        "payload",
        "state",
        "attempts",
        "next_attempt_at",
        "last_status_code",
        "response_excerpt",
        "duration_ms",
        "last_error",
        "created_at",
        "delivered_at",
    ]

    def has_add_permission(self, request: HttpRequest) -> bool:
        # A delivery records what was sent for an event or a ping; nobody writes one by hand.
        return False
