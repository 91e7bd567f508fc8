"""Re-extraction jobs: many articles extracted again after an extractor upgrade.

A job names its articles by a filter (all, received since a date, one outlet),
counts them, and is worked through a chunk at a time by the maintenance queue:
each chunk reads the next ids after the job's position, extracts those
articles one by one (one body in memory at a time) and moves the position in
the same transaction as the counts. A worker restart loses at most the chunk
in hand, and the sweeper queues a job again when it has not moved for a while.
Claims are never deleted by an extraction, so reviewed claims keep their verdicts.
"""

from __future__ import annotations

import logging
from datetime import datetime, timedelta
from typing import Any

from django.conf import settings
from django.db import transaction
from django.db.models import F, Q, QuerySet
from django.utils import timezone
from django.utils.dateparse import parse_datetime

from . import background
from .actors import Actor
from .errors import InvalidInput, NotFound
from .filing import do_extract_article
from .models import Article, Outlet, ReextractionJob

logger = logging.getLogger(__name__)

CHUNK_SIZE = 50
RUN_JOB = "claims.tasks.run_reextraction_job"


def check_job_filter(*, all: bool = False, since: datetime | None = None, outlet: str = "") -> dict[str, Any]:
    """Exactly one of: every article, those received since a date, or one outlet's."""
    chosen = [name for name, value in (("all", all), ("since", since), ("outlet", outlet.strip())) if value]
    if len(chosen) != 1:
        raise InvalidInput("Choose exactly one of: all articles, --since DATE, or --outlet NAME.")
    if outlet.strip():
        if not Outlet.objects.filter(name__iexact=outlet.strip()).exists():
            raise InvalidInput(f"No outlet named {outlet.strip()!r}.")
        return {"outlet": outlet.strip()}
    if since is not None:
        return {"since": since.isoformat()}
    return {"all": True}


def job_articles(job_filter: dict[str, Any]) -> QuerySet[Article]:
    articles = Article.objects.all()
    if "outlet" in job_filter:
        articles = articles.filter(outlet__name__iexact=job_filter["outlet"])
    if "since" in job_filter:
        since = parse_datetime(job_filter["since"])
        articles = articles.filter(created_at__gte=since)
    return articles


def do_create_job(*, job_filter: dict[str, Any], actor: Actor | None = None) -> ReextractionJob:
    """Record the job and queue its first chunk after the commit."""
    with transaction.atomic():
        job = ReextractionJob.objects.create(
            created_by=actor.user if actor else None,
            filter=job_filter,
            total=job_articles(job_filter).count(),
        )
        job_id = job.pk
        transaction.on_commit(lambda: background.enqueue(RUN_JOB, job_id), robust=True)
    return job


def do_run_chunk(*, job_id: int, chunk_size: int = CHUNK_SIZE) -> bool:
    """Extract the next chunk of the job's articles; returns whether more remain."""
    with transaction.atomic():
        job = ReextractionJob.objects.select_for_update().filter(pk=job_id).first()
        if job is None:
            raise NotFound(f"Job {job_id} does not exist.")
        if job.state in (ReextractionJob.State.DONE, ReextractionJob.State.FAILED):
            return False
        ids = list(
            job_articles(job.filter)
            .filter(pk__gt=job.position)
            .order_by("pk")
            .values_list("pk", flat=True)[:chunk_size]
        )
        if not ids:
            now = timezone.now()
            ReextractionJob.objects.filter(pk=job.pk).update(
                state=ReextractionJob.State.DONE, finished_at=now, updated_at=now
            )
            return False
        ReextractionJob.objects.filter(pk=job.pk).update(
            state=ReextractionJob.State.RUNNING, updated_at=timezone.now()
        )
    done = failed = 0
    position = ids[0] - 1
    for article_id in ids:
        try:
            article = do_extract_article(article_id=article_id, force=True)
        except NotFound:
            article = None  # deleted meanwhile: nothing to do
        except Exception:
            # A database error here is the job's problem, not the article's: stop, keep the position.
            logger.exception("re-extraction job %s stopped at article %s", job_id, article_id)
            _advance(job_id, position=position, done=done, failed=failed)
            raise
        done += 1
        if article is not None and article.extraction_status == Article.Extraction.FAILED:
            failed += 1
        position = article_id
    _advance(job_id, position=position, done=done, failed=failed)
    return True


def _advance(job_id: int, *, position: int, done: int, failed: int) -> None:
    """Record a chunk's progress. ``updated_at`` moves with it, so beat takes a job for stalled only when
    no chunk ended within ``EXTRACTION_STALE_SECONDS`` (a chunk takes seconds)."""
    ReextractionJob.objects.filter(pk=job_id, position__lt=position).update(
        position=position, done=F("done") + done, failed=F("failed") + failed, updated_at=timezone.now()
    )


def do_resume_stalled_jobs() -> int:
    """Queue again the jobs that stopped moving (a worker restarted mid-chunk)."""
    cutoff = timezone.now() - timedelta(seconds=settings.EXTRACTION_STALE_SECONDS)
    stalled = list(
        ReextractionJob.objects.filter(
            Q(state=ReextractionJob.State.RUNNING) | Q(state=ReextractionJob.State.PENDING),
            updated_at__lt=cutoff,
        ).values_list("pk", flat=True)
    )
    for job_id in stalled:
        ReextractionJob.objects.filter(pk=job_id).update(updated_at=timezone.now())
        try:
            background.enqueue(RUN_JOB, job_id)
        except Exception as exc:
            logger.warning("could not queue re-extraction job %s again: %s", job_id, exc)
    return len(stalled)


def access_job(*, job_id: int) -> ReextractionJob:
    job = ReextractionJob.objects.select_related("created_by").filter(pk=job_id).first()
    if job is None:
        raise NotFound(f"Job {job_id} does not exist.")
    return job
