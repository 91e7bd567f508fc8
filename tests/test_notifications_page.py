"""Notifications in the dashboard: a person's news from the event log, newest first, marked read once seen."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.models import User
from django.test import Client

from claims import events
from digests import notifications
from digests.models import Notification

from .test_digests_support import assign, found_claim


def test_an_assignment_shows_on_the_reviewers_page_as_new_then_as_read(
    reviewer: User, editor: User, client: Client, django_assert_max_num_queries: Any
) -> None:
    claim = found_claim("Exports rose 12% to $240bn in 2023, the trade office said.")
    assign(claim, reviewer, by=editor)
    events.dispatch(names=[notifications.CONSUMER])
    client.force_login(reviewer)

    with django_assert_max_num_queries(12):
        first = client.get("/digests/notifications/").content.decode()
    second = client.get("/digests/notifications/").content.decode()

    assert "A claim was assigned to you" in first
    assert claim.text[:40] in first and f'href="/claims/{claim.pk}/"' in first
    assert "data-new" in first and "1 new since you last looked" in first
    assert "data-new" not in second
    assert Notification.objects.get(user=reviewer).read_at is not None


def test_nobody_sees_another_persons_notifications(
    reviewer: User, reviewer2: User, editor: User, client: Client
) -> None:
    claim = found_claim("Unemployment fell to 3.5% in March, the statistics office said.")
    assign(claim, reviewer, by=editor)
    events.dispatch(names=[notifications.CONSUMER])
    client.force_login(reviewer2)

    page = client.get("/digests/notifications/").content.decode()

    assert "Nothing yet." in page
    assert Notification.objects.get(user=reviewer).read_at is None
