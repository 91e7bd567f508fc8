"""Who gets which emails: digest subscriptions, one row per digest sent, and instant notifications.

Every email is a row before it is sent (``DigestRun`` or ``NotificationEmail``):
the row is created in its own transaction, then sending moves it
pending -> sending -> sent | failed | empty with a compare-and-set, so a beat
that fires twice or a worker that retries never sends the same email twice.
"""

from __future__ import annotations

from django.conf import settings
from django.db import models
from django.db.models import Q

# The sections a digest can have, in the order it shows them, with their headings.
SECTIONS: dict[str, str] = {
    "awaiting_approval": "Awaiting your approval",
    "stale": "Your claims still in review",
    "new_claims": "New claims",
    "repeats": "Fact-checked claims repeated in new articles",
    "conflicts": "New figure conflicts",
    "verdicts": "Verdicts published",
}

WEEKDAYS = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")


def default_time_zone() -> str:
    return settings.TIME_ZONE


def default_sections() -> list[str]:
    return list(SECTIONS)


class DigestSubscription(models.Model):
    """One person's digest schedule, filters and sections, and whether they get instant notifications.

    People without a row get the defaults (a daily digest at 08:00 in TIME_ZONE,
    notifications on); beat creates the missing rows in bulk.
    """

    class Frequency(models.TextChoices):
        DAILY = "daily", "Daily"
        WEEKLY = "weekly", "Weekly"
        OFF = "off", "Off"

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="digest_subscription"
    )
    frequency = models.CharField(max_length=8, choices=Frequency.choices, default=Frequency.DAILY)
    hour = models.PositiveSmallIntegerField(default=8, help_text="Local hour the digest is due, 0-23")
    weekday = models.PositiveSmallIntegerField(default=0, help_text="Weekly digests: 0 Monday ... 6 Sunday")
    time_zone = models.CharField(max_length=64, default=default_time_zone)
    outlets = models.ManyToManyField("claims.Outlet", blank=True, related_name="+")
    kinds = models.JSONField(default=list, blank=True, help_text="Claim kinds; empty for all")
    min_score = models.FloatField(default=0.0, help_text="Only claims at least this check-worthy")
    only_mine = models.BooleanField(default=False, help_text="Only claims assigned to the subscriber")
    sections = models.JSONField(default=default_sections, blank=True)
    notify = models.BooleanField(default=True, help_text="Instant notifications by email")
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        constraints = [
            models.CheckConstraint(
                condition=Q(frequency__in=["daily", "weekly", "off"]), name="digest_frequency"
            ),
            models.CheckConstraint(condition=Q(hour__gte=0, hour__lte=23), name="digest_hour_in_day"),
            models.CheckConstraint(
                condition=Q(weekday__gte=0, weekday__lte=6), name="digest_weekday_in_week"
            ),
            models.CheckConstraint(condition=Q(min_score__gte=0, min_score__lte=1), name="digest_min_score"),
        ]

    def __str__(self) -> str:
        return f"{self.user} ({self.frequency})"


class EmailState(models.TextChoices):
    PENDING = "pending", "Pending"
    SENDING = "sending", "Sending"
    SENT = "sent", "Sent"
    FAILED = "failed", "Failed"
    EMPTY = "empty", "Nothing to send"


STATE_VALUES = [state.value for state in EmailState]


class OutgoingEmail(models.Model):
    """What every email row records about its sending."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    state = models.CharField(max_length=8, choices=EmailState.choices, default=EmailState.PENDING)
    attempts = models.PositiveIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the last attempt failed")
    subject = models.CharField(max_length=300, blank=True)
    items = models.PositiveIntegerField(default=0, help_text="Items the email listed")
    created_at = models.DateTimeField(auto_now_add=True)
    attempted_at = models.DateTimeField(null=True, blank=True)
    sent_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        abstract = True


class DigestRun(OutgoingEmail):
    """One digest for one person and one period (a local day or ISO week): created before it is sent."""

    kind = models.CharField(max_length=8, choices=[("daily", "Daily"), ("weekly", "Weekly")])
    period = models.CharField(max_length=10, help_text="The local date (daily) or ISO week (weekly)")
    window_start = models.DateTimeField(help_text="The digest covers what happened from here ...")
    window_end = models.DateTimeField(help_text="... up to here")

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "kind", "period"], name="digest_run_once_per_period"),
            models.CheckConstraint(condition=Q(state__in=STATE_VALUES), name="digest_run_state_valid"),
        ]
        indexes = [models.Index(fields=["state", "created_at"], name="digest_run_state")]

    def __str__(self) -> str:
        return f"{self.kind} digest {self.period} for {self.user_id} ({self.state})"


class NotificationEmail(OutgoingEmail):
    """One email listing a person's notifications of one batch window."""

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=STATE_VALUES), name="notification_email_state_valid"
            ),
        ]
        indexes = [models.Index(fields=["user", "created_at"], name="notification_email_recent")]

    def __str__(self) -> str:
        return f"notifications for {self.user_id} ({self.state})"


class Notification(models.Model):
    """Something one person should hear about, from one event; sent in the next batch email."""

    class Kind(models.TextChoices):
        ASSIGNED = "assigned", "A claim was assigned to you"
        AWAITING_APPROVAL = "awaiting_approval", "A verdict awaits your approval"
        APPROVED = "approved", "Your verdict was approved"
        REJECTED = "rejected", "Your verdict was sent back"

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+")
    event = models.ForeignKey("claims.ClaimEvent", on_delete=models.CASCADE, related_name="+")
    kind = models.CharField(max_length=20, choices=Kind.choices)
    email = models.ForeignKey(
        NotificationEmail, null=True, blank=True, on_delete=models.SET_NULL, related_name="notifications"
    )
    created_at = models.DateTimeField(auto_now_add=True)
    # When its person saw it on the notifications page; the email goes out either way.
    read_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["created_at", "id"]
        constraints = [
            models.UniqueConstraint(fields=["user", "event"], name="notification_once_per_event"),
            models.CheckConstraint(
                condition=Q(kind__in=["assigned", "awaiting_approval", "approved", "rejected"]),
                name="notification_kind_valid",
            ),
        ]
        indexes = [
            models.Index(
                fields=["user", "created_at"], condition=Q(email__isnull=True), name="notification_unsent"
            )
        ]

    def __str__(self) -> str:
        return f"{self.kind} for {self.user_id} (event {self.event_id})"
