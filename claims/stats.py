"""Counts and queue priority of claims: appearances, outlets, conflicts and the priority parts.

Extraction, merges and splits refresh the claims they touch at once (the
answer shows the new counts). Review transitions and repeats reach the
priority through the event log's ``priority`` consumer (``PRIORITY_EVENTS``),
and beat refreshes recently seen claims so the time-based parts fade.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from datetime import timedelta

from django.db.models import Count, Q
from django.utils import timezone

from .events import EventType
from .models import Claim, ClaimEvent, ClaimLink
from .priority import compute_priority

# Events after which a claim's priority changes and nothing else has refreshed it yet.
PRIORITY_EVENTS = frozenset(
    {
        EventType.TAKEN,
        EventType.ASSIGNED,
        EventType.RELEASED,
        EventType.VERDICT_PROPOSED,
        EventType.VERDICT_PUBLISHED,
        EventType.VERDICT_APPROVED,
        EventType.VERDICT_REJECTED,
        EventType.DISMISSED,
        EventType.REOPENED,
        EventType.REPEATED,
        EventType.REIMPORTED,
    }
)


def do_refresh_claim_stats(*, claim_ids: Iterable[int]) -> None:
    """Recount appearances and outlets of claims and recompute their queue priority."""
    ids = sorted(set(claim_ids))
    if not ids:
        return
    stats = (
        Claim.objects.filter(pk__in=ids)
        .annotate(
            n_appearances=Count("appearances", filter=Q(appearances__current=True), distinct=True),
            n_outlets=Count(
                "appearances__article__outlet",
                filter=Q(appearances__current=True),
                distinct=True,
            ),
            # A conflict a reviewer dismissed (claims.conflicts) no longer counts.
            n_conflicts=Count(
                "links_out",
                filter=Q(links_out__kind=ClaimLink.Kind.FIGURE_CONFLICT, links_out__resolved=False),
                distinct=True,
            ),
            n_conflicts_in=Count(
                "links_in",
                filter=Q(links_in__kind=ClaimLink.Kind.FIGURE_CONFLICT, links_in__resolved=False),
                distinct=True,
            ),
        )
        .order_by("pk")
    )
    for claim in stats:
        claim.appearance_count = claim.n_appearances
        claim.outlet_count = claim.n_outlets
        claim.priority, claim.priority_parts = compute_priority(
            claim, conflicts=claim.n_conflicts + claim.n_conflicts_in
        )
        Claim.objects.filter(pk=claim.pk).update(
            appearance_count=claim.appearance_count,
            outlet_count=claim.outlet_count,
            priority=claim.priority,
            priority_parts=claim.priority_parts,
        )


def do_refresh_recent_priorities(*, days: int = 14, batch: int = 500) -> int:
    """Recompute priorities of claims seen or repeated in the last ``days``: recency and repeats fade."""
    since = timezone.now() - timedelta(days=days)
    ids = list(
        Claim.objects.filter(Q(last_seen__gte=since) | Q(repeated_at__gte=since), merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        do_refresh_claim_stats(claim_ids=ids[start : start + batch])
    return len(ids)


def refresh_priority_consumer(events: Sequence[ClaimEvent]) -> None:
    """The event log's ``priority`` consumer: one refresh per batch of events, idempotent."""
    do_refresh_claim_stats(claim_ids={event.claim_id for event in events if event.claim_id})
