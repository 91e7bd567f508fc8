"""What ``/api/v1/me/digest/`` reads and answers; the values are checked in ``digests.subscriptions``."""

from __future__ import annotations

from typing import Any

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import extend_schema_field
from rest_framework import serializers

from claims.api.serializers import StrictSerializer
from claims.models import Claim

from . import subscriptions
from .models import SECTIONS, WEEKDAYS, DigestSubscription


class DigestSettingsSerializer(serializers.ModelSerializer):
    weekday = serializers.SerializerMethodField(help_text="Weekly digests: the local weekday")
    outlets = serializers.SerializerMethodField(help_text="Outlet names; empty for every outlet")
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Claim.Kind.choices), help_text="Claim kinds; empty for all"
    )
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SECTIONS.items())),
        help_text="The sections the digest holds",
    )
    next_digest_at = serializers.SerializerMethodField(
        help_text="When the next digest is due (null when off)"
    )

    class Meta:
        model = DigestSubscription
        fields = [
            *subscriptions.FIELDS,
            "next_digest_at",
            "updated_at",
        ]
        read_only_fields = fields

    @extend_schema_field(serializers.ChoiceField(choices=list(WEEKDAYS)))
    def get_weekday(self, subscription: DigestSubscription) -> str:
        return WEEKDAYS[subscription.weekday]

    @extend_schema_field(serializers.ListField(child=serializers.CharField()))
    def get_outlets(self, subscription: DigestSubscription) -> list[str]:
        return sorted(outlet.name for outlet in subscription.outlets.all())

    @extend_schema_field(OpenApiTypes.DATETIME)
    def get_next_digest_at(self, subscription: DigestSubscription) -> Any:
        return subscriptions.next_digest_at(subscription)


class DigestSettingsInputSerializer(StrictSerializer):
    """Every field is optional: the ones left out keep their value."""

    frequency = serializers.ChoiceField(choices=DigestSubscription.Frequency.choices, required=False)
    hour = serializers.IntegerField(min_value=0, max_value=23, required=False, help_text="Local hour, 0-23")
    weekday = serializers.ChoiceField(choices=list(WEEKDAYS), required=False, help_text="Weekly digests only")
    time_zone = serializers.CharField(required=False, help_text="An IANA time zone, such as Europe/Berlin")
    outlets = serializers.ListField(
        child=serializers.CharField(max_length=200), required=False, help_text="Outlet names; empty for all"
    )
    kinds = serializers.ListField(
        child=serializers.ChoiceField(choices=Claim.Kind.choices), required=False, help_text="Empty for all"
    )
    min_score = serializers.FloatField(min_value=0, max_value=1, required=False)
    only_mine = serializers.BooleanField(required=False, help_text="Only claims assigned to you")
    sections = serializers.ListField(
        child=serializers.ChoiceField(choices=list(SECTIONS.items())), required=False
    )
    notify = serializers.BooleanField(required=False, help_text="Instant notifications by email")
