"""Notifications in the dashboard: what happened to a person's work, newest first, marked read when seen.

The same rows the notification emails are made of (one per person and
event, written by the notifications consumer of the event log), so the page
and the email never disagree. Opening the page marks what it shows as read.
"""

from __future__ import annotations

from typing import cast

from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.http import HttpRequest, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.views.decorators.http import require_GET

from claims.events import describe_event

from .models import Notification

SHOWN = 50


@login_required
@require_GET
def notifications_page(request: HttpRequest) -> HttpResponse:
    user = cast(User, request.user)
    rows = list(
        Notification.objects.filter(user=user)
        .select_related("event", "event__claim", "event__actor", "event__integration")
        .order_by("-created_at", "-id")[:SHOWN]
    )
    unread = [row.pk for row in rows if row.read_at is None]
    items = [
        {
            "kind": row.get_kind_display(),
            "story": describe_event(row.event),
            "claim": row.event.claim,
            "at": row.created_at,
            "new": row.read_at is None,
        }
        for row in rows
    ]
    if unread:
        Notification.objects.filter(pk__in=unread).update(read_at=timezone.now())
    return render(request, "digests/notifications.html", {"items": items, "unread": len(unread)})
