"""An archived copy of each evidence link, taken when the evidence is added.

Sources move and change; the desk keeps what the page said when it was cited:
its text, the address it ended at and a SHA-256 of the bytes received.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class EvidenceSnapshot(models.Model):
    class State(models.TextChoices):
        PENDING = "pending", "Pending"
        DONE = "done", "Archived"
        FAILED = "failed", "Failed"

    evidence = models.OneToOneField("claims.Evidence", on_delete=models.CASCADE, related_name="snapshot")
    state = models.CharField(max_length=10, choices=State.choices, default=State.PENDING, db_index=True)
    http_status = models.PositiveSmallIntegerField(null=True, blank=True)
    final_url = models.URLField(max_length=2000, blank=True, help_text="Where the link led after redirects")
    content_type = models.CharField(max_length=200, blank=True)
    sha256 = models.CharField(max_length=64, blank=True, help_text="Of the body as received (decompressed)")
    size = models.PositiveIntegerField(null=True, blank=True, help_text="Bytes received")
    text = models.TextField(blank=True, help_text="Main text of the page, or the body of a text file")
    note = models.TextField(blank=True, help_text="Why an archived copy has no text (e.g. a PDF)")
    error = models.TextField(blank=True, help_text="Why archiving failed")
    attempts = models.PositiveSmallIntegerField(default=0)
    fetched_at = models.DateTimeField(null=True, blank=True)
    created_at = models.DateTimeField(auto_now_add=True)
    updated_at = models.DateTimeField(auto_now=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=Q(state__in=["pending", "done", "failed"]), name="snapshot_state_valid"
            ),
        ]

    def __str__(self) -> str:
        return f"snapshot of evidence {self.evidence_id} ({self.state})"
