"""The events feed: the event log for integrations that poll, read by cursor.

Ids are handed out in commit order (see ``claims.events``), so a client that
passes back the last id it saw never misses an event that committed late.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import urlencode

from drf_spectacular.types import OpenApiTypes
from drf_spectacular.utils import OpenApiParameter, extend_schema
from rest_framework.request import Request
from rest_framework.response import Response
from rest_framework.views import APIView

from claims import selectors
from claims.errors import InvalidInput
from claims.events import EventType

from .serializers import EventPageSerializer, EventSerializer

DEFAULT_LIMIT = 100
MAX_LIMIT = 1000
_ID = re.compile(r"[0-9]{1,18}")


def _non_negative(params: Any, name: str, default: int) -> int:
    raw = params.get(name, "").strip()
    if not raw:
        return default
    if not _ID.fullmatch(raw):
        raise InvalidInput(f"{name} must be a non-negative integer, not {raw!r}.")
    return int(raw)


def _types(params: Any) -> list[str]:
    wanted = [t.strip() for value in params.getlist("type") for t in value.split(",") if t.strip()]
    unknown = sorted({t for t in wanted if t not in EventType.values()})
    if unknown:
        raise InvalidInput(
            f"Unknown event type(s): {', '.join(unknown)}. Known types: {', '.join(EventType.values())}."
        )
    return wanted


class EventFeedView(APIView):
    """Events after ``after``, oldest first; ``next`` reads on while pages come back full."""

    @extend_schema(
        parameters=[
            OpenApiParameter(
                "after",
                {"type": "integer", "minimum": 0},
                description="Only events with a larger id (0: all)",
            ),
            OpenApiParameter(
                "type",
                OpenApiTypes.STR,
                description="Only these event types, comma-separated or repeated",
                enum=EventType.values(),
            ),
            OpenApiParameter(
                "limit",
                {"type": "integer", "minimum": 1, "maximum": MAX_LIMIT},
                description=f"Page size, at most {MAX_LIMIT}",
            ),
        ],
        responses=EventPageSerializer,
    )
    def get(self, request: Request) -> Response:
        params = request.query_params
        after = _non_negative(params, "after", 0)
        limit = _non_negative(params, "limit", DEFAULT_LIMIT)
        if not 1 <= limit <= MAX_LIMIT:
            raise InvalidInput(f"limit must be between 1 and {MAX_LIMIT}.")
        types = _types(params)
        events = selectors.event_feed(after=after, types=types, limit=limit)
        cursor = events[-1].pk if events else after
        next_url = None
        if len(events) == limit:
            query = {"after": cursor, "limit": limit, **({"type": ",".join(types)} if types else {})}
            next_url = request.build_absolute_uri(f"{request.path}?{urlencode(query)}")
        return Response(
            {"results": EventSerializer(events, many=True).data, "next": next_url, "cursor": cursor}
        )
