"""Articles arriving: checked, stored idempotently on ``external_id``, queued for extraction.

A new article or a changed body writes an event and queues extraction after
the commit; the same body again changes nothing.
"""

from __future__ import annotations

import hashlib
import logging
from dataclasses import dataclass
from datetime import datetime

from django.conf import settings
from django.db import IntegrityError, transaction
from django.utils import timezone

from . import background, extraction, roles
from .actors import Actor
from .errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from .events import EventType, record_event
from .models import Article, ArticleRevision, Outlet
from .titles import first_real_sentence

logger = logging.getLogger(__name__)

FORMATS = ("text", "html")


@dataclass(frozen=True)
class ArticleInput:
    body: str
    external_id: str = ""
    url: str = ""
    title: str = ""
    outlet: str = ""
    published_at: datetime | None = None
    format: str = "text"


@dataclass(frozen=True)
class IngestResult:
    article: Article
    created: bool
    changed: bool


def content_hash(*, body: str, fmt: str) -> str:
    return hashlib.sha256(f"{fmt}\0{body}".encode()).hexdigest()


def check_article_body(*, body: str, fmt: str) -> None:
    """Refuse what can never be an article: empty, binary, oversized or of an unknown format."""
    if fmt not in FORMATS:
        raise InvalidInput(f"Unsupported format {fmt!r}; use one of: {', '.join(FORMATS)}.")
    if len(body.encode("utf-8", errors="surrogatepass")) > settings.MAX_ARTICLE_BYTES:
        raise PayloadTooLarge(f"Article body is larger than {settings.MAX_ARTICLE_BYTES} bytes.")
    if not body.strip():
        raise InvalidInput("Article body is empty.")
    if extraction.looks_binary(body):
        raise InvalidInput("Article body looks like binary data, not text.")
    if "\x00" in body:
        raise InvalidInput("Article body contains a null character, which no text article has.")


def default_title(body: str) -> str:
    """The title of an article the CMS sent without one: its first real sentence, cut at a word."""
    return first_real_sentence(body)


def outlet_named(name: str) -> Outlet | None:
    """The outlet of this name, whatever its case ("Daily", "daily", "DAILY "), created when new."""
    name = name.strip()[:200]
    if not name:
        return None
    existing = Outlet.objects.filter(name__iexact=name).order_by("pk").first()
    if existing is not None:
        return existing
    outlet, _ = Outlet.objects.get_or_create(name=name)
    return outlet


# Column sizes: values past them are refused with a message rather than failing in the database.
FIELD_LIMITS = {"external_id": 255, "url": 2000, "title": 500, "outlet": 200}


def check_article_fields(*, data: ArticleInput) -> None:
    for name, limit in FIELD_LIMITS.items():
        value = getattr(data, name)
        if len(value) > limit:
            message = f"{name} is longer than {limit} characters."
            raise InvalidInput(message, data={"fields": {name: [message]}})
        if "\x00" in value:
            message = f"{name} contains a null character."
            raise InvalidInput(message, data={"fields": {name: [message]}})


def do_ingest_article(*, data: ArticleInput, actor: Actor | None = None) -> IngestResult:
    """Store an article, idempotent on ``external_id``; re-extract only when the body changed.

    ``actor`` is who sent it: the CMS integration's key (its articles are its
    own namespace of external ids) or nobody for files read from disk.
    """
    check_article_body(body=data.body, fmt=data.format)
    check_article_fields(data=data)
    digest = content_hash(body=data.body, fmt=data.format)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _ingest_locked(data=data, digest=digest, actor=actor)
        except IntegrityError:
            # A concurrent request created the same external_id first: retry as an update.
            if attempt == 1 or not data.external_id:
                raise
    raise AssertionError("unreachable")


def _ingest_locked(*, data: ArticleInput, digest: str, actor: Actor | None) -> IngestResult:
    integration = actor.integration if actor else None
    existing = None
    if data.external_id:
        existing = (
            Article.objects.select_for_update()
            .filter(integration=integration, external_id=data.external_id)
            .first()
        )
    outlet = outlet_named(data.outlet)
    title = data.title.strip() or default_title(data.body)
    if existing is None:
        article = Article.objects.create(
            integration=integration,
            external_id=data.external_id,
            url=data.url,
            title=title,
            outlet=outlet,
            published_at=data.published_at,
            body=data.body,
            format=data.format,
            content_hash=digest,
            extraction_since=timezone.now(),
        )
        _keep_revision(article)
        record_event(
            EventType.ARTICLE_RECEIVED,
            article=article,
            actor=actor,
            to_status=article.extraction_status,
            data={"revision": article.revision, "external_id": article.external_id},
        )
        _schedule_extraction(article)
        return IngestResult(article=article, created=True, changed=True)

    changed = existing.content_hash != digest
    existing.url = data.url or existing.url
    existing.title = data.title.strip() or existing.title or title
    existing.outlet = outlet or existing.outlet
    existing.published_at = data.published_at or existing.published_at
    previous_status = existing.extraction_status
    if changed:
        existing.body = data.body
        existing.format = data.format
        existing.content_hash = digest
        existing.revision += 1
        existing.extraction_status = Article.Extraction.PENDING
        existing.extraction_error = ""
        existing.extraction_note = ""
        existing.extraction_attempts = 0
        existing.extraction_since = timezone.now()
    existing.save()
    if changed:
        _keep_revision(existing)
        record_event(
            EventType.ARTICLE_REVISED,
            article=existing,
            actor=actor,
            from_status=previous_status,
            to_status=existing.extraction_status,
            data={"revision": existing.revision, "external_id": existing.external_id},
        )
        _schedule_extraction(existing)
    return IngestResult(article=existing, created=False, changed=changed)


def _keep_revision(article: Article) -> None:
    ArticleRevision.objects.create(
        article=article,
        number=article.revision,
        body=article.body,
        format=article.format,
        content_hash=article.content_hash,
    )


def _schedule_extraction(article: Article) -> None:
    """Queue the extraction after the commit.

    robust: with the broker unreachable the article is stored all the same and
    the answer is not an error; it stays ``pending`` and the sweeper
    (``claims.sweeper``) queues it once the broker is back.
    """
    article_id, revision = article.pk, article.revision
    transaction.on_commit(lambda: background.enqueue_extraction(article_id, revision), robust=True)


def do_request_reextraction(*, article_id: int, reason: str = "", actor: Actor | None = None) -> Article:
    """Queue a fresh extraction of the current revision (after an extractor upgrade, or a retry)."""
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            raise NotFound(f"Article {article_id} does not exist.")
        previous = article.extraction_status
        Article.objects.filter(pk=article.pk).update(
            extraction_status=Article.Extraction.PENDING,
            extraction_attempts=0,
            extraction_since=timezone.now(),
        )
        record_event(
            EventType.ARTICLE_REQUEUED,
            article=article,
            actor=actor,
            from_status=previous,
            to_status=Article.Extraction.PENDING,
            reason=reason,
            data={"revision": article.revision},
        )
        _schedule_extraction(article)
    article.refresh_from_db()
    return article


def do_retry_extraction(*, article_id: int, actor: Actor | None) -> Article:
    """Try a failed extraction again, from a clean attempt count."""
    if actor is not None and actor.integration is None and not actor.has_role(roles.EDITOR):
        raise Forbidden(
            "Only an editor or an integration's key may retry an extraction.",
            data={"required_role": roles.EDITOR},
        )
    with transaction.atomic():
        article = Article.objects.select_for_update().filter(pk=article_id).first()
        if article is None:
            raise NotFound(f"Article {article_id} does not exist.")
        if article.extraction_status != Article.Extraction.FAILED:
            raise Conflict(
                f"Article {article_id} is {article.extraction_status}; "
                "only a failed extraction can be retried.",
                data={"extraction_status": article.extraction_status},
            )
        return do_request_reextraction(
            article_id=article_id, actor=actor, reason=f"retry after: {article.extraction_error}"[:2000]
        )
