"""RSS and Atom feeds the desk follows, and every entry seen in them.

An entry is ingested once: its row, unique on (feed, guid), is written in the
same transaction as the article it became, so a poll that dies midway leaves
either both or neither, and the next poll skips what is already recorded.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class Feed(models.Model):
    url = models.URLField(max_length=2000, unique=True)
    outlet = models.ForeignKey("claims.Outlet", on_delete=models.PROTECT, related_name="feeds")
    title = models.CharField(max_length=500, blank=True, help_text="As the feed names itself")
    poll_interval_minutes = models.PositiveIntegerField(default=15)
    active = models.BooleanField(default=True)
    # Conditional GET: sent back on the next poll, so an unchanged feed costs a 304.
    etag = models.CharField(max_length=500, blank=True)
    last_modified = models.CharField(max_length=100, blank=True)
    last_polled_at = models.DateTimeField(null=True, blank=True)
    next_poll_at = models.DateTimeField(
        null=True, blank=True, db_index=True, help_text="Empty: poll at the next beat"
    )
    last_error = models.TextField(blank=True, help_text="Why the last poll failed; empty when it worked")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(poll_interval_minutes__gte=1), name="feed_poll_interval_positive"
            ),
            models.CheckConstraint(
                condition=Q(url__startswith="http://") | Q(url__startswith="https://"),
                name="feed_url_is_http",
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.url


class FeedEntry(models.Model):
    class State(models.TextChoices):
        INGESTED = "ingested", "Ingested"
        FAILED = "failed", "Failed (tried again on later polls)"
        SKIPPED = "skipped", "Skipped (nothing to ingest)"

    feed = models.ForeignKey(Feed, on_delete=models.CASCADE, related_name="entries")
    guid = models.CharField(max_length=500, help_text="The entry's id, else its link; hashed when long")
    link = models.URLField(max_length=2000, blank=True)
    title = models.CharField(max_length=500, blank=True)
    published_at = models.DateTimeField(null=True, blank=True)
    article = models.ForeignKey(
        "claims.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="feed_entries"
    )
    state = models.CharField(max_length=10, choices=State.choices)
    reason = models.TextField(
        blank=True, help_text="Why it failed or was skipped, or where its text came from"
    )
    attempts = models.PositiveSmallIntegerField(default=1)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name_plural = "feed entries"
        constraints = [
            models.UniqueConstraint(fields=["feed", "guid"], name="feedentry_once_per_feed"),
            models.CheckConstraint(
                condition=Q(state__in=["ingested", "failed", "skipped"]), name="feedentry_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return self.title or self.guid
