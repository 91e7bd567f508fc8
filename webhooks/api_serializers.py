"""What the webhooks API reads and answers; inputs are checked in ``webhooks.endpoints``."""

from __future__ import annotations

import json
from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.serializers import StrictSerializer

from . import payloads
from .models import WebhookDelivery, WebhookEndpoint

EVENTS_HELP = f"Webhook types to send ({', '.join(payloads.TYPE_NAMES)}); empty for all"


class WebhookEndpointSerializer(serializers.ModelSerializer):
    integration = serializers.CharField(source="integration.name", read_only=True)
    events = serializers.ListField(child=serializers.CharField(), help_text=EVENTS_HELP)

    class Meta:
        model = WebhookEndpoint
        fields = [
            "id",
            "integration",
            "url",
            "events",
            "description",
            "active",
            "created_at",
            "updated_at",
            "failing_since",
            "disabled_at",
            "disabled_reason",
        ]
        read_only_fields = fields


class WebhookEndpointCreatedSerializer(WebhookEndpointSerializer):
    secret = serializers.CharField(
        read_only=True, help_text="The whsec_ signing secret; shown only in this answer"
    )

    class Meta(WebhookEndpointSerializer.Meta):
        fields = [*WebhookEndpointSerializer.Meta.fields, "secret"]
        read_only_fields = fields


class WebhookEndpointInputSerializer(StrictSerializer):
    url = serializers.CharField(max_length=2000, help_text="An http or https URL the server may reach")
    events = serializers.ListField(child=serializers.CharField(), required=False, help_text=EVENTS_HELP)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    integration = serializers.CharField(
        required=False,
        allow_blank=True,
        max_length=100,
        help_text="Admins only: the integration the endpoint is for; a key's endpoints are its own",
    )


class WebhookEndpointPatchSerializer(StrictSerializer):
    url = serializers.CharField(required=False, max_length=2000)
    events = serializers.ListField(child=serializers.CharField(), required=False, help_text=EVENTS_HELP)
    description = serializers.CharField(required=False, allow_blank=True, max_length=200)
    active = serializers.BooleanField(
        required=False, help_text="Turning a disabled endpoint on again starts its failure window afresh"
    )


class WebhookDeliverySerializer(serializers.ModelSerializer):
    webhook_id = serializers.CharField(source="message_id", read_only=True, help_text="The webhook-id header")
    event = serializers.IntegerField(source="event_id", read_only=True, allow_null=True)
    payload = serializers.SerializerMethodField(help_text="The body as sent")

    class Meta:
        model = WebhookDelivery
        fields = [
            "id",
            "webhook_id",
            "event",
            "type",
            "state",
            "attempts",
            "next_attempt_at",
            "last_status_code",
            "response_excerpt",
            "duration_ms",
            "last_error",
            "created_at",
            "delivered_at",
            "payload",
        ]
        read_only_fields = fields

    @extend_schema_field(OpenApiTypes.OBJECT)
    def get_payload(self, delivery: WebhookDelivery) -> Any:
        return json.loads(delivery.payload)
