"""The event log: what happened to every claim and article, and the consumers that read it.

Every change of a claim or an article writes exactly one row through
``record_event`` in the same transaction as the change. The log is also the
outbox: side effects (priority, webhooks, digests, notifications) are
*consumers* that read it by cursor, never hooks that a crash between the commit
and the hook would lose.

How an event reaches a consumer:

1. ``record_event`` inserts the row and asks, once per transaction, for a
   dispatch after the commit (``transaction.on_commit``). Commits in a burst
   share one dispatch: the first marks a dispatch pending (a cache key) and
   queues it; the others, seeing the mark, queue none. The dispatch clears the
   mark before it reads the log, so every commit either came before that read
   (and is handled by it) or finds no mark and queues a dispatch of its own.
2. The dispatch task runs every registered consumer over the events after its
   cursor. The cursor moves in the same transaction as the consumer's own
   writes, so each event is handled once, even when two dispatches race (the
   cursor row is locked) or a worker dies mid-batch (nothing was committed).
3. Beat runs the same dispatch every minute, so an event whose after-commit
   enqueue was lost (broker down, process killed) is still delivered.

Cursors are event ids, so ids must be handed out in commit order: a transaction
that took id 10 and commits after the one that took id 11 would otherwise be
skipped by a cursor already at 11. On PostgreSQL every transaction that records
an event holds a transaction-level advisory lock from its first event to its
commit, so ids are allocated in commit order; services record their events at
the end of their work, which keeps that window short. SQLite serialises writers
anyway.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.core.cache import cache
from django.db import IntegrityError, connection, transaction

from . import background
from .event_types import ARTICLE_EVENTS, STORIES, EventType
from .models import ClaimEvent, EventCursor

__all__ = [
    "ARTICLE_EVENTS",
    "STORIES",
    "Consumer",
    "EventType",
    "describe_event",
    "dispatch",
    "new_event",
    "record_event",
    "record_events",
    "register_consumer",
]

if TYPE_CHECKING:
    from .actors import Actor
    from .models import Article, Claim

logger = logging.getLogger(__name__)


class _Details(dict[str, Any]):
    def __missing__(self, key: str) -> str:
        return "?"


def describe_event(event: ClaimEvent) -> str:
    """One line of a claim's or an article's story, from its event."""
    data = event.data or {}
    details = _Details({key: value for key, value in data.items() if value is not None})
    source = "a primary source" if data.get("primary") else "a source"
    host = urlsplit(str(data.get("url", ""))).netloc
    details["evidence"] = f"{source} ({data.get('stance', 'context')}){f': {host}' if host else ''}"
    details.setdefault("assignee", "someone")
    details.setdefault("value", "")
    if isinstance(data.get("appearances"), list):
        details["count"] = len(data["appearances"])
    try:
        template = STORIES[EventType(event.action)]
    except ValueError:
        return event.action.replace("_", " ").capitalize()
    return template.format_map(details)


# --- Writing


# One key for the whole log: transactions that record events commit one at a time.
_EVENT_LOG_LOCK = 0x0FAC7C4EC0E7E175


def record_event(
    event_type: EventType,
    /,
    *,
    claim: Claim | None = None,
    article: Article | None = None,
    actor: Actor | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ClaimEvent:
    """Append one event about a claim or an article, in the caller's transaction."""
    event = new_event(
        event_type,
        claim=claim,
        article=article,
        actor=actor,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data,
    )
    with transaction.atomic():
        _hold_event_log_lock()
        event.save()
    _schedule_dispatch()
    return event


def new_event(
    event_type: EventType,
    /,
    *,
    claim: Claim | None = None,
    article: Article | None = None,
    actor: Actor | None = None,
    from_status: str = "",
    to_status: str = "",
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ClaimEvent:
    """An event not yet written: ``record_events`` writes many of them in one statement."""
    event_type = EventType(event_type)
    if claim is None and article is None:
        raise ValueError("An event is about a claim or an article.")
    return ClaimEvent(
        action=event_type,
        claim=claim,
        article=article,
        actor=actor.user if actor else None,
        integration=actor.integration if actor else None,
        from_status=from_status,
        to_status=to_status,
        reason=reason,
        data=data or {},
    )


def record_events(events: Sequence[ClaimEvent]) -> list[ClaimEvent]:
    """Append events built by ``new_event``, in this order, in the caller's transaction (one insert)."""
    if not events:
        return []
    if any(event.pk is not None for event in events):
        raise ValueError("ClaimEvent rows are append-only")
    with transaction.atomic(savepoint=False):  # no savepoint: a failed insert fails the caller's work
        _hold_event_log_lock()
        created = ClaimEvent.objects.bulk_create(events)
    _schedule_dispatch()
    return created


def _hold_event_log_lock() -> None:
    if connection.vendor == "postgresql":
        with connection.cursor() as cursor:
            cursor.execute("SELECT pg_advisory_xact_lock(%s)", [_EVENT_LOG_LOCK])


def _schedule_dispatch() -> None:
    """Ask for one dispatch after the commit, however many events the transaction records."""
    conn = transaction.get_connection()
    if conn.in_atomic_block and any(func is _enqueue_dispatch for _, func, _ in conn.run_on_commit):
        return
    # robust: a broker that is down must not turn a committed change into an error;
    # the beat sweep dispatches what this enqueue could not.
    transaction.on_commit(_enqueue_dispatch, robust=True)


# Set while a dispatch is queued and has not started reading the log (see the module's docstring).
DISPATCH_PENDING_KEY = "events:dispatch-pending"
# A mark whose dispatch was lost (its worker died before it started) lapses after this; until
# then commits queue no dispatch of their own, and beat's minutely dispatch delivers their events.
DISPATCH_PENDING_SECONDS = 60


def _enqueue_dispatch() -> None:
    if not _mark_dispatch_pending():
        return  # a queued dispatch has not read the log yet: it will handle this commit's events
    try:
        background.enqueue(background.DISPATCH_EVENTS)
    except Exception:
        _clear_dispatch_pending()  # the next commit asks again; beat covers this one
        raise


def _mark_dispatch_pending() -> bool:
    """Mark a dispatch pending; False when one already was. Without the cache, always True."""
    try:
        return bool(cache.add(DISPATCH_PENDING_KEY, 1, timeout=DISPATCH_PENDING_SECONDS))
    except Exception:
        logger.warning("cache unreachable: queueing a dispatch for this commit", exc_info=True)
        return True


def _clear_dispatch_pending() -> None:
    try:
        cache.delete(DISPATCH_PENDING_KEY)
    except Exception:
        logger.warning("cache unreachable: the dispatch-pending mark lapses by itself", exc_info=True)


# --- Consumers

Handler = Callable[[Sequence[ClaimEvent]], object]


@dataclass(frozen=True)
class Consumer:
    """A reader of the event log.

    ``handle`` gets the events after the cursor that it asked for (``types``;
    None for all), oldest first, and runs in the transaction that moves the
    cursor past them. It must be idempotent per event: after a failure the same
    events come again, and a consumer that writes to the outside world records
    what it sent (for example one delivery row per event) instead of sending
    from here.
    """

    name: str
    handle: Handler
    types: frozenset[EventType] | None = None

    def wants(self, event: ClaimEvent) -> bool:
        return self.types is None or event.action in self.types


_consumers: dict[str, Consumer] = {}

BATCH_SIZE = 500
# Batches one consumer works through per dispatch before it lets the others run.
MAX_BATCHES = 20
# Attempts at an event that keeps failing before the consumer skips it (logged, on the cursor).
MAX_ATTEMPTS = 5


def register_consumer(consumer: Consumer) -> None:
    """Register a consumer (from an AppConfig.ready()). Registering the same name again replaces it."""
    _consumers[consumer.name] = consumer


def unregister_consumer(name: str) -> None:
    _consumers.pop(name, None)


def consumers() -> list[Consumer]:
    return list(_consumers.values())


def dispatch(*, names: Iterable[str] | None = None) -> dict[str, int]:
    """Run consumers over the events after their cursors; returns how many events each handled."""
    wanted = set(names) if names is not None else None
    if wanted is None:
        # Before reading the log: a commit from now on queues a dispatch of its own.
        _clear_dispatch_pending()
    handled = {}
    for consumer in consumers():
        if wanted is None or consumer.name in wanted:
            handled[consumer.name] = _run(consumer)
    return handled


def _run(consumer: Consumer) -> int:
    total = 0
    for _ in range(MAX_BATCHES):
        done, more = _run_batch(consumer)
        total += done
        if not more:
            break
    return total


def _locked_cursor(name: str) -> EventCursor:
    try:
        with transaction.atomic():
            EventCursor.objects.get_or_create(name=name)
    except IntegrityError:
        pass  # created by a concurrent dispatch meanwhile
    return EventCursor.objects.select_for_update().get(name=name)


def _run_batch(consumer: Consumer) -> tuple[int, bool]:
    """Handle one batch; returns (events passed, whether more may follow)."""
    with transaction.atomic():
        cursor = _locked_cursor(consumer.name)
        events = list(ClaimEvent.objects.filter(pk__gt=cursor.position).order_by("pk")[:BATCH_SIZE])
        if not events:
            return 0, False
        wanted = [event for event in events if consumer.wants(event)]
        try:
            with transaction.atomic():
                if wanted:
                    consumer.handle(wanted)
        except Exception:
            logger.exception("consumer %s failed on a batch; retrying event by event", consumer.name)
            passed = _run_one_by_one(consumer, cursor, events)
            return passed, passed == len(events)
        cursor.position = events[-1].pk
        cursor.failures = 0
        cursor.save(update_fields=["position", "failures", "updated_at"])
        return len(events), len(events) == BATCH_SIZE


def _run_one_by_one(consumer: Consumer, cursor: EventCursor, events: list[ClaimEvent]) -> int:
    """Find the event that fails: handle the ones before it, retry it next time, skip it at last."""
    passed = 0
    for event in events:
        if consumer.wants(event):
            try:
                with transaction.atomic():
                    consumer.handle([event])
            except Exception as exc:
                cursor.failures += 1
                error = f"event {event.pk}: {type(exc).__name__}: {exc}"[:2000]
                if cursor.failures < MAX_ATTEMPTS:
                    logger.warning("consumer %s: %s (attempt %s)", consumer.name, error, cursor.failures)
                    cursor.last_error = error
                    break  # the next dispatch tries this event again
                logger.error("consumer %s skips %s after %s attempts", consumer.name, error, cursor.failures)
                cursor.last_error = f"skipped after {cursor.failures} attempts: {error}"
        cursor.position = event.pk
        cursor.failures = 0
        passed += 1
    cursor.save(update_fields=["position", "failures", "last_error", "updated_at"])
    return passed
