"""The statistics page's counts, kept up to date from the event log (the ``statistics`` consumer).

Each batch of events changes a few small tables (``claims.tally_models``):

- a claim's status history: every event that moves a claim (``to_status``),
  merges it away (``merged_into``) or restores it changes the day's net count
  of live claims in the statuses it left and entered, so the backlog on any
  day is the sum of the changes up to it;
- the day a claim was found: its first sighting in the news (``first_seen``,
  the publication date of the article that brought it), counted once per
  live claim, imported fact-checks aside, and moved if a merge moves it;
- each desk verdict (published at once or approved): one sample with its
  rating and the time from the claim's first sighting to the verdict;
- per outlet, how many live claims have a current appearance in its articles
  (recounted for the claims an event touches, or whose article was extracted).

``ClaimTally`` remembers, per claim, what the counts hold (status, liveness,
found day, outlets) and the last event applied, so an event that comes
again (a retried batch) changes nothing. ``rebuild`` empties the tables and
replays the whole log through the same code.
"""

from __future__ import annotations

from collections import Counter
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Any

from django.db import connection, transaction
from django.db.models.functions import Coalesce
from django.utils import timezone

from .events import EventType
from .models import Appearance, Claim, ClaimEvent, EventCursor
from .tally_models import ClaimTally, DayCount, OutletTally, VerdictSample

CONSUMER = "statistics"
STATUSES = frozenset(Claim.Status.values)
# The two events that publish a desk verdict (a proposal is not one yet).
VERDICT_EVENTS = frozenset({EventType.VERDICT_PUBLISHED, EventType.VERDICT_APPROVED})
# Article events after which the article's claims may have gained or lost appearances or an outlet.
ARTICLE_CHANGES = frozenset(
    {
        EventType.ARTICLE_EXTRACTED,
        EventType.ARTICLE_FAILED,
        EventType.ARTICLE_REVISED,
        EventType.ARTICLE_RECEIVED,
    }
)

Key = tuple[str, str, date]


def tally_events(events: Sequence[ClaimEvent]) -> None:
    """The consumer's handler: apply a batch of events, oldest first, to the counts."""
    claim_ids = {event.claim_id for event in events if event.claim_id}
    touched_articles = {
        event.article_id for event in events if event.article_id and event.action in ARTICLE_CHANGES
    }
    if touched_articles:
        claim_ids |= set(
            Appearance.objects.filter(article_id__in=touched_articles)
            .order_by()
            .values_list("claim_id", flat=True)
            .distinct()
        )
    if not claim_ids:
        return
    facts = _claim_facts(claim_ids)
    tallies = {tally.claim_id: tally for tally in ClaimTally.objects.filter(claim_id__in=claim_ids)}
    new_ids: set[int] = set()
    counts: Counter[Key] = Counter()
    samples: list[VerdictSample] = []
    for event in events:
        if not event.claim_id or event.claim_id not in facts:
            continue
        tally = tallies.get(event.claim_id)
        if tally is not None and event.pk <= tally.event:
            continue  # applied before
        if tally is None:
            tally = tallies[event.claim_id] = _first_tally(event, facts[event.claim_id], counts)
            new_ids.add(event.claim_id)
        _apply(event, tally, counts)
        if event.action in VERDICT_EVENTS:
            samples.append(_sample(event, facts[event.claim_id]))
        tally.event = event.pk
    outlets = _current_outlets([claim_id for claim_id in tallies])
    outlet_changes: Counter[int] = Counter()
    for claim_id, tally in tallies.items():
        _recount(tally, facts[claim_id], outlets.get(claim_id, set()), counts, outlet_changes)
    _save(tallies, new_ids=new_ids, counts=counts, outlet_changes=outlet_changes, samples=samples)


def _claim_facts(claim_ids: Iterable[int]) -> dict[int, Any]:
    """What the counts need of each claim now: status, when first seen, whether imported."""
    return {
        row["pk"]: row
        for row in Claim.objects.filter(pk__in=claim_ids)
        .annotate(seen=Coalesce("first_seen", "created_at"))
        .values("pk", "status", "origin", "seen")
    }


def _day(moment: datetime) -> date:
    return timezone.localdate(moment)


def _first_tally(event: ClaimEvent, facts: dict[str, Any], counts: Counter[Key]) -> ClaimTally:
    """The first event of a claim: it starts counting in the status it was born in.

    A claim whose creation is not in the log (older than the log, or loaded in
    bulk) starts in the status the event moves it from, else its status now.
    """
    status = event.to_status if event.action in (EventType.CREATED, EventType.IMPORTED) else ""
    status = status or event.from_status or facts["status"]
    if status not in STATUSES:
        status = facts["status"]
    counts[(DayCount.Metric.STATUS, status, _day(event.created_at))] += 1
    return ClaimTally(claim_id=int(event.claim_id or 0), counted_as=status, live=True)


def _apply(event: ClaimEvent, tally: ClaimTally, counts: Counter[Key]) -> None:
    """Move the claim's status (and liveness) in the day's counts as the event says."""
    day = _day(event.created_at)
    if event.action == EventType.MERGED_INTO:
        if tally.live:
            counts[(DayCount.Metric.STATUS, tally.counted_as, day)] -= 1
            tally.live = False
        return
    if event.action == EventType.RESTORED:
        if not tally.live:
            counts[(DayCount.Metric.STATUS, tally.counted_as, day)] += 1
            tally.live = True
        return
    target = event.to_status
    if target in STATUSES and target != tally.counted_as:
        if tally.live:
            counts[(DayCount.Metric.STATUS, tally.counted_as, day)] -= 1
            counts[(DayCount.Metric.STATUS, target, day)] += 1
        tally.counted_as = target


def _sample(event: ClaimEvent, facts: dict[str, Any]) -> VerdictSample:
    waited = (event.created_at - facts["seen"]).total_seconds() if facts["seen"] else 0.0
    return VerdictSample(
        event_id=event.pk,
        claim_id=int(event.claim_id or 0),
        day=_day(event.created_at),
        value=event.to_status,
        rating=str((event.data or {}).get("rating") or "")[:50],
        seconds=max(waited, 0.0),
    )


def _current_outlets(claim_ids: Sequence[int]) -> dict[int, set[int]]:
    outlets: dict[int, set[int]] = {}
    rows = (
        Appearance.objects.filter(claim_id__in=claim_ids, current=True, article__outlet__isnull=False)
        .order_by()
        .values_list("claim_id", "article__outlet_id")
        .distinct()
    )
    for claim_id, outlet_id in rows:
        outlets.setdefault(claim_id, set()).add(outlet_id)
    return outlets


def _recount(
    tally: ClaimTally,
    facts: dict[str, Any],
    outlets: set[int],
    counts: Counter[Key],
    outlet_changes: Counter[int],
) -> None:
    """Bring the claim's found day and outlets in line with the claim as it is now."""
    counted = tally.live and facts["origin"] != Claim.Origin.IMPORTED and facts["seen"] is not None
    found_on = _day(facts["seen"]) if counted else None
    if found_on != tally.found_on:
        if tally.found_on is not None:
            counts[(DayCount.Metric.FOUND, "", tally.found_on)] -= 1
        if found_on is not None:
            counts[(DayCount.Metric.FOUND, "", found_on)] += 1
        tally.found_on = found_on
    now = outlets if tally.live else set()
    before = set(tally.outlets)
    for outlet_id in now - before:
        outlet_changes[outlet_id] += 1
    for outlet_id in before - now:
        outlet_changes[outlet_id] -= 1
    tally.outlets = sorted(now)


def _save(
    tallies: dict[int, ClaimTally],
    *,
    new_ids: set[int],
    counts: Counter[Key],
    outlet_changes: Counter[int],
    samples: list[VerdictSample],
) -> None:
    fields = ["counted_as", "live", "found_on", "outlets", "event"]
    ClaimTally.objects.bulk_create([tallies[claim_id] for claim_id in sorted(new_ids)], batch_size=1000)
    ClaimTally.objects.bulk_update(
        [tally for claim_id, tally in sorted(tallies.items()) if claim_id not in new_ids],
        fields,
        batch_size=1000,
    )
    VerdictSample.objects.bulk_create(samples, ignore_conflicts=True)
    _add_day_counts({key: n for key, n in sorted(counts.items()) if n})
    _add_outlet_counts({outlet_id: n for outlet_id, n in sorted(outlet_changes.items()) if n})


def _add_day_counts(changes: dict[Key, int]) -> None:
    """Add to the day counts in one statement (an upsert that adds, on PostgreSQL and SQLite alike)."""
    if not changes:
        return
    table = connection.ops.quote_name(DayCount._meta.db_table)
    rows = ", ".join(["(%s, %s, %s, %s)"] * len(changes))
    params: list[Any] = [
        value for (metric, key, day), n in changes.items() for value in (metric, key, day, n)
    ]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (metric, key, day, n) VALUES {rows} "
            f"ON CONFLICT (metric, key, day) DO UPDATE SET n = {table}.n + excluded.n",
            params,
        )


def _add_outlet_counts(changes: dict[int, int]) -> None:
    if not changes:
        return
    table = connection.ops.quote_name(OutletTally._meta.db_table)
    rows = ", ".join(["(%s, %s)"] * len(changes))
    params = [value for outlet_id, n in changes.items() for value in (outlet_id, n)]
    with connection.cursor() as cursor:
        cursor.execute(
            f"INSERT INTO {table} (outlet_id, claims) VALUES {rows} "
            f"ON CONFLICT (outlet_id) DO UPDATE SET claims = {table}.claims + excluded.claims",
            params,
        )


# --- Rebuilding from the log

REBUILD_BATCH = 5000


def rebuild(*, batch: int = REBUILD_BATCH, progress: Any = None) -> int:
    """Recompute every count from the whole event log; returns how many events were read.

    Holds the consumer's cursor for the whole run, so the consumer waits and then
    goes on from where the rebuild stopped; the page shows the old counts until
    the rebuild commits.
    """
    with transaction.atomic():
        cursor, _ = EventCursor.objects.get_or_create(name=CONSUMER)
        cursor = EventCursor.objects.select_for_update().get(pk=cursor.pk)
        for model in (DayCount, VerdictSample, OutletTally, ClaimTally):
            model.objects.all().delete()
        position, read = 0, 0
        while True:
            events = list(ClaimEvent.objects.filter(pk__gt=position).order_by("pk")[:batch])
            if not events:
                break
            tally_events(events)
            position = events[-1].pk
            read += len(events)
            if progress is not None:
                progress(read)
        cursor.position = position
        cursor.failures = 0
        cursor.last_error = ""
        cursor.save(update_fields=["position", "failures", "last_error", "updated_at"])
    return read


def consumer_position() -> int:
    return EventCursor.objects.filter(name=CONSUMER).values_list("position", flat=True).first() or 0


def events_behind() -> int:
    """How many of the latest event ids the counts have not reached yet (0: up to date)."""
    latest = ClaimEvent.objects.order_by("-pk").values_list("pk", flat=True).first() or 0
    return max(latest - consumer_position(), 0)
