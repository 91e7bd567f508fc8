"""Relations between claims: figure conflicts, contradictions and suggested matches."""

from __future__ import annotations

from .models import Claim, ClaimLink


def do_link_claims(
    *, from_claim: Claim, to_claim: Claim, kind: str, score: float | None = None, note: str = ""
) -> ClaimLink:
    """Link two claims once per kind; linking again keeps the first link as it is."""
    link, _ = ClaimLink.objects.get_or_create(
        from_claim=from_claim, to_claim=to_claim, kind=kind, defaults={"score": score, "note": note}
    )
    return link
