"""Filing an extraction: run the pipeline on an article and file its sentences as claims.

A sentence becomes an appearance of a claim: a known claim when the matcher
finds one (a repeat of a fact-checked claim is announced), a new claim
otherwise. Claims are never deleted, so verdicts survive any number of
re-extractions; appearances of older revisions are kept, no longer current.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from celery.exceptions import SoftTimeLimitExceeded
from django.conf import settings
from django.db import connection, transaction
from django.db.models import Case, F, Value, When
from django.utils import timezone

from . import article_matching, extraction, matching, quotes, revisions
from .boilerplate import outlet_boilerplate_lines
from .errors import NotFound
from .events import EventType, new_event, record_event, record_events
from .ingest import default_title
from .models import Appearance, Article, ArticleRevision, Claim, ClaimEvent, ClaimLink
from .stats import do_refresh_claim_stats

logger = logging.getLogger(__name__)

# Stored fields have bounds; extraction output is cut to them, never a crash.
SPEAKER_MAX = 200


def do_extract_article(*, article_id: int, revision: int | None = None, force: bool = False) -> Article:
    """Run the extraction pipeline on an article and file its claims.

    Idempotent: running it twice on the same revision and extractor version
    changes nothing, so a duplicate delivery files nothing twice. Each delivery
    is counted; past ``EXTRACTION_MAX_ATTEMPTS`` (a task that keeps killing its
    worker) the article is failed with the reason instead of tried again. An
    extractor crash fails the article with a readable reason; database errors
    propagate, for the task to retry.
    """
    article = Article.objects.filter(pk=article_id).select_related("outlet").first()
    if article is None:
        raise NotFound(f"Article {article_id} does not exist.")
    if revision is not None and revision != article.revision:
        logger.info("article %s: revision %s superseded by %s", article_id, revision, article.revision)
        return article
    if not force and _up_to_date(article):
        return article

    attempts = _count_attempt(article, force=force)
    if attempts > settings.EXTRACTION_MAX_ATTEMPTS:
        do_fail_extraction(
            article_id=article.pk,
            revision=article.revision,
            reason=(
                f"Gave up after {attempts - 1} attempts: the extraction was interrupted every time "
                "(worker killed, out of memory or out of time). Retry it once the cause is fixed."
            ),
        )
        return Article.objects.get(pk=article.pk)
    try:
        result = extraction.extract(
            article.body, article.format, outlet_lines=outlet_boilerplate_lines(article=article)
        )
    except SoftTimeLimitExceeded:
        raise
    except Exception as exc:
        logger.exception("extraction of article %s crashed", article_id)
        do_fail_extraction(
            article_id=article.pk,
            revision=article.revision,
            reason=f"extractor error: {type(exc).__name__}: {exc}",
        )
        return Article.objects.get(pk=article.pk)

    # The slow part of filing (the embedding model) runs here, before the transaction: a
    # filing holds its locks for database work only, so concurrent filings do not queue.
    queries = article_matching.prepare(
        article=article,
        sentences=result.claims if result.status == "done" else [],
        reference=reference_date(article),
    )
    with transaction.atomic(), matching.batched_term_counts():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.revision != article.revision:
            # The body changed while we were extracting; the newer task will do the work.
            return locked
        if not force and _up_to_date(locked):
            return locked  # a duplicate delivery filed it meanwhile
        _file_claims(article=locked, result=result, queries=queries)
    locked.refresh_from_db()
    return locked


def reference_date(article: Article) -> datetime:
    """The date relative periods ("last year") of the article's sentences are read against."""
    return article.published_at or article.created_at


# How the extractor says it kept a sentence out of the queue whatever its score (claims.extraction).
_KEPT_OUT = ("kept out of the queue: ", "not filed: ")


def kept_out_of_queue(sentence: extraction.Sentence) -> str:
    """Why the extractor kept a sentence out of the queue whatever its score ("opinion", "procedural",
    "over the claim limit of the article"); "" when only its score (or its length) did."""
    if sentence.check_worthy:
        return ""
    for reason in sentence.reasons:
        for prefix in _KEPT_OUT:
            if reason.startswith(prefix):
                return reason.removeprefix(prefix)
    return ""


def _up_to_date(article: Article) -> bool:
    return (
        article.extraction_status == Article.Extraction.DONE
        and article.extracted_revision == article.revision
        and article.extractor_version == extraction.EXTRACTOR_VERSION
    )


def _count_attempt(article: Article, *, force: bool = False) -> int:
    """Mark the article running and count this delivery; returns the count so far.

    The count is of deliveries since the article's last finished extraction: a
    re-extraction of a done article (an extractor upgrade, a job) starts again
    at one, so only deliveries that never finish add up to
    ``EXTRACTION_MAX_ATTEMPTS``. A failed article starts again only when forced
    (a job): a delivery left in the broker after the article was failed for
    killing its workers must not start the count over.
    """
    finished = [Article.Extraction.DONE, Article.Extraction.FAILED] if force else [Article.Extraction.DONE]
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(
            extraction_status=Article.Extraction.RUNNING,
            extraction_attempts=Case(
                When(extraction_status__in=finished, then=Value(1)), default=F("extraction_attempts") + 1
            ),
            extraction_since=timezone.now(),
        )
        return Article.objects.values_list("extraction_attempts", flat=True).get(pk=article.pk)


def do_fail_extraction(*, article_id: int, revision: int, reason: str) -> bool:
    """Fail an unfinished extraction of this revision with a reason a person can act on.

    Returns False when there was nothing to fail (the article moved on: a newer
    revision, or the extraction finished meanwhile).
    """
    reason = reason[:2000]
    with transaction.atomic():
        article = (
            Article.objects.select_for_update()
            .filter(
                pk=article_id,
                revision=revision,
                extraction_status__in=[Article.Extraction.PENDING, Article.Extraction.RUNNING],
            )
            .first()
        )
        if article is None:
            return False
        previous = article.extraction_status
        Article.objects.filter(pk=article.pk).update(
            extraction_status=Article.Extraction.FAILED, extraction_error=reason, extraction_since=None
        )
        record_event(
            EventType.ARTICLE_FAILED,
            article=article,
            from_status=previous,
            to_status=Article.Extraction.FAILED,
            reason=reason,
            data={"revision": revision, "error": reason, "attempts": article.extraction_attempts},
        )
    return True


@dataclass
class _Filing:
    """What one filing did, recorded as events at its end (see claims.events on the lock)."""

    article: Article
    touched: set[int] = field(default_factory=set)
    created: list[Claim] = field(default_factory=list)
    repeated: list[Claim] = field(default_factory=list)
    # Changes to known claims, written together in id order at the end: rows updated in sentence
    # order deadlocked against other filings and the priority consumer, which go in id order.
    updates: dict[int, dict[str, Any]] = field(default_factory=dict)
    source_changed: dict[int, revisions.Change] = field(default_factory=dict)
    # The new sentences' verbatim quotations and the known claims that carry them (claims.quotes).
    quotations: quotes.ArticleQuotations = field(default_factory=quotes.ArticleQuotations)
    links: list[ClaimLink] = field(default_factory=list)
    # Known claims a new claim conflicts with: their priority shows the conflict too.
    conflicting: list[Claim] = field(default_factory=list)

    def record(self, last: ClaimEvent) -> None:
        """Write the filing's events, then ``last`` (the article's), in one statement."""
        events = [
            new_event(
                EventType.SOURCE_CHANGED,
                claim=change.before.claim,
                reason=f"{self.article}: {revisions.describe_change(change)}",
                data={
                    "article": self.article.pk,
                    "revision": self.article.revision,
                    "before": change.before.text,
                    "after": change.after.text if change.after else None,
                    "new_claim": change.after.claim_id if change.after else None,
                    "change": revisions.describe_change(change),
                },
            )
            for change in self.source_changed.values()
        ]
        events += [
            new_event(
                EventType.CREATED, claim=claim, to_status=claim.status, data={"article": self.article.pk}
            )
            for claim in self.created
        ]
        events += [
            new_event(
                EventType.REPEATED,
                claim=claim,
                reason=f"Repeated in {self.article}; already {claim.verdict}",
                data={"article": self.article.pk, "verdict": claim.verdict, "review_url": claim.review_url},
            )
            for claim in self.repeated
        ]
        record_events([*events, last])

    def amend(self, claim: Claim) -> list[str]:
        """Apply this filing's changes to a known claim as locked and read by the stats refresh."""
        update = self.updates.get(claim.pk, {})
        changed = []
        if "last_seen" in update:
            claim.last_seen = max(filter(None, [claim.last_seen, update["last_seen"]]))
            changed.append("last_seen")
        if update.get("speaker") and not claim.speaker:
            claim.speaker = update["speaker"]
            changed.append("speaker")
        for name in ("repeated_at", "source_changed_at"):
            if name in update:
                setattr(claim, name, update[name])
                changed.append(name)
        return changed


def _file_claims(
    *, article: Article, result: extraction.ExtractionResult, queries: dict[tuple[int, str], matching.Query]
) -> None:
    now = timezone.now()
    filing = _Filing(article=article)
    current = list(Appearance.objects.filter(article=article, current=True).select_related("claim"))
    filing.touched.update(appearance.claim_id for appearance in current)

    if result.text.strip() and article.title == default_title(article.body):
        # A title taken from the raw body's first line may be boilerplate ("Support us!"):
        # the cleaned text's first line is the better default.
        article.title = default_title(result.text)
    previous_status = article.extraction_status
    # A revision extracted again (a new extractor, a job) keeps the record of what its edit changed.
    again = article.extracted_revision == article.revision
    article.text = result.text
    article.language = result.language
    article.removed = [{"text": block.text, "reason": block.reason} for block in result.removed]
    article.sentences = [
        {
            "start": s.start,
            "end": s.end,
            "score": round(s.score, 4),
            "check_worthy": s.check_worthy,
            "kind": s.kind,
            **({"kept_out": why} if (why := kept_out_of_queue(s)) else {}),
        }
        for s in result.sentences
    ]
    article.extractor_version = result.version
    article.extracted_revision = article.revision
    article.extracted_at = now
    done = result.status == "done"
    article.extraction_status = Article.Extraction.DONE if done else Article.Extraction.FAILED
    article.extraction_error = "" if done else result.reason
    article.extraction_note = result.reason if done else ""
    article.extraction_since = None

    changes: dict[str, Any] = {}
    if done:
        changes = _file_sentences(
            article=article, current=current, result=result, queries=queries, filing=filing, now=now
        )
    else:
        Appearance.objects.filter(article=article, article_revision=article.revision).delete()
        Appearance.objects.filter(article=article, current=True).update(current=False)
    article.save()
    revision = ArticleRevision.objects.filter(article=article, number=article.revision)
    if again:  # the record stands, unless the extraction that made it failed (and recorded nothing)
        revision.exclude(changes={}).update(extracted_at=now)
        revision.filter(changes={}).update(changes=changes, extracted_at=now)
    else:
        revision.update(changes=changes, extracted_at=now)
    do_refresh_claim_stats(claim_ids=filing.touched, amend=filing.amend)
    filing.record(
        new_event(
            EventType.ARTICLE_EXTRACTED if done else EventType.ARTICLE_FAILED,
            article=article,
            from_status=previous_status,
            to_status=article.extraction_status,
            reason=result.reason,
            data={
                "revision": article.revision,
                "extractor_version": result.version,
                "claims": len(result.claims) if done else 0,
                "new_claims": len(filing.created),
                **({} if done else {"error": result.reason}),
            },
        )
    )


def _file_sentences(
    *,
    article: Article,
    current: list[Appearance],
    result: extraction.ExtractionResult,
    queries: dict[tuple[int, str], matching.Query],
    filing: _Filing,
    now: datetime,
) -> dict[str, Any]:
    """Keep unchanged sentences' appearances, file new ones, retire the rest; returns the changes.

    The new sentences are matched together (``claims.article_matching``) and
    their claims, index rows, links and appearances written a statement per
    table, however many sentences the article has.
    """
    reconciled = revisions.reconcile(
        current=current,
        sentences=result.claims,
        others=[sentence for sentence in result.sentences if not sentence.check_worthy],
    )
    # A sentence gone from the same revision (a new extractor splits differently) leaves no history;
    # one gone from an earlier body stays on record, no longer current.
    same_body = [a.pk for a in reconciled.gone if a.article_revision == article.revision]
    earlier = [a for a in reconciled.gone if a.article_revision != article.revision]
    if same_body:
        Appearance.objects.filter(pk__in=same_body).delete()
    if earlier:
        Appearance.objects.filter(pk__in=[a.pk for a in earlier]).update(current=False)
    revisions.move_kept(kept=reconciled.kept, revision=article.revision, speaker_max=SPEAKER_MAX)

    fresh = reconciled.fresh
    _lock_sentences([sentence.text for sentence in fresh])
    filing.quotations = quotes.ArticleQuotations.read(article=article, text=result.text, sentences=fresh)
    missing = [s for s in fresh if article_matching.sentence_key(s) not in queries]
    if missing:  # sentences prepare() did not see (the article changed meanwhile)
        queries = {
            **queries,
            **article_matching.prepare(article=article, sentences=missing, reference=reference_date(article)),
        }
    matcher = article_matching.ArticleMatcher([queries[article_matching.sentence_key(s)] for s in fresh])
    planned: list[tuple[Claim, float | None]] = []
    for sentence in fresh:
        planned.append(
            _claim_for_sentence(
                sentence=sentence,
                query=queries[article_matching.sentence_key(sentence)],
                matcher=matcher,
                seen_at=article.published_at or now,
                filing=filing,
            )
        )
        # later sentences of this article find the quotation too
        filing.quotations.remember(planned[-1][0], sentence)
    _announce_repeats(article=article, claims=[claim for claim, _ in planned], filing=filing)
    _save_new_claims(matcher=matcher, filing=filing)
    added = Appearance.objects.bulk_create(
        [
            _appearance(article, sentence, claim, match_score, filing)
            for sentence, (claim, match_score) in zip(fresh, planned, strict=True)
        ]
    )
    filing.quotations.save()  # after the new claims: their rows point at them
    filing.touched.update(claim.pk for claim, _ in planned)
    filing.touched.update(other.pk for other in filing.conflicting)

    paired = revisions.pair_changes(gone=earlier, added=added)
    still_here = {appearance.claim_id for appearance, _ in reconciled.kept} | {a.claim_id for a in added}
    for change in paired:
        claim = change.before.claim
        if claim.verdict and claim.pk not in still_here and claim.pk not in filing.source_changed:
            filing.updates.setdefault(claim.pk, {})["source_changed_at"] = now
            filing.source_changed[claim.pk] = change
    return revisions.summary(changes=paired, added=added)


def _claim_for_sentence(
    *,
    sentence: extraction.Sentence,
    query: matching.Query,
    matcher: article_matching.ArticleMatcher,
    seen_at: datetime,
    filing: _Filing,
) -> tuple[Claim, float | None]:
    """The claim a sentence states (known, or new and not saved yet) and how closely it matched."""
    speaker = sentence.speaker[:SPEAKER_MAX]
    # The same verbatim quotation from the same speaker is the same claim, whatever surrounds it.
    decision = filing.quotations.decision(sentence) or quotes.speakers_agree(matcher.match(query), sentence)
    if decision.claim is not None:
        claim = decision.claim
        if claim.pk is None:  # a claim this filing creates, from an earlier sentence of the article
            claim.last_seen = max(filter(None, [claim.last_seen, seen_at]))
            claim.speaker = claim.speaker or speaker
        else:
            update = filing.updates.setdefault(claim.pk, {})
            update["last_seen"] = max(filter(None, [update.get("last_seen"), seen_at]))
            if speaker:
                update.setdefault("speaker", speaker)
        return claim, decision.score

    claim = Claim(
        text=sentence.text,
        normalized_text=matching.normalize(sentence.text),
        fingerprint=matching.fingerprint(sentence.text),
        kind=sentence.kind,
        speaker=speaker,
        score=min(1.0, max(0.0, sentence.score)),
        reasons=list(sentence.reasons),
        figures=[f.as_dict() for f in sentence.figures],
        first_seen=seen_at,
        last_seen=seen_at,
    )
    filing.created.append(claim)
    matcher.add(claim, query)
    for kind, others in (
        (ClaimLink.Kind.SUGGESTED_MATCH, decision.suggestions),
        (ClaimLink.Kind.FIGURE_CONFLICT, decision.conflicts),
        (ClaimLink.Kind.SERIES, decision.series),
    ):
        filing.links += [
            ClaimLink(from_claim=claim, to_claim=other, kind=kind, score=s) for other, s in others
        ]
    # The older claims now have a conflict too: their priority shows it (refreshed with the rest).
    filing.conflicting += [other for other, _ in decision.conflicts]
    return claim, None


@dataclass(frozen=True)
class Filed:
    """One sentence filed on its own: its claim (new or known), its appearance, and what that meant."""

    claim: Claim
    appearance: Appearance
    new_claim: bool
    repeated: bool  # a known claim with a verdict, repeated in this article for the first time


def file_one_sentence(
    *, article: Article, sentence: extraction.Sentence, query: matching.Query, appearance: dict[str, Any]
) -> Filed:
    """File one sentence of the article's current text as an extraction files each new sentence.

    The same matching (verbatim quotations, then the matcher), a new claim with
    its fingerprint, index terms and links or an appearance of a known one, the
    claims' statistics refreshed. No event is recorded: the caller's action
    records its own. ``appearance`` adds fields to the new appearance. Runs in
    the caller's transaction, with the article locked.
    """
    filing = _Filing(article=article)
    _lock_sentences([sentence.text])
    filing.quotations = quotes.ArticleQuotations.read(
        article=article, text=article.text, sentences=[sentence]
    )
    matcher = article_matching.ArticleMatcher([query])
    claim, match_score = _claim_for_sentence(
        sentence=sentence,
        query=query,
        matcher=matcher,
        seen_at=article.published_at or timezone.now(),
        filing=filing,
    )
    filing.quotations.remember(claim, sentence)
    _announce_repeats(article=article, claims=[claim], filing=filing)
    _save_new_claims(matcher=matcher, filing=filing)
    added = _appearance(article, sentence, claim, match_score, filing, **appearance)
    added.save(force_insert=True)
    filing.quotations.save()
    do_refresh_claim_stats(
        claim_ids={claim.pk, *(other.pk for other in filing.conflicting)}, amend=filing.amend
    )
    claim.refresh_from_db()
    return Filed(
        claim=claim, appearance=added, new_claim=bool(filing.created), repeated=bool(filing.repeated)
    )


def _appearance(
    article: Article,
    sentence: extraction.Sentence,
    claim: Claim,
    match_score: float | None,
    filing: _Filing,
    **extra: Any,
) -> Appearance:
    """The (unsaved) appearance of ``sentence`` of the article's current revision as ``claim``."""
    return Appearance(
        claim=claim,
        article=article,
        article_revision=article.revision,
        text=sentence.text,
        start=sentence.start,
        end=sentence.end,
        score=sentence.score,
        speaker=sentence.speaker[:SPEAKER_MAX],
        match_score=match_score,
        match_reason=filing.quotations.reason(sentence),
        **extra,
    )


def _announce_repeats(*, article: Article, claims: list[Claim], filing: _Filing) -> None:
    """A known claim with a verdict repeated here is announced once per article, ever: not again
    for a second sentence of it, nor when the article is extracted again."""
    checked = list(dict.fromkeys(claim for claim in claims if claim.pk is not None and claim.verdict))
    if not checked:
        return
    announced = set(
        ClaimEvent.objects.filter(
            claim__in=[claim.pk for claim in checked], action=EventType.REPEATED, data__article=article.pk
        ).values_list("claim_id", flat=True)
    )
    for claim in checked:
        if claim.pk not in announced:
            filing.updates.setdefault(claim.pk, {})["repeated_at"] = timezone.now()
            filing.repeated.append(claim)


def _save_new_claims(*, matcher: article_matching.ArticleMatcher, filing: _Filing) -> None:
    """Write the filing's new claims, their index and their links: a statement per table."""
    if not filing.created:
        return
    Claim.objects.bulk_create(filing.created)
    matching.index_new_claims([(claim, matcher.query_of(claim)) for claim in filing.created])
    ClaimLink.objects.bulk_create(filing.links, ignore_conflicts=True)


def _lock_sentences(texts: list[str]) -> None:
    """Serialise concurrent extractions of the same sentences until the transaction ends.

    Two articles carrying the same new wire sentence, extracted at the same
    moment by two workers, would otherwise both find no claim and create two.
    On PostgreSQL a transaction-level advisory lock keyed by each sentence's
    fingerprint makes the second wait and then find the first one's claim.
    The locks are taken up front in one order (by key): taken sentence by
    sentence, two articles sharing wire sentences in a different order
    deadlocked (83 deadlocks in 100 articles from two workers, each one a
    retried task). SQLite serialises writers anyway.
    """
    if connection.vendor != "postgresql" or not texts:
        return
    keys = sorted(
        {int.from_bytes(bytes.fromhex(matching.fingerprint(t)[:16]), "big", signed=True) for t in texts}
    )
    with connection.cursor() as cursor:
        # One statement; unnest yields the sorted array in its order, so the locks are taken by key.
        cursor.execute("SELECT count(pg_advisory_xact_lock(k)) FROM unnest(%s::bigint[]) AS k", [keys])
