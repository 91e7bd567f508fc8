"""The events feed: the event log for integrations that poll, read by cursor.

Ids are handed out in commit order (see ``claims.events``), so a client that
passes back the last id it saw never misses an event that committed late.
"""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from drf_spectacular.utils import extend_schema
from rest_framework import serializers
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors
from claims.events import EventType

from .query import AsciiIntegerField, QueryParams
from .serializers import EventPageSerializer, EventSerializer

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000


class EventTypesField(serializers.ListField):
    """Event types, comma-separated or repeated (``?type=a,b`` or ``?type=a&type=b``).

    Unlike the other parameters, an empty ``type=`` is refused: it names no type,
    and the schema's enum does not hold an empty one.
    """

    def get_value(self, dictionary: Any) -> Any:
        if self.field_name not in dictionary:
            return super().get_value(dictionary)
        values = (
            dictionary.getlist(self.field_name)
            if hasattr(dictionary, "getlist")
            else [dictionary[self.field_name]]
        )
        return [t.strip() for value in values for t in str(value).split(",")]


class EventFeedQuery(QueryParams):
    after = AsciiIntegerField(min_value=0, default=0, help_text="Only events with a larger id (0: all)")
    type = EventTypesField(
        child=serializers.ChoiceField(choices=EventType.values()),
        required=False,
        default=list,
        help_text="Only these event types, comma-separated or repeated",
    )
    limit = AsciiIntegerField(
        min_value=1, max_value=MAX_LIMIT, default=DEFAULT_LIMIT, help_text=f"Page size, at most {MAX_LIMIT}"
    )


class EventFeedView(APIView):
    """Events after ``after``, oldest first; ``next`` reads on while pages come back full."""

    @extend_schema(parameters=[EventFeedQuery], responses=EventPageSerializer)
    def get(self, request: Request) -> Response:
        query = EventFeedQuery.read(request)
        after, limit, types = query["after"], query["limit"], query["type"]
        events = selectors.event_feed(after=after, types=types, limit=limit)
        cursor = events[-1].pk if events else after
        next_url = None
        if len(events) == limit:
            following = {"after": cursor, "limit": limit, **({"type": ",".join(types)} if types else {})}
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode(following)}")
        return Response(
            {"results": EventSerializer(events, many=True).data, "next": next_url, "cursor": cursor}
        )
