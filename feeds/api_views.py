"""``GET|POST /api/v1/feeds/``: the feeds the desk follows, and following a new one."""

from __future__ import annotations

from typing import Any

from drf_spectacular.utils import extend_schema
from rest_framework import generics, serializers, status
from rest_framework.request import Request
from rest_framework.response import Response

from claims import roles
from claims.api.serializers import StrictSerializer
from claims.errors import Forbidden, InvalidInput
from integrations import scopes
from integrations.models import Integration

from . import services
from .models import Feed


class FeedInputSerializer(StrictSerializer):
    url = serializers.URLField(
        max_length=2000, help_text="http:// or https:// address of an RSS or Atom feed"
    )
    outlet = serializers.CharField(max_length=200, help_text="Name of the outlet; created when new")
    every_minutes = serializers.IntegerField(
        min_value=services.MIN_INTERVAL_MINUTES,
        max_value=services.MAX_INTERVAL_MINUTES,
        required=False,
        allow_null=True,
        default=None,
        help_text=f"Poll interval, {services.MIN_INTERVAL_MINUTES} to {services.MAX_INTERVAL_MINUTES} "
        "minutes (default: the FEED_POLL_MINUTES setting)",
    )


class FeedSerializer(serializers.ModelSerializer):
    outlet = serializers.CharField(source="outlet.name", read_only=True)
    every_minutes = serializers.IntegerField(source="poll_interval_minutes", read_only=True)
    entries = serializers.SerializerMethodField()

    class Meta:
        model = Feed
        fields = [
            "id",
            "url",
            "outlet",
            "title",
            "every_minutes",
            "active",
            "last_polled_at",
            "next_poll_at",
            "last_error",
            "created_at",
            "entries",
        ]
        read_only_fields = fields

    def get_entries(self, feed: Feed) -> dict[str, int]:
        """How many entries the feed's polls ingested, failed on (for now) and skipped."""
        return {
            "ingested": getattr(feed, "ingested_count", 0),
            "failed": getattr(feed, "failed_count", 0),
            "skipped": getattr(feed, "skipped_count", 0),
        }


def check_may_add_feeds(request: Request) -> None:
    """Editors, and any API key: a CMS that publishes a feed may register it."""
    if isinstance(request.auth, Integration) or roles.has_role(request.user, roles.EDITOR):
        return
    raise Forbidden("Only editors and API keys may add feeds.")


class FeedListView(generics.ListAPIView):
    """Every feed the desk follows, oldest first; POST follows a new one (editors and API keys)."""

    required_scopes = {"GET": scopes.CLAIMS_READ, "POST": scopes.ARTICLES_WRITE}

    serializer_class = FeedSerializer
    filter_backends: list[Any] = []

    def get_queryset(self) -> Any:
        return services.feed_list()

    @extend_schema(request=FeedInputSerializer, responses={201: FeedSerializer})
    def post(self, request: Request) -> Response:
        check_may_add_feeds(request)
        if not isinstance(request.data, dict):
            raise InvalidInput("Expected a JSON object with 'url' and 'outlet'.")
        serializer = FeedInputSerializer(data=request.data)
        serializer.is_valid(raise_exception=True)
        feed = services.do_add_feed(**serializer.validated_data)
        return Response(
            FeedSerializer(services.feed_list().get(pk=feed.pk)).data, status=status.HTTP_201_CREATED
        )
