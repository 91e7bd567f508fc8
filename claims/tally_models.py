"""The statistics page's running counts, kept from the event log by ``claims.tallies``.

The page reads these small tables instead of counting a million claims on
every load: one number per day and metric, one row per desk verdict, one
count per outlet. ``ClaimTally`` is what the counts believe about each claim,
so that the next event about it changes the right numbers, and an event seen
twice changes nothing. ``manage.py rebuild_statistics`` recomputes all of
them from the log.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q


class DayCount(models.Model):
    """One number of one day: a change in the live claims of a status, or the claims first seen."""

    class Metric(models.TextChoices):
        # key: a claim status; n: live claims that entered it that day minus those that left it
        STATUS = "status", "Change in live claims of a status"
        # key: empty; n: live claims (imported fact-checks aside) that the news first carried that day
        FOUND = "found", "Claims first seen"

    metric = models.CharField(max_length=16, choices=Metric.choices)
    key = models.CharField(max_length=50, blank=True)
    day = models.DateField()
    n = models.IntegerField(default=0)

    class Meta:
        ordering = ["metric", "key", "day"]
        constraints = [
            models.UniqueConstraint(fields=["metric", "key", "day"], name="daycount_unique"),
            models.CheckConstraint(condition=Q(metric__in=["status", "found"]), name="daycount_metric_valid"),
        ]
        indexes = [models.Index(fields=["metric", "day"], name="daycount_metric_day_idx")]

    def __str__(self) -> str:
        return f"{self.metric} {self.key} {self.day}: {self.n}"


class VerdictSample(models.Model):
    """One verdict the desk published (decided at once or approved), from its event."""

    event = models.OneToOneField(
        "claims.ClaimEvent", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="+")
    day = models.DateField(db_index=True)
    value = models.CharField(max_length=10, help_text="verified or disputed")
    rating = models.CharField(max_length=50, blank=True, help_text="Name on the desk's scale; empty if none")
    seconds = models.FloatField(help_text="From the claim's first sighting in the news to this verdict")

    class Meta:
        ordering = ["day", "event_id"]

    def __str__(self) -> str:
        return f"{self.value} on {self.day} ({self.seconds / 86400:.1f} days)"


class OutletTally(models.Model):
    """How many live claims have a current appearance in the outlet's articles."""

    outlet = models.OneToOneField(
        "claims.Outlet", primary_key=True, on_delete=models.CASCADE, related_name="+"
    )
    claims = models.IntegerField(default=0)

    class Meta:
        indexes = [models.Index(fields=["-claims"], name="outlettally_claims_idx")]

    def __str__(self) -> str:
        return f"outlet {self.outlet_id}: {self.claims}"


class ClaimTally(models.Model):
    """What the counts hold about one claim: its status and liveness as of ``event``, its found day,
    the outlets it is counted under."""

    claim = models.OneToOneField("claims.Claim", primary_key=True, on_delete=models.CASCADE, related_name="+")
    counted_as = models.CharField(max_length=20, help_text="The status the counts hold the claim in")
    live = models.BooleanField(default=True, help_text="Not merged into another claim")
    found_on = models.DateField(null=True, blank=True, help_text="The day it is counted as found, if counted")
    outlets = models.JSONField(default=list, blank=True, help_text="Ids of the outlets it is counted under")
    event = models.BigIntegerField(default=0, help_text="Id of the last event applied")

    def __str__(self) -> str:
        return f"claim {self.claim_id}: {self.counted_as}{'' if self.live else ' (merged)'}"
