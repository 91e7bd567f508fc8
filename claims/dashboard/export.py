"""The queue as a spreadsheet: the claims of the queue's current filters, one CSV row each.

Streamed in chunks, so a large export holds only one chunk in memory. A
value a spreadsheet would read as a formula (=, +, -, @ at its start: a
claim's text comes from the news) is written with a leading apostrophe, so
opening the file never runs anything.
"""

from __future__ import annotations

import csv
from collections.abc import Iterator
from typing import Any

from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, StreamingHttpResponse
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from .. import selectors
from ..models import Claim
from .common import actor_of
from .queue import queue_filters

COLUMNS = [
    "id",
    "text",
    "status",
    "kind",
    "speaker",
    "score",
    "priority",
    "outlets",
    "appearances",
    "verdict",
    "rating",
    "assignee",
    "first_seen",
    "last_seen",
    "link",
]
CHUNK = 500
_FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


class _Echo:
    """A file-like object whose write hands the line back, for csv.writer over a stream."""

    def write(self, value: str) -> str:
        return value


def safe(value: Any) -> str:
    """A cell a spreadsheet shows as text, never evaluates."""
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(_FORMULA_START) else text


def row(claim: Claim) -> list[str]:
    appearances = getattr(claim, "current_appearances", [])
    outlets = sorted({a.article.outlet.name for a in appearances if a.article.outlet is not None})
    return [
        safe(value)
        for value in (
            claim.pk,
            claim.text,
            claim.status,
            claim.kind,
            claim.speaker,
            f"{claim.score:.3f}",
            f"{claim.priority:.1f}",
            "; ".join(outlets),
            claim.appearance_count,
            claim.verdict,
            claim.rating,
            claim.assignee.get_username() if claim.assignee else "",
            claim.first_seen.isoformat() if claim.first_seen else "",
            claim.last_seen.isoformat() if claim.last_seen else "",
            settings.SITE_URL + reverse("claim-detail", args=[claim.pk]),
        )
    ]


def rows(claims: Any) -> Iterator[str]:
    writer = csv.writer(_Echo())
    yield writer.writerow(COLUMNS)
    for claim in claims.iterator(chunk_size=CHUNK):
        yield writer.writerow(row(claim))


@login_required
@require_GET
def queue_csv(request: HttpRequest) -> StreamingHttpResponse:
    """The filtered queue (the same query string as the queue page) as CSV."""
    filters = queue_filters(request.GET)
    claims = selectors.dashboard_queue(filters=filters, user=actor_of(request).user)
    response = StreamingHttpResponse(rows(claims), content_type="text/csv; charset=utf-8")
    stamp = timezone.localtime().strftime("%Y-%m-%d-%H%M")
    response["Content-Disposition"] = f'attachment; filename="claims-{stamp}.csv"'
    return response
