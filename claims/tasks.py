"""Celery tasks: thin wrappers that take ids and call services. Safe to run twice.

Nothing imports this module but ``ClaimsConfig.ready`` (which registers the
tasks); services queue tasks by name through ``claims.background``.
"""

from __future__ import annotations

import logging
import random

from celery import Task, shared_task
from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import InterfaceError, OperationalError
from kombu.exceptions import OperationalError as KombuOperationalError
from redis.exceptions import ConnectionError as RedisConnectionError

from . import events, extraction, filing, ingest, jobs, stats, sweeper
from .errors import NotFound
from .models import Article, ReextractionJob

logger = logging.getLogger(__name__)


# Errors that say "try again later", not "this article is bad".
TRANSIENT_ERRORS: tuple[type[Exception], ...] = (
    OperationalError,
    InterfaceError,
    KombuOperationalError,
    RedisConnectionError,
)
RETRY_BASE_SECONDS = 5
# Below the broker's visibility timeout, so a waiting retry is never delivered twice.
RETRY_MAX_SECONDS = 120


def retry_countdown(retries: int) -> float:
    """Exponential backoff with full jitter: 5 s, 10 s, 20 s ... capped, spread so retries do not stampede."""
    return random.uniform(0.5, 1.0) * min(RETRY_MAX_SECONDS, RETRY_BASE_SECONDS * 2**retries)


@shared_task(
    bind=True,
    acks_late=True,
    reject_on_worker_lost=True,
    soft_time_limit=settings.EXTRACTION_SOFT_TIME_LIMIT,
    time_limit=settings.EXTRACTION_TIME_LIMIT,
    max_retries=max(0, settings.EXTRACTION_MAX_ATTEMPTS - 1),
    name="claims.tasks.extract_article",
)
def extract_article(self: Task, article_id: int, revision: int | None = None) -> str:
    """Extract one article revision; never leaves it running.

    Transient errors are retried with backoff; an extraction out of time, or
    any other error, fails the article with a readable reason (no retry: the
    same input fails the same way). A delivery that killed its worker is
    redelivered, and counted by the service, which gives up after
    EXTRACTION_MAX_ATTEMPTS deliveries.
    """
    try:
        return filing.do_extract_article(article_id=article_id, revision=revision).extraction_status
    except NotFound:
        return "gone"
    except TRANSIENT_ERRORS as exc:
        if self.request.retries >= (self.max_retries or 0):
            _fail(article_id, revision, f"The database or broker kept failing: {type(exc).__name__}: {exc}")
            return "failed"
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries)) from exc
    except SoftTimeLimitExceeded:
        _fail(article_id, revision, f"Extraction took longer than {settings.EXTRACTION_SOFT_TIME_LIMIT} s.")
        return "failed"
    except Exception as exc:
        logger.exception("filing the extraction of article %s failed", article_id)
        _fail(article_id, revision, f"Could not file the extraction: {type(exc).__name__}: {exc}")
        return "failed"


def _fail(article_id: int, revision: int | None, reason: str) -> None:
    current = Article.objects.filter(pk=article_id).values_list("revision", flat=True).first()
    if current is not None and revision in (None, current):
        filing.do_fail_extraction(article_id=article_id, revision=current, reason=reason)


@shared_task(name="claims.tasks.sweep_stale_articles")
def sweep_stale_articles() -> dict[str, int]:
    """Queue again the articles whose extraction was lost or died (failing the hopeless ones,
    leaving those still waiting in the queue), and the re-extraction jobs that stopped moving."""
    result = sweeper.do_sweep_stale_articles()
    resumed = jobs.do_resume_stalled_jobs()
    return {
        "requeued": result.requeued,
        "failed": result.failed,
        "not_sent": result.not_sent,
        "waiting": result.waiting,
        "jobs": resumed,
    }


@shared_task(bind=True, acks_late=True, name="claims.tasks.run_reextraction_job")
def run_reextraction_job(self: Task, job_id: int) -> str:
    """One chunk of a re-extraction job, then the next chunk as a new task (so workers interleave).

    Run in-process (no broker), the whole job runs here, chunk after chunk.
    """
    try:
        if self.request.is_eager:
            while jobs.do_run_chunk(job_id=job_id):
                pass
            return "done"
        more = jobs.do_run_chunk(job_id=job_id)
    except NotFound:
        return "gone"
    except TRANSIENT_ERRORS as exc:
        raise self.retry(exc=exc, countdown=retry_countdown(self.request.retries), max_retries=None) from exc
    except Exception as exc:
        logger.exception("re-extraction job %s failed", job_id)
        ReextractionJob.objects.filter(pk=job_id).update(
            state=ReextractionJob.State.FAILED, error=f"{type(exc).__name__}: {exc}"[:2000]
        )
        return "failed"
    if more:
        run_reextraction_job.delay(job_id)
        return "running"
    return "done"


@shared_task(name="claims.tasks.reextract_outdated")
def reextract_outdated(limit: int = 500) -> int:
    """Queue articles extracted by an older extractor version, newest first."""
    outdated = (
        Article.objects.exclude(extractor_version=extraction.EXTRACTOR_VERSION)
        .exclude(extraction_status__in=[Article.Extraction.PENDING, Article.Extraction.RUNNING])
        .order_by("-id")
        .values_list("pk", flat=True)[:limit]
    )
    count = 0
    for article_id in outdated:
        ingest.do_request_reextraction(
            article_id=article_id, reason=f"extractor upgraded to {extraction.EXTRACTOR_VERSION}"
        )
        count += 1
    return count


@shared_task(name="claims.tasks.refresh_priorities")
def refresh_priorities(days: int = 14, batch: int = 500) -> int:
    """Recompute the priority of recently seen or repeated claims, so time-based parts fade."""
    return stats.do_refresh_recent_priorities(days=days, batch=batch)


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=3,
    acks_late=True,
    name="claims.tasks.dispatch_events",
)
def dispatch_events() -> dict[str, int]:
    """Run every consumer of the event log over the events after its cursor.

    Queued after each commit that records events, and run by beat every
    minute, so an event whose enqueue was lost is still delivered.
    """
    return events.dispatch()
