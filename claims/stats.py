"""Counts and queue priority of claims: appearances, outlets, conflicts and the priority parts.

Extraction, merges and splits refresh the claims they touch at once (the
answer shows the new counts). Review transitions and repeats reach the
priority through the event log's ``priority`` consumer (``PRIORITY_EVENTS``),
and beat refreshes recently seen claims so the time-based parts fade.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from datetime import timedelta
from typing import Any

from django.db import transaction
from django.db.models import Count, OuterRef, Q, QuerySet, Subquery
from django.db.models.functions import Coalesce
from django.utils import timezone

from .bulk import update_rows
from .events import EventType
from .models import Appearance, Claim, ClaimEvent, ClaimLink
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


# Fields a refresh writes; ``amend`` may add others (see do_refresh_claim_stats).
STAT_FIELDS = ["appearance_count", "outlet_count", "priority", "priority_parts"]


def do_refresh_claim_stats(
    *, claim_ids: Iterable[int], amend: Callable[[Claim], Iterable[str]] | None = None
) -> None:
    """Recount appearances and outlets of claims and recompute their queue priority.

    The claims are locked in id order (as every writer of several claims does,
    so two never deadlock), counted in one query and written in one statement.
    ``amend`` changes a locked claim before its priority is computed (filing
    moves ``last_seen``) and returns the names of the fields it changed: they
    are written in the same statement.
    """
    ids = sorted(set(claim_ids))
    if not ids:
        return
    with transaction.atomic(savepoint=False):
        # FOR NO KEY UPDATE: rows that other transactions only point at (new appearances, events)
        # stay free for them.
        claims = list(Claim.objects.filter(pk__in=ids).order_by("pk").select_for_update(no_key=True))
        counts = {row["pk"]: row for row in _counts(ids)}
        fields = list(STAT_FIELDS)
        for claim in claims:
            if amend is not None:
                fields += [name for name in amend(claim) if name not in fields]
            row = counts[claim.pk]
            claim.appearance_count = row["n_appearances"]
            claim.outlet_count = row["n_outlets"]
            claim.priority, claim.priority_parts = compute_priority(
                claim, conflicts=row["n_conflicts"] + row["n_conflicts_in"]
            )
        update_rows(Claim, claims, fields)


def _counted(rows: QuerySet[Any], key: str, **count: Any) -> Coalesce:
    """A per-claim count as a subquery: ``rows`` grouped by ``key``, 0 when there are none."""
    ((name, expression),) = count.items()
    grouped = rows.filter(**{key: OuterRef("pk")}).order_by().values(key).annotate(**{name: expression})
    return Coalesce(Subquery(grouped.values(name)[:1]), 0)


def _counts(ids: Sequence[int]) -> QuerySet[Any]:
    """Current appearances, outlets and open figure conflicts of each claim, in one statement.

    Each count is a subquery of its own: joining appearances and both link
    directions in one query multiplied them (a claim repeated in 1,000 articles
    with 50 links read 50,000 rows per direction), and filing slowed from 0.4 s
    to 1 s an article as a 10,000-article corpus filled (BENCHMARKS.md).
    """
    current = Appearance.objects.filter(current=True)
    # A conflict a reviewer dismissed (claims.conflicts) no longer counts.
    conflicts = ClaimLink.objects.filter(kind=ClaimLink.Kind.FIGURE_CONFLICT, resolved=False)
    return (
        Claim.objects.filter(pk__in=ids)
        .values("pk")
        .annotate(
            n_appearances=_counted(current, "claim", n=Count("pk")),
            n_outlets=_counted(current, "claim", n=Count("article__outlet", distinct=True)),
            n_conflicts=_counted(conflicts, "from_claim", n=Count("pk")),
            n_conflicts_in=_counted(conflicts, "to_claim", n=Count("pk")),
        )
        .order_by()
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
