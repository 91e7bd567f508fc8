"""The sweeper: extractions that were lost or died go back to the queue, and finally fail.

An article can be left ``pending`` (the broker was down when it arrived, or the
message was lost) or ``running`` (its worker was killed). Beat runs
``do_sweep_stale_articles`` every minute over the articles pending or running
for longer than ``EXTRACTION_STALE_SECONDS``:

- a pending article whose extraction holds a live lease (``claims.background``)
  is waiting in the queue: it is left alone and its lease renewed, however long
  the queue;
- a pending article without a lease (Redis lost its data, the enqueue failed) is
  queued again, and ``extraction_since`` restarts the wait;
- a running article that went stale (its worker died) is queued again, and one
  whose extraction was already delivered ``EXTRACTION_MAX_ATTEMPTS`` times is
  failed with the reason.
"""

from __future__ import annotations

import logging
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import datetime, timedelta

import redis
from django.conf import settings
from django.db.models import Q
from django.utils import timezone

from . import background
from .filing import do_fail_extraction
from .models import Article

logger = logging.getLogger(__name__)

SWEEP_BATCH = 500
UNFINISHED = (Article.Extraction.PENDING, Article.Extraction.RUNNING)


@dataclass(frozen=True)
class SweepResult:
    requeued: int
    failed: int
    not_sent: int
    waiting: int = 0


def do_sweep_stale_articles(*, limit: int = SWEEP_BATCH) -> SweepResult:
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.EXTRACTION_STALE_SECONDS)
    due: list[tuple[int, int, int]] = []
    waiting = not_sent = 0
    for chunk in _stale_chunks(cutoff):
        pending = [(pk, rev) for pk, rev, _, status in chunk if status == Article.Extraction.PENDING]
        unknown: set[tuple[int, int]] = set()
        try:
            queued = background.waiting_extractions(pending)
        except redis.RedisError as exc:  # the broker cannot be asked: the pending ones wait a sweep
            logger.warning("sweeper could not read the extraction leases: %s", exc)
            queued, unknown = set(), set(pending)
        for pk, revision, attempts, _ in chunk:
            if (pk, revision) in unknown:
                not_sent += 1
            elif (pk, revision) in queued:
                waiting += 1
            elif len(due) < limit:
                due.append((pk, revision, attempts))
    requeued = failed = 0
    for article_id, revision, attempts in due:
        if attempts >= settings.EXTRACTION_MAX_ATTEMPTS:
            reason = (
                f"Gave up after {attempts} attempts: the extraction never finished "
                "(worker killed, out of memory or out of time). Retry it once the cause is fixed."
            )
            failed += do_fail_extraction(article_id=article_id, revision=revision, reason=reason)
            continue
        try:
            background.enqueue_extraction(article_id, revision)
        except Exception as exc:  # the broker is still down: the next sweep tries again
            logger.warning("sweeper could not queue article %s: %s", article_id, exc)
            not_sent += 1
            continue
        # Sent again: the wait for this message starts now.
        Article.objects.filter(
            pk=article_id,
            revision=revision,
            extraction_status__in=UNFINISHED,
        ).update(extraction_since=now)
        requeued += 1
    return SweepResult(requeued=requeued, failed=failed, not_sent=not_sent, waiting=waiting)


def _stale_chunks(cutoff: datetime) -> Iterator[list[tuple[int, int, int, str]]]:
    """Every unfinished article older than the cutoff, in chunks of SWEEP_BATCH by id."""
    stale = (
        Article.objects.filter(extraction_status__in=UNFINISHED)
        .filter(Q(extraction_since__lt=cutoff) | Q(extraction_since__isnull=True, updated_at__lt=cutoff))
        .order_by("pk")
    )
    after = 0
    while True:
        chunk = list(
            stale.filter(pk__gt=after).values_list(
                "pk", "revision", "extraction_attempts", "extraction_status"
            )[:SWEEP_BATCH]
        )
        if not chunk:
            return
        yield chunk
        after = chunk[-1][0]
