"""The matcher's index: each claim's tokens, figures and embedding, the postings and document counts.

Kept beside ``claims.models`` (which imports it, so the app registers it) and
read and written by ``claims.matching`` and ``claims.article_matching``.
"""

from __future__ import annotations

from django.db import models


class ClaimIndex(models.Model):
    """What the matcher keeps about a claim: its content tokens, its figures, its embedding."""

    claim = models.OneToOneField(
        "claims.Claim", primary_key=True, on_delete=models.CASCADE, related_name="match_index"
    )
    terms = models.JSONField(default=list, blank=True)
    figures = models.JSONField(default=list, blank=True, help_text="Figure keys compared by the number rule")
    periods = models.JSONField(
        null=True,
        blank=True,
        help_text="[year, month] pairs the figures are about (month 0: the whole year); "
        "null when indexed before periods were kept",
    )
    vector = models.BinaryField(null=True, blank=True, help_text="Sentence embedding, float16")
    model = models.CharField(max_length=40, blank=True, help_text="Embedding model of the vector")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"index of claim {self.claim_id}"


class ClaimTerm(models.Model):
    """Postings of the candidate lookup: one row per (token hash, claim)."""

    term = models.BigIntegerField()
    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [models.UniqueConstraint(fields=["term", "claim"], name="claimterm_term_claim_unique")]

    def __str__(self) -> str:
        return f"{self.term} -> {self.claim_id}"


class TermStat(models.Model):
    """In how many indexed claims a token occurs; term 0 counts the indexed claims."""

    term = models.BigIntegerField(primary_key=True)
    df = models.PositiveIntegerField(default=0)

    def __str__(self) -> str:
        return f"{self.term}: {self.df}"
