"""The sweeper: extractions that were lost or died go back to the queue, and finally fail.

An article can be left ``pending`` (the broker was down when it arrived, or the
message was lost) or ``running`` (its worker was killed). Beat runs
``do_sweep_stale_articles`` every minute: an article pending or running for
longer than ``EXTRACTION_STALE_SECONDS`` is queued again; one whose extraction
was already delivered ``EXTRACTION_MAX_ATTEMPTS`` times is failed with the reason.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import timedelta

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


def do_sweep_stale_articles(*, limit: int = SWEEP_BATCH) -> SweepResult:
    now = timezone.now()
    cutoff = now - timedelta(seconds=settings.EXTRACTION_STALE_SECONDS)
    stale = list(
        Article.objects.filter(
            extraction_status__in=UNFINISHED,
        )
        .filter(Q(extraction_since__lt=cutoff) | Q(extraction_since__isnull=True, updated_at__lt=cutoff))
        .order_by("extraction_since", "pk")
        .values_list("pk", "revision", "extraction_attempts")[:limit]
    )
    requeued = failed = not_sent = 0
    for article_id, revision, attempts in stale:
        if attempts >= settings.EXTRACTION_MAX_ATTEMPTS:
            reason = (
                f"Gave up after {attempts} attempts: the extraction never finished "
                "(worker killed, out of memory or out of time). Retry it once the cause is fixed."
            )
            failed += do_fail_extraction(article_id=article_id, revision=revision, reason=reason)
            continue
        try:
            background.enqueue(background.EXTRACT_ARTICLE, article_id, revision)
        except Exception as exc:  # the broker is still down: the next sweep tries again
            logger.warning("sweeper could not queue article %s: %s", article_id, exc)
            not_sent += 1
            continue
        # The next sweep waits a full period before sending it again.
        Article.objects.filter(
            pk=article_id,
            revision=revision,
            extraction_status__in=UNFINISHED,
        ).update(extraction_since=now)
        requeued += 1
    return SweepResult(requeued=requeued, failed=failed, not_sent=not_sent)
