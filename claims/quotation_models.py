"""The quotation index: the verbatim quotations claims carry, looked up by their hash.

Kept beside ``claims.models`` (which imports it, so the app registers it) and
read and written by ``claims.quotes``.
"""

from __future__ import annotations

from django.db import models


class ClaimQuotation(models.Model):
    """A quotation of 8 or more words a claim carries: another sentence with it is the same claim."""

    key = models.BigIntegerField(help_text="Hash of the normalised quotation (claims.extraction.quotations)")
    claim = models.ForeignKey("claims.Claim", on_delete=models.CASCADE, related_name="quotations")
    text = models.TextField(help_text="The quotation's words, normalised")
    speaker = models.CharField(max_length=200, blank=True, help_text="Who said it, as first attributed")
    article = models.ForeignKey(
        "claims.Article", null=True, blank=True, on_delete=models.SET_NULL, related_name="+"
    )
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        app_label = "claims"
        # The lookup reads by key: the constraint's index leads with it.
        constraints = [
            models.UniqueConstraint(fields=["key", "claim"], name="claimquotation_key_claim_unique")
        ]

    def __str__(self) -> str:
        return f"{self.text[:60]} -> {self.claim_id}"
