"""Queue priority: an explainable sum of parts a reviewer can read.

Each part is a number of points; the priority is their sum, and the parts are
stored beside it so the queue can show why a claim is where it is.
"""

from __future__ import annotations

from datetime import timedelta

from django.utils import timezone

from .models import Claim

# Points per part. A repeat of an already fact-checked claim outranks everything:
# the desk wants to react before the falsehood spreads again.
CHECKWORTHINESS_POINTS = 40.0
OUTLET_POINTS = 8.0
OUTLET_CAP = 5
APPEARANCE_POINTS = 2.0
APPEARANCE_CAP = 10
RECENCY_POINTS = 20.0
RECENCY_HALF_LIFE = timedelta(days=2)
FACTCHECKED_REPEAT_POINTS = 100.0
REPEAT_HALF_LIFE = timedelta(days=3)
CONFLICT_POINTS = 25.0
# A checked claim whose sentence an article revision changed or removed: the desk
# decides whether the verdict still stands (the outlet may have corrected itself).
SOURCE_CHANGED_POINTS = 60.0
SOURCE_CHANGED_HALF_LIFE = timedelta(days=3)


def compute_priority(claim: Claim, *, conflicts: int = 0) -> tuple[float, dict[str, float]]:
    parts: dict[str, float] = {
        "checkworthiness": round(CHECKWORTHINESS_POINTS * claim.score, 2),
        "outlets": OUTLET_POINTS * min(claim.outlet_count, OUTLET_CAP),
        "appearances": APPEARANCE_POINTS * min(claim.appearance_count, APPEARANCE_CAP),
    }
    if claim.last_seen is not None:
        age = max(timezone.now() - claim.last_seen, timedelta(0))
        parts["recency"] = round(RECENCY_POINTS * 0.5 ** (age / RECENCY_HALF_LIFE), 2)
    else:
        parts["recency"] = 0.0
    parts["factchecked_repeat"] = 0.0
    if is_fresh_repeat(claim):
        assert claim.repeated_at is not None
        age = max(timezone.now() - claim.repeated_at, timedelta(0))
        parts["factchecked_repeat"] = round(FACTCHECKED_REPEAT_POINTS * 0.5 ** (age / REPEAT_HALF_LIFE), 2)
    parts["source_changed"] = 0.0
    if is_fresh_source_change(claim):
        assert claim.source_changed_at is not None
        age = max(timezone.now() - claim.source_changed_at, timedelta(0))
        parts["source_changed"] = round(SOURCE_CHANGED_POINTS * 0.5 ** (age / SOURCE_CHANGED_HALF_LIFE), 2)
    parts["figure_conflict"] = CONFLICT_POINTS if conflicts else 0.0
    return round(sum(parts.values()), 2), parts


def is_fresh_repeat(claim: Claim) -> bool:
    """An article repeated the claim after its verdict (ours or an imported fact-check) was given."""
    if not claim.verdict or claim.repeated_at is None:
        return False
    return claim.verdict_at is None or claim.repeated_at > claim.verdict_at


def is_fresh_source_change(claim: Claim) -> bool:
    """An article revision changed the claim's sentence after its verdict was given."""
    if not claim.verdict or claim.source_changed_at is None:
        return False
    return claim.verdict_at is None or claim.source_changed_at > claim.verdict_at
