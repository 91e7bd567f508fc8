"""Instant notifications: a consumer of the event log records them, beat sends them in batches.

Who hears of what (each person on their own, on by default, off with one click):

- ``assigned``: an editor assigned a claim to you;
- ``awaiting_approval`` (editors): a reviewer proposed a verdict that needs a
  second editor;
- ``approved`` / ``rejected``: an editor approved your verdict or sent it back.

Nobody is told of what they did themselves. The ``notifications`` consumer
only writes one ``Notification`` row per (person, event), a unique pair, so an
event handled twice notifies once; it never sends. Beat, every minute, gathers
each person's pending notifications into one email once the oldest has waited
NOTIFY_BATCH_MINUTES and their previous notification email is at least that
old: at most one such email per person per window, listing everything that
happened in it. The email row is made before sending, like a digest's.
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from datetime import datetime, timedelta

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.db.models import Min
from django.utils import timezone

from claims import background
from claims.event_types import EventType
from claims.models import Claim, ClaimEvent

from . import content, mailer, rendering, selectors
from .models import EmailState, Notification, NotificationEmail

logger = logging.getLogger(__name__)

CONSUMER = "notifications"
SEND_EMAIL = "digests.tasks.send_notification_email"
Kind = Notification.Kind
NOTIFYING_EVENTS = frozenset(
    {EventType.ASSIGNED, EventType.VERDICT_PROPOSED, EventType.VERDICT_APPROVED, EventType.VERDICT_REJECTED}
)
# A batch email made this long ago and never attempted lost its task (the broker was down).
REQUEUE_AFTER = timedelta(minutes=15)


# --- The consumer: events in, pending notifications out


def record_notifications(events: Sequence[ClaimEvent]) -> None:
    """Event-log consumer: one pending notification per person to tell and event; idempotent."""
    names = {
        str(event.data.get(key))
        for event in events
        for key in ("assignee", "author")
        if isinstance(event.data, dict) and event.data.get(key)
    }
    by_name = selectors.users_by_name(names) if names else {}
    approvers = selectors.editors() if any(e.action == EventType.VERDICT_PROPOSED for e in events) else []
    wanted: list[tuple[User, ClaimEvent, str]] = []
    for event in events:
        data = event.data if isinstance(event.data, dict) else {}
        if event.action == EventType.ASSIGNED:
            wanted += [(u, event, Kind.ASSIGNED) for u in _named(by_name, data.get("assignee"))]
        elif event.action == EventType.VERDICT_PROPOSED:
            wanted += [(u, event, Kind.AWAITING_APPROVAL) for u in approvers]
        elif event.action == EventType.VERDICT_APPROVED:
            wanted += [(u, event, Kind.APPROVED) for u in _named(by_name, data.get("author"))]
        elif event.action == EventType.VERDICT_REJECTED:
            wanted += [(u, event, Kind.REJECTED) for u in _named(by_name, data.get("author"))]
    wanted = [(u, e, k) for u, e, k in wanted if u.is_active and u.email and u.pk != e.actor_id]
    if not wanted:
        return
    muted = selectors.notifications_off(u.pk for u, _, _ in wanted)
    Notification.objects.bulk_create(
        [Notification(user=u, event=e, kind=k) for u, e, k in wanted if u.pk not in muted],
        ignore_conflicts=True,
    )


def _named(by_name: dict[str, User], name: object) -> list[User]:
    user = by_name.get(str(name)) if name else None
    return [user] if user is not None else []


# --- Batches: pending notifications into one email per person and window


def do_queue_due_notifications(*, now: datetime | None = None) -> int:
    """Beat, every minute: open the batch of everybody whose window has passed and queue its sending."""
    now = now or timezone.now()
    window = timedelta(minutes=settings.NOTIFY_BATCH_MINUTES)
    recent = NotificationEmail.objects.filter(created_at__gt=now - window).values("user_id")
    due = (
        Notification.objects.filter(email__isnull=True)
        .values("user_id")
        .annotate(first=Min("created_at"))
        .filter(first__lte=now - window)
        .exclude(user_id__in=recent)
        .order_by("user_id")
        .values_list("user_id", flat=True)
    )
    opened = [pk for pk in (_open_batch(user_id=user_id, now=now, window=window) for user_id in due) if pk]
    lost = NotificationEmail.objects.filter(
        state=EmailState.PENDING, attempts=0, created_at__lt=now - REQUEUE_AFTER
    ).values_list("pk", flat=True)
    already = set(opened)
    queued = opened + [pk for pk in lost[:1000] if pk not in already]
    mailer.sweep_interrupted(NotificationEmail, now=now)
    for email_id in queued:
        try:
            background.enqueue(SEND_EMAIL, email_id)
        except Exception:
            logger.exception("could not queue notification email %s", email_id)
    return len(queued)


def _open_batch(*, user_id: int, now: datetime, window: timedelta) -> int | None:
    """Gather one person's pending notifications into a new email row; None when another pass did."""
    with transaction.atomic():
        # One batch at a time per person: a second pass waits here, then finds nothing pending.
        User.objects.select_for_update().filter(pk=user_id).first()
        if NotificationEmail.objects.filter(user_id=user_id, created_at__gt=now - window).exists():
            return None
        pending = list(
            Notification.objects.filter(user_id=user_id, email__isnull=True).values_list("pk", flat=True)
        )
        if not pending:
            return None
        email = NotificationEmail.objects.create(user_id=user_id, items=len(pending))
        Notification.objects.filter(pk__in=pending).update(email=email)
    return email.pk


# --- One email


STILL_TRUE = {
    # A verdict someone else approved or rejected meanwhile no longer awaits anybody's approval.
    Kind.AWAITING_APPROVAL: lambda claim: claim.status == Claim.Status.AWAITING_APPROVAL,
}


def describe(notification: Notification) -> content.Item:
    event = notification.event
    claim = event.claim
    actor = event.actor.get_username() if event.actor else "Someone"
    data = event.data if isinstance(event.data, dict) else {}
    value = data.get("value", "")
    meta = {
        Kind.ASSIGNED: f"{actor} assigned you claim {event.claim_id}",
        Kind.AWAITING_APPROVAL: f"{actor} proposed “{value}” for claim {event.claim_id}: it awaits approval",
        Kind.APPROVED: f"{actor} approved your verdict “{value}” on claim {event.claim_id}",
        Kind.REJECTED: f"{actor} sent your verdict “{value}” on claim {event.claim_id} back to review",
    }[Kind(notification.kind)]
    quote = event.reason if notification.kind in (Kind.REJECTED, Kind.AWAITING_APPROVAL) else ""
    return content.Item(
        title=content.short(claim.text if claim else "", content.TITLE_CHARS),
        url=content.claim_url(event.claim_id) if event.claim_id else content.queue_url(),
        meta=meta,
        note=f"Assignment note: {event.reason}"
        if notification.kind == Kind.ASSIGNED and event.reason
        else "",
        quote=content.short(quote, content.SNIPPET_CHARS),
    )


def do_send_notification_email(*, email_id: int) -> str:
    """Send one batch email if nobody else is; returns its state. Raises TransientFailure to be retried."""
    if not mailer.claim(NotificationEmail, email_id):
        return mailer.state_of(NotificationEmail, email_id)
    row = NotificationEmail.objects.select_related("user").get(pk=email_id)
    user = row.user
    notifications = selectors.batch_notifications(email_id=email_id)
    items = [
        describe(n)
        for n in notifications
        if n.event.claim is None or STILL_TRUE.get(Kind(n.kind), lambda claim: True)(n.event.claim)
    ]
    subscription = selectors.subscription_for(user_id=user.pk)
    if not items or not user.is_active or not user.email or (subscription and not subscription.notify):
        mailer.finish(NotificationEmail, email_id, state=EmailState.EMPTY)
        return EmailState.EMPTY
    message = rendering.notification_message(
        user_id=user.pk,
        username=user.get_username(),
        email=user.email,
        items=items,
        name=user.get_full_name(),
    )
    try:
        mailer.deliver(message)
    except mailer.PermanentFailure as exc:
        mailer.finish(
            NotificationEmail, email_id, state=EmailState.FAILED, error=exc.reason, items=len(items)
        )
        return EmailState.FAILED
    except mailer.TransientFailure as exc:
        mailer.release(NotificationEmail, email_id, error=exc.reason)
        raise
    mailer.finish(
        NotificationEmail, email_id, state=EmailState.SENT, subject=str(message.subject), items=len(items)
    )
    return EmailState.SENT


def do_fail_notification_email(*, email_id: int, reason: str) -> None:
    mailer.fail(
        NotificationEmail, email_id, reason=f"Gave up after {settings.EMAIL_SEND_RETRIES} retries: {reason}"
    )
