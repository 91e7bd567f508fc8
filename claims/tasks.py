"""Celery tasks: thin wrappers that take ids and call services. Safe to run twice.

Nothing imports this module but ``ClaimsConfig.ready`` (which registers the
tasks); services queue tasks by name through ``claims.background``.
"""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from . import events, extraction, filing, ingest, stats
from .models import Article


@shared_task(
    autoretry_for=(OperationalError,),
    retry_backoff=True,
    max_retries=5,
    acks_late=True,
    name="claims.tasks.extract_article",
)
def extract_article(article_id: int, revision: int | None = None) -> str:
    article = filing.do_extract_article(article_id=article_id, revision=revision)
    return article.extraction_status


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
