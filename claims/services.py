"""Every write of the claim tracker: ingest, extraction, claim bookkeeping.

Services are keyword-only, typed functions. They validate, change state inside
``transaction.atomic()``, write ClaimEvents, and schedule side effects (Celery
tasks) with ``transaction.on_commit`` so nothing runs for a rolled-back change.
"""

from __future__ import annotations

import hashlib
import logging
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from django.conf import settings
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, F, Q
from django.utils import timezone

from . import extraction, matching, similarity
from .errors import Conflict, Forbidden, InvalidInput, NotFound, PayloadTooLarge
from .models import Appearance, Article, Claim, ClaimEvent, ClaimLink, Evidence, Outlet, Verdict

if TYPE_CHECKING:
    from django.contrib.auth.models import User

    from integrations.models import Integration

    from .workflow import Actor

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


def default_title(body: str) -> str:
    for line in body.splitlines():
        line = line.strip()
        if line:
            return line[:200]
    return ""


def get_or_create_outlet(*, name: str) -> Outlet | None:
    name = name.strip()
    if not name:
        return None
    outlet, _ = Outlet.objects.get_or_create(name=name)
    return outlet


def ingest_article(*, data: ArticleInput, integration: Integration | None = None) -> IngestResult:
    """Store an article, idempotent on ``external_id``; re-extract only when the body changed."""
    check_article_body(body=data.body, fmt=data.format)
    digest = content_hash(body=data.body, fmt=data.format)
    for attempt in range(2):
        try:
            with transaction.atomic():
                return _ingest_locked(data=data, digest=digest, integration=integration)
        except IntegrityError:
            # A concurrent request created the same external_id first: retry as an update.
            if attempt == 1 or not data.external_id:
                raise
    raise AssertionError("unreachable")


def _ingest_locked(*, data: ArticleInput, digest: str, integration: Integration | None) -> IngestResult:
    existing = None
    if data.external_id:
        existing = (
            Article.objects.select_for_update()
            .filter(integration=integration, external_id=data.external_id)
            .first()
        )
    outlet = get_or_create_outlet(name=data.outlet)
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
        )
        _schedule_extraction(article)
        return IngestResult(article=article, created=True, changed=True)

    changed = existing.content_hash != digest
    existing.url = data.url or existing.url
    existing.title = data.title.strip() or existing.title or title
    existing.outlet = outlet or existing.outlet
    existing.published_at = data.published_at or existing.published_at
    if changed:
        existing.body = data.body
        existing.format = data.format
        existing.content_hash = digest
        existing.revision += 1
        existing.extraction_status = Article.Extraction.PENDING
        existing.extraction_error = ""
        existing.extraction_note = ""
    existing.save()
    if changed:
        _schedule_extraction(existing)
    return IngestResult(article=existing, created=False, changed=changed)


def _schedule_extraction(article: Article) -> None:
    from .tasks import extract_article

    article_id, revision = article.pk, article.revision
    transaction.on_commit(lambda: extract_article.delay(article_id, revision))


def request_reextraction(*, article: Article) -> None:
    """Queue a fresh extraction of the current revision (for example after an extractor upgrade)."""
    with transaction.atomic():
        Article.objects.filter(pk=article.pk).update(extraction_status=Article.Extraction.PENDING)
        _schedule_extraction(article)


def outlet_boilerplate_lines(*, article: Article, sample: int = 30, min_articles: int = 2) -> set[str]:
    """Line keys that recur in several other articles of the same outlet: a boilerplate signal.

    Read from the outlet's already extracted articles, as the cleaner saw them:
    the kept text plus what it removed. That is the same for plain text and
    HTML (whose raw lines are markup), and never re-reads large raw bodies.
    """
    if article.outlet_id is None:
        return set()
    extracted = (
        Article.objects.filter(outlet_id=article.outlet_id, extracted_revision__gt=0)
        .exclude(pk=article.pk)
        .order_by("-id")
        .values_list("text", "removed")[:sample]
    )
    counts: dict[str, int] = {}
    for text, removed in extracted:
        lines = text.splitlines() + [line for block in removed for line in block.get("text", "").splitlines()]
        for key in {extraction.line_key(line) for line in lines if line.strip()}:
            counts[key] = counts.get(key, 0) + 1
    return {key for key, n in counts.items() if n >= min_articles and key}


def extract_article(*, article_id: int, revision: int | None = None, force: bool = False) -> Article:
    """Run the extraction pipeline on an article and file its claims.

    Idempotent: running it twice on the same revision and extractor version
    changes nothing. Claims are never deleted, so verdicts survive any number
    of re-extractions; appearances of older revisions are kept, no longer current.
    """
    article = Article.objects.filter(pk=article_id).select_related("outlet").first()
    if article is None:
        raise NotFound(f"Article {article_id} does not exist.")
    if revision is not None and revision != article.revision:
        logger.info("article %s: revision %s superseded by %s", article_id, revision, article.revision)
        return article
    if (
        not force
        and article.extraction_status == Article.Extraction.DONE
        and article.extracted_revision == article.revision
        and article.extractor_version == extraction.EXTRACTOR_VERSION
    ):
        return article

    Article.objects.filter(pk=article.pk).update(extraction_status=Article.Extraction.RUNNING)
    try:
        result = extraction.extract(
            article.body, article.format, outlet_lines=outlet_boilerplate_lines(article=article)
        )
    except Exception as exc:
        logger.exception("extraction of article %s crashed", article_id)
        Article.objects.filter(pk=article.pk, revision=article.revision).update(
            extraction_status=Article.Extraction.FAILED, extraction_error=f"extractor error: {exc}"
        )
        raise

    with transaction.atomic():
        locked = Article.objects.select_for_update().get(pk=article.pk)
        if locked.revision != article.revision:
            # The body changed while we were extracting; the newer task will do the work.
            return locked
        _file_claims(article=locked, result=result)
    locked.refresh_from_db()
    return locked


def _file_claims(*, article: Article, result: extraction.ExtractionResult) -> None:
    now = timezone.now()
    touched: set[int] = set(
        Appearance.objects.filter(article=article, current=True).values_list("claim_id", flat=True)
    )
    Appearance.objects.filter(article=article, article_revision=article.revision).delete()
    Appearance.objects.filter(article=article, current=True).update(current=False)

    if result.text.strip() and article.title == default_title(article.body):
        # A title taken from the raw body's first line may be boilerplate ("Support us!"):
        # the cleaned text's first line is the better default.
        article.title = default_title(result.text)
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
        }
        for s in result.sentences
    ]
    article.extractor_version = result.version
    article.extracted_revision = article.revision
    article.extracted_at = now
    article.extraction_status = (
        Article.Extraction.DONE if result.status == "done" else Article.Extraction.FAILED
    )
    failed = result.status != "done"
    article.extraction_error = result.reason if failed else ""
    article.extraction_note = "" if failed else result.reason

    if result.status == "done":
        seen_at = article.published_at or now
        for sentence in result.claims:
            claim, match_score = _claim_for_sentence(sentence=sentence, article=article, seen_at=seen_at)
            Appearance.objects.create(
                claim=claim,
                article=article,
                article_revision=article.revision,
                text=sentence.text,
                start=sentence.start,
                end=sentence.end,
                score=sentence.score,
                speaker=sentence.speaker,
                match_score=match_score,
            )
            touched.add(claim.pk)
    article.save()
    refresh_claim_stats(claim_ids=touched)


def _claim_for_sentence(
    *, sentence: extraction.Sentence, article: Article, seen_at: datetime
) -> tuple[Claim, float | None]:
    """The claim a sentence states (known or new) and how closely it matched a known one."""
    figures = [f.as_dict() for f in sentence.figures]
    _lock_sentence(sentence.text)
    decision = matching.match_sentence(sentence.text, figures)
    if decision.claim is not None:
        claim = decision.claim
        update: dict[str, Any] = {"last_seen": max(filter(None, [claim.last_seen, seen_at]))}
        if not claim.speaker and sentence.speaker:
            update["speaker"] = sentence.speaker
        Claim.objects.filter(pk=claim.pk).update(**update)
        # A re-extraction of the same article is not a new repeat.
        announced = ClaimEvent.objects.filter(claim=claim, action="repeated", data__article=article.pk)
        if claim.verdict and not announced.exists():
            Claim.objects.filter(pk=claim.pk).update(repeated_at=timezone.now())
            record_event(
                claim=claim,
                action="repeated",
                reason=f"Repeated in {article}; already {claim.verdict}",
                data={"article": article.pk, "verdict": claim.verdict, "review_url": claim.review_url},
            )
        return claim, decision.score

    claim = Claim.objects.create(
        text=sentence.text,
        normalized_text=matching.normalize(sentence.text),
        fingerprint=matching.fingerprint(sentence.text),
        kind=sentence.kind,
        speaker=sentence.speaker,
        score=min(1.0, max(0.0, sentence.score)),
        reasons=list(sentence.reasons),
        figures=figures,
        first_seen=seen_at,
        last_seen=seen_at,
    )
    record_event(claim=claim, action="created", to_status=claim.status, data={"article": article.pk})
    matching.index_claim(claim)
    for other, score in decision.suggestions:
        link_claims(from_claim=claim, to_claim=other, kind=ClaimLink.Kind.SUGGESTED_MATCH, score=score)
    for other, score in decision.conflicts:
        link_claims(from_claim=claim, to_claim=other, kind=ClaimLink.Kind.FIGURE_CONFLICT, score=score)
    if decision.conflicts:
        # The older claims now have a conflict too: their priority shows it.
        refresh_claim_stats(claim_ids=[other.pk for other, _ in decision.conflicts])
    return claim, None


def _lock_sentence(text: str) -> None:
    """Serialise concurrent extractions of the same sentence until the transaction ends.

    Two articles carrying the same new wire sentence, extracted at the same
    moment by two workers, would otherwise both find no claim and create two.
    On PostgreSQL a transaction-level advisory lock keyed by the sentence's
    fingerprint makes the second wait and then find the first one's claim.
    SQLite serialises writers anyway.
    """
    if connection.vendor != "postgresql":
        return
    key = int.from_bytes(bytes.fromhex(matching.fingerprint(text)[:16]), "big", signed=True)
    with connection.cursor() as cursor:
        cursor.execute("SELECT pg_advisory_xact_lock(%s)", [key])


def link_claims(
    *, from_claim: Claim, to_claim: Claim, kind: str, score: float | None = None, note: str = ""
) -> None:
    ClaimLink.objects.get_or_create(
        from_claim=from_claim, to_claim=to_claim, kind=kind, defaults={"score": score, "note": note}
    )


def refresh_claim_stats(*, claim_ids: Iterable[int]) -> None:
    """Recount appearances and outlets of claims and recompute their queue priority."""
    ids = list(claim_ids)
    if not ids:
        return
    from .priority import compute_priority

    stats = (
        Claim.objects.filter(pk__in=ids)
        .annotate(
            n_appearances=Count("appearances", filter=Q(appearances__current=True), distinct=True),
            n_outlets=Count(
                "appearances__article__outlet",
                filter=Q(appearances__current=True),
                distinct=True,
            ),
            n_conflicts=Count(
                "links_out", filter=Q(links_out__kind=ClaimLink.Kind.FIGURE_CONFLICT), distinct=True
            ),
            n_conflicts_in=Count(
                "links_in", filter=Q(links_in__kind=ClaimLink.Kind.FIGURE_CONFLICT), distinct=True
            ),
        )
        .order_by("pk")
    )
    for claim in stats:
        claim.appearance_count = claim.n_appearances
        claim.outlet_count = claim.n_outlets
        claim.priority, claim.priority_parts = compute_priority(
            claim, conflicts=claim.n_conflicts + claim.n_conflicts_in
        )
        Claim.objects.filter(pk=claim.pk).update(
            appearance_count=claim.appearance_count,
            outlet_count=claim.outlet_count,
            priority=claim.priority,
            priority_parts=claim.priority_parts,
        )


def refresh_recent_priorities(*, days: int = 14, batch: int = 500) -> int:
    """Recompute priorities of claims seen or repeated in the last ``days``: recency and repeats fade."""
    since = timezone.now() - timedelta(days=days)
    ids = list(
        Claim.objects.filter(Q(last_seen__gte=since) | Q(repeated_at__gte=since), merged_into__isnull=True)
        .order_by("pk")
        .values_list("pk", flat=True)
    )
    for start in range(0, len(ids), batch):
        refresh_claim_stats(claim_ids=ids[start : start + batch])
    return len(ids)


def record_event(
    *,
    claim: Claim,
    action: str,
    from_status: str = "",
    to_status: str = "",
    actor: User | None = None,
    integration: Integration | None = None,
    reason: str = "",
    data: dict[str, Any] | None = None,
) -> ClaimEvent:
    return ClaimEvent.objects.create(
        claim=claim,
        action=action,
        from_status=from_status,
        to_status=to_status,
        actor=actor,
        integration=integration,
        reason=reason,
        data=data or {},
    )


# --- Review: evidence, verdicts
#
# Status changes go through ``claims.workflow``; these services add what a
# verdict rests on (evidence) and the verdict revisions themselves.

EVIDENCE_SCHEMES = ("http", "https")


def check_evidence_url(*, url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in EVIDENCE_SCHEMES or not parts.netloc:
        raise InvalidInput(f"Evidence needs an http:// or https:// link to the source, not {url!r}.")
    return url


def do_add_evidence(
    *,
    claim_id: int,
    actor: Actor,
    url: str,
    title: str = "",
    publisher: str = "",
    primary: bool = False,
    stance: str = Evidence.Stance.CONTEXT,
    excerpt: str = "",
    accessed_at: datetime | None = None,
) -> Evidence:
    """Attach a source to a claim. Evidence is additive, so it does not bump the claim's version."""
    from . import roles, workflow

    workflow.check_role(actor=actor, role=roles.REVIEWER, doing="add evidence")
    url = check_evidence_url(url=url)
    if stance not in Evidence.Stance.values:
        raise InvalidInput(f"Unknown stance {stance!r}; use one of: {', '.join(Evidence.Stance.values)}.")
    with transaction.atomic():
        claim = workflow.access_claim(claim_id=claim_id)
        evidence = Evidence.objects.create(
            claim=claim,
            url=url,
            title=title.strip(),
            publisher=publisher.strip(),
            primary=primary,
            stance=stance,
            excerpt=excerpt.strip(),
            accessed_at=accessed_at or timezone.now(),
            added_by=actor.user,
        )
        record_event(
            claim=claim,
            action="evidence_added",
            actor=actor.user,
            integration=actor.integration,
            data={"evidence": evidence.pk, "url": url, "primary": primary, "stance": stance},
        )
    return evidence


def check_verdict_basis(*, claim: Claim, value: str, rationale: str) -> str:
    """A verdict says verified or disputed, says why, and rests on at least one primary source."""
    if value not in Verdict.Value.values:
        raise InvalidInput(f"Unknown verdict {value!r}; use one of: {', '.join(Verdict.Value.values)}.")
    rationale = rationale.strip()
    if not rationale:
        raise InvalidInput("A verdict needs a rationale: say what the sources show.")
    if not Evidence.objects.filter(claim=claim, primary=True).exists():
        raise InvalidInput(
            f"A verdict needs at least one primary source; claim {claim.pk} has none. "
            "Add the data, document or record itself as primary evidence first."
        )
    return rationale


def do_propose_verdict(
    *, claim_id: int, version: int | None, value: str, rationale: str, actor: Actor
) -> Verdict:
    """Record a verdict revision.

    With ``REQUIRE_SECOND_REVIEW`` it waits for another editor's approval;
    without it, it is published at once.
    """
    from . import workflow

    second_review = settings.REQUIRE_SECOND_REVIEW
    action = workflow.Action.PROPOSE if second_review else workflow.Action.DECIDE
    with transaction.atomic():
        claim = workflow.access_claim(claim_id=claim_id)
        target = workflow.check_transition(
            claim=claim,
            action=action,
            actor=actor,
            version=version,
            to=None if second_review else value,
        )
        rationale = check_verdict_basis(claim=claim, value=value, rationale=rationale)
        now = timezone.now()
        verdict = Verdict.objects.create(
            claim=claim,
            value=value,
            rationale=rationale,
            author=actor.user,
            state=Verdict.State.PROPOSED if second_review else Verdict.State.APPROVED,
            decided_by=None if second_review else actor.user,
            decided_at=None if second_review else now,
        )
        # The CAS comes after the insert so a lost race rolls the revision back with it.
        workflow.apply_transition(
            claim=claim,
            action=action,
            actor=actor,
            target=target,
            reason=rationale,
            data={"verdict": verdict.pk, "value": value},
            updates={} if second_review else {"verdict": value, "verdict_at": now},
        )
    return verdict


def _pending_verdict(*, claim: Claim) -> Verdict | None:
    return (
        Verdict.objects.filter(claim=claim, state=Verdict.State.PROPOSED)
        .select_related("author")
        .order_by("-created_at", "-id")
        .first()
    )


def _check_second_reviewer(*, verdict: Verdict | None, claim: Claim, actor: Actor, doing: str) -> Verdict:
    if verdict is None:
        raise Conflict(f"Claim {claim.pk} has no verdict awaiting approval.")
    if verdict.author_id == actor.user.pk:
        raise Forbidden(f"You proposed this verdict; another editor must {doing} it.")
    return verdict


def do_approve_verdict(*, claim_id: int, version: int | None, actor: Actor) -> Verdict:
    """A second editor approves a proposed verdict: it becomes the claim's published verdict."""
    from . import workflow

    with transaction.atomic():
        claim = workflow.access_claim(claim_id=claim_id)
        pending = _pending_verdict(claim=claim)
        target = workflow.check_transition(
            claim=claim,
            action=workflow.Action.APPROVE,
            actor=actor,
            version=version,
            to=pending.value if pending else None,
        )
        verdict = _check_second_reviewer(verdict=pending, claim=claim, actor=actor, doing="approve")
        now = timezone.now()
        workflow.apply_transition(
            claim=claim,
            action=workflow.Action.APPROVE,
            actor=actor,
            target=target,
            data={"verdict": verdict.pk, "value": verdict.value, "author": _username(verdict.author)},
            updates={"verdict": verdict.value, "verdict_at": now},
        )
        Verdict.objects.filter(pk=verdict.pk).update(
            state=Verdict.State.APPROVED, decided_by=actor.user, decided_at=now
        )
        verdict.refresh_from_db()
    return verdict


def do_reject_verdict(*, claim_id: int, version: int | None, comment: str, actor: Actor) -> Verdict:
    """A second editor sends a proposed verdict back to its reviewer with a comment."""
    from . import workflow

    comment = workflow.check_reason(reason=comment, doing="rejecting a verdict")
    with transaction.atomic():
        claim = workflow.access_claim(claim_id=claim_id)
        pending = _pending_verdict(claim=claim)
        target = workflow.check_transition(
            claim=claim, action=workflow.Action.REJECT, actor=actor, version=version
        )
        verdict = _check_second_reviewer(verdict=pending, claim=claim, actor=actor, doing="reject")
        workflow.apply_transition(
            claim=claim,
            action=workflow.Action.REJECT,
            actor=actor,
            target=target,
            reason=comment,
            data={"verdict": verdict.pk, "value": verdict.value, "author": _username(verdict.author)},
        )
        Verdict.objects.filter(pk=verdict.pk).update(
            state=Verdict.State.REJECTED, decided_by=actor.user, decided_at=timezone.now(), comment=comment
        )
        verdict.refresh_from_db()
    return verdict


def _username(user: User | None) -> str | None:
    return user.get_username() if user else None


# --- Matching: merge, split, import of past fact-checks
#
# Editors correct the matcher by hand. Every merge and split writes a ClaimEvent
# whose data holds exactly what moved, so the event alone is enough to undo it.

MERGED, SPLIT = "merged", "split"
UNDO_ACTIONS = {MERGED: "unmerged", SPLIT: "unsplit"}


def check_editor(*, actor: User, doing: str) -> None:
    from .roles import EDITOR, has_role

    if not has_role(actor, EDITOR):
        raise Forbidden(f"Only an editor may {doing}.", data={"required_role": EDITOR})


def _lock_claims(*ids: int) -> dict[int, Claim]:
    locked = {c.pk: c for c in Claim.objects.select_for_update().filter(pk__in=ids).order_by("pk")}
    for claim_id in ids:
        if claim_id not in locked:
            raise NotFound(f"Claim {claim_id} does not exist.")
    return locked


def _check_live(claim: Claim, *, doing: str) -> None:
    if claim.merged_into_id is not None:
        raise Conflict(
            f"Claim {claim.pk} was merged into claim {claim.merged_into_id}; cannot {doing} it.",
            data={"merged_into": claim.merged_into_id},
        )


def _bump_version(claim_id: int, **updates: Any) -> None:
    Claim.objects.filter(pk=claim_id).update(version=F("version") + 1, **updates)


def merge_claims(*, source: Claim, target: Claim, actor: User, version: int | None = None) -> ClaimEvent:
    """Fold ``source`` into ``target``: its appearances move over and it leaves the queue.

    ``version`` guards against merging a claim that changed since the editor saw it.
    """
    check_editor(actor=actor, doing="merge claims")
    if source.pk == target.pk:
        raise Conflict("A claim cannot be merged into itself.")
    with transaction.atomic():
        locked = _lock_claims(source.pk, target.pk)
        src, dst = locked[source.pk], locked[target.pk]
        _check_live(src, doing="merge")
        if dst.merged_into_id is not None:
            raise Conflict(
                f"Claim {dst.pk} was merged into claim {dst.merged_into_id}; merge into that one instead.",
                data={"merged_into": dst.merged_into_id},
            )
        if version is not None and version != src.version:
            raise Conflict(
                f"Claim {src.pk} changed meanwhile (version {src.version}, not {version}).",
                data={"claim": {"id": src.pk, "version": src.version}},
            )
        moved = list(Appearance.objects.filter(claim=src).order_by("pk").values_list("pk", flat=True))
        Appearance.objects.filter(pk__in=moved).update(claim=dst)
        links = _move_links(src=src, dst=dst)
        _bump_version(src.pk, merged_into=dst)
        seen = [d for d in (src.first_seen, dst.first_seen) if d]
        last = [d for d in (src.last_seen, dst.last_seen) if d]
        _bump_version(dst.pk, first_seen=min(seen) if seen else None, last_seen=max(last) if last else None)
        matching.unindex_claim(src)
        ClaimLink.objects.filter(
            Q(from_claim=src, to_claim=dst) | Q(from_claim=dst, to_claim=src),
            kind=ClaimLink.Kind.SUGGESTED_MATCH,
        ).update(resolved=True)
        event = record_event(
            claim=dst,
            action=MERGED,
            actor=actor,
            reason=f"Claim {src.pk} merged into this claim",
            data={"source": src.pk, "target": dst.pk, "appearances": moved, **links},
        )
        record_event(
            claim=src,
            action="merged_into",
            actor=actor,
            reason=f"Merged into claim {dst.pk}",
            data={"target": dst.pk, "event": event.pk},
        )
        refresh_claim_stats(claim_ids=[src.pk, dst.pk])
    return event


def _move_links(*, src: Claim, dst: Claim) -> dict[str, list[int]]:
    """Hand the merged claim's conflicts and suggestions to the claim it joins.

    Links between the two stay where they are, and so does a link the target
    already has to the same claim. Returns the ids moved, so an undo can move them back.
    """
    has_out = set(ClaimLink.objects.filter(from_claim=dst).values_list("to_claim_id", "kind"))
    has_in = set(ClaimLink.objects.filter(to_claim=dst).values_list("from_claim_id", "kind"))
    out = [
        pk
        for pk, other, kind in ClaimLink.objects.filter(from_claim=src)
        .exclude(to_claim=dst)
        .order_by("pk")
        .values_list("pk", "to_claim_id", "kind")
        if (other, kind) not in has_out
    ]
    in_ = [
        pk
        for pk, other, kind in ClaimLink.objects.filter(to_claim=src)
        .exclude(from_claim=dst)
        .order_by("pk")
        .values_list("pk", "from_claim_id", "kind")
        if (other, kind) not in has_in
    ]
    ClaimLink.objects.filter(pk__in=out).update(from_claim=dst)
    ClaimLink.objects.filter(pk__in=in_).update(to_claim=dst)
    return {"links_out": out, "links_in": in_}


def split_claim(*, claim: Claim, appearance_ids: Iterable[int], actor: User) -> ClaimEvent:
    """Move some appearances of a claim to a new claim: the matcher joined what differs."""
    check_editor(actor=actor, doing="split claims")
    wanted = sorted(set(appearance_ids))
    if not wanted:
        raise InvalidInput("Name at least one appearance to split off.")
    with transaction.atomic():
        original = _lock_claims(claim.pk)[claim.pk]
        _check_live(original, doing="split")
        moving = list(
            Appearance.objects.filter(claim=original, pk__in=wanted).order_by("article_id", "start")
        )
        unknown = sorted(set(wanted) - {a.pk for a in moving})
        if unknown:
            raise InvalidInput(
                f"Appearance(s) {', '.join(map(str, unknown))} do not belong to claim {original.pk}.",
                data={"appearances": unknown},
            )
        if not Appearance.objects.filter(claim=original, current=True).exclude(pk__in=wanted).exists():
            raise Conflict(
                f"Splitting off every current appearance would leave claim {original.pk} empty; "
                "split off fewer appearances or dismiss the claim."
            )
        first = moving[0]
        seen = [a.article.published_at or a.created_at for a in moving]
        new = Claim.objects.create(
            text=first.text,
            normalized_text=matching.normalize(first.text),
            fingerprint=matching.fingerprint(first.text),
            kind=original.kind,
            speaker=first.speaker or original.speaker,
            score=min(1.0, max(0.0, max(a.score for a in moving))),
            reasons=list(original.reasons),
            figures=[f.as_dict() for f in similarity.parse_figures(first.text)],
            origin=original.origin,
            first_seen=min(seen),
            last_seen=max(seen),
        )
        Appearance.objects.filter(pk__in=wanted).update(claim=new)
        _bump_version(original.pk)
        matching.index_claim(new)
        event = record_event(
            claim=original,
            action=SPLIT,
            actor=actor,
            reason=f"{len(wanted)} appearance(s) split off into claim {new.pk}",
            data={"source": original.pk, "new_claim": new.pk, "appearances": wanted},
        )
        record_event(
            claim=new,
            action="created",
            actor=actor,
            to_status=new.status,
            reason=f"Split off claim {original.pk}",
            data={"split_from": original.pk, "event": event.pk},
        )
        refresh_claim_stats(claim_ids=[original.pk, new.pk])
    return event


def undo_event(*, claim: Claim, event_id: int, actor: User) -> ClaimEvent:
    """Undo a merge or a split, given its event on ``claim``."""
    check_editor(actor=actor, doing="undo merges and splits")
    with transaction.atomic():
        event = ClaimEvent.objects.select_for_update().filter(pk=event_id, claim_id=claim.pk).first()
        if event is None:
            raise NotFound(f"Claim {claim.pk} has no event {event_id}.")
        if event.action not in UNDO_ACTIONS:
            raise Conflict(f"Only a merge or a split can be undone; event {event_id} is {event.action!r}.")
        if ClaimEvent.objects.filter(action=UNDO_ACTIONS[event.action], data__undoes=event.pk).exists():
            raise Conflict(f"Event {event_id} was already undone.")
        if event.action == MERGED:
            return _undo_merge(event=event, actor=actor)
        return _undo_split(event=event, actor=actor)


def _undo_merge(*, event: ClaimEvent, actor: User) -> ClaimEvent:
    target_id, source_id = event.claim_id, int(event.data["source"])
    locked = _lock_claims(source_id, target_id)
    src, dst = locked[source_id], locked[target_id]
    if src.merged_into_id != dst.pk:
        raise Conflict(f"Claim {src.pk} is no longer merged into claim {dst.pk}.")
    back = list(event.data.get("appearances", []))
    Appearance.objects.filter(pk__in=back, claim=dst).update(claim=src)
    ClaimLink.objects.filter(pk__in=event.data.get("links_out", []), from_claim=dst).update(from_claim=src)
    ClaimLink.objects.filter(pk__in=event.data.get("links_in", []), to_claim=dst).update(to_claim=src)
    _bump_version(src.pk, merged_into=None)
    _bump_version(dst.pk)
    src.refresh_from_db()
    matching.index_claim(src)
    undo = record_event(
        claim=dst,
        action=UNDO_ACTIONS[MERGED],
        actor=actor,
        reason=f"Merge of claim {src.pk} undone",
        data={"undoes": event.pk, "source": src.pk, "appearances": back},
    )
    record_event(claim=src, action="restored", actor=actor, data={"undoes": event.pk, "event": undo.pk})
    refresh_claim_stats(claim_ids=[src.pk, dst.pk])
    return undo


def _undo_split(*, event: ClaimEvent, actor: User) -> ClaimEvent:
    original_id, new_id = event.claim_id, int(event.data["new_claim"])
    locked = _lock_claims(original_id, new_id)
    original, new = locked[original_id], locked[new_id]
    _check_live(original, doing="undo the split of")
    _check_live(new, doing="fold back")
    back = list(event.data.get("appearances", []))
    if Appearance.objects.filter(claim=new).exclude(pk__in=back).exists():
        raise Conflict(
            f"Claim {new.pk} has new appearances since the split; merge it into claim {original.pk} instead."
        )
    Appearance.objects.filter(pk__in=back, claim=new).update(claim=original)
    links = _move_links(src=new, dst=original)
    _bump_version(new.pk, merged_into=original)
    _bump_version(original.pk)
    matching.unindex_claim(new)
    undo = record_event(
        claim=original,
        action=UNDO_ACTIONS[SPLIT],
        actor=actor,
        reason=f"Split into claim {new.pk} undone",
        data={"undoes": event.pk, "new_claim": new.pk, "appearances": back, **links},
    )
    record_event(claim=new, action="merged_into", actor=actor, data={"target": original.pk, "event": undo.pk})
    refresh_claim_stats(claim_ids=[original.pk, new.pk])
    return undo


# Ratings that say plainly whether a claim holds. Any other rating is kept as
# given and the claim waits for a reviewer, who decides against sources.
TRUE_RATINGS = frozenset({"true", "correct", "accurate", "verified"})
FALSE_RATINGS = frozenset(
    {"false", "pants on fire", "pants on fire!", "fake", "incorrect", "fabricated", "wrong", "inaccurate"}
)


@dataclass(frozen=True)
class ImportResult:
    claim: Claim
    created: bool


def rating_status(rating: str) -> str:
    key = " ".join(rating.casefold().replace("-", " ").split()).strip(".!")
    if key in TRUE_RATINGS:
        return Claim.Status.VERIFIED
    if key in FALSE_RATINGS or key.rstrip("!") in FALSE_RATINGS:
        return Claim.Status.DISPUTED
    return Claim.Status.NEW


def import_claim_review(*, item: Any) -> ImportResult:
    """Store one schema.org ClaimReview as a claim with its verdict; idempotent on the review URL.

    Raises InvalidInput with a message a person can act on when the item is not a usable ClaimReview.
    """
    review = parse_claim_review(item)
    with transaction.atomic():
        existing = None
        if review["review_url"]:
            existing = (
                Claim.objects.select_for_update()
                .filter(origin=Claim.Origin.IMPORTED, review_url=review["review_url"])
                .order_by("pk")
                .first()
            )
        else:
            existing = (
                Claim.objects.select_for_update()
                .filter(
                    origin=Claim.Origin.IMPORTED,
                    fingerprint=matching.fingerprint(review["text"]),
                    review_publisher=review["review_publisher"],
                )
                .order_by("pk")
                .first()
            )
        if existing is not None:
            review["review_headline"] = matching.review_headline(item)
            updates = {
                k: review[k]
                for k in ("verdict", "verdict_at", "review_publisher", "review_headline")
                if review[k] != getattr(existing, k)
            }
            if updates:
                _bump_version(existing.pk, **updates)
                record_event(claim=existing, action="reimported", data={"changed": sorted(updates)})
            existing.refresh_from_db()
            if "review_headline" in updates:
                matching.index_claim(existing, headline=existing.review_headline)
            return ImportResult(claim=existing, created=False)
        decision = matching.match_sentence(review["text"])
        claim = Claim.objects.create(
            text=review["text"],
            normalized_text=matching.normalize(review["text"]),
            fingerprint=matching.fingerprint(review["text"]),
            speaker=review["speaker"],
            origin=Claim.Origin.IMPORTED,
            status=rating_status(review["verdict"]),
            verdict=review["verdict"],
            verdict_at=review["verdict_at"],
            review_url=review["review_url"],
            review_publisher=review["review_publisher"],
            review_headline=matching.review_headline(item),
            figures=[f.as_dict() for f in similarity.parse_figures(review["text"])],
        )
        record_event(
            claim=claim,
            action="imported",
            to_status=claim.status,
            reason=f"Fact-checked by {review['review_publisher'] or 'an unnamed publisher'}: {claim.verdict}",
            data={"review_url": claim.review_url, "verdict": claim.verdict},
        )
        matching.index_claim(claim, headline=claim.review_headline)
        # Claims already in the queue that may say the same thing get a pointer to this verdict.
        similar = [*([(decision.claim, decision.score)] if decision.claim else []), *decision.suggestions]
        for other, score in similar:
            if other.pk != claim.pk:
                link_claims(
                    from_claim=other, to_claim=claim, kind=ClaimLink.Kind.SUGGESTED_MATCH, score=score
                )
        for other, score in decision.conflicts:
            link_claims(from_claim=claim, to_claim=other, kind=ClaimLink.Kind.FIGURE_CONFLICT, score=score)
        refresh_claim_stats(claim_ids=[claim.pk])
    return ImportResult(claim=claim, created=True)


def parse_claim_review(item: Any) -> dict[str, Any]:
    """The fields of a ClaimReview the tracker keeps, checked. Raises InvalidInput."""
    if not isinstance(item, dict):
        raise InvalidInput(f"expected a JSON object, got {type(item).__name__}")
    types = item.get("@type")
    type_names = types if isinstance(types, list) else [types]
    if "ClaimReview" not in type_names:
        raise InvalidInput(f"@type must be 'ClaimReview', got {types!r}")
    text = item.get("claimReviewed")
    if not isinstance(text, str) or not text.strip():
        raise InvalidInput("'claimReviewed' is missing or empty")
    url = item.get("url") or ""
    if not isinstance(url, str) or (url and urlsplit(url).scheme not in ("http", "https")):
        raise InvalidInput(f"'url' must be an http(s) URL, got {url!r}")
    if len(url) > 2000:
        raise InvalidInput("'url' is longer than 2000 characters")
    return {
        "text": text.strip(),
        "review_url": url,
        "verdict": _rating_text(item.get("reviewRating")),
        "verdict_at": _review_date(item.get("datePublished")),
        "review_publisher": _name_of(item.get("author"))[:200],
        "speaker": _name_of(
            (item.get("itemReviewed") or {}).get("author")
            if isinstance(item.get("itemReviewed"), dict)
            else None
        )[:200],
    }


def _rating_text(rating: Any) -> str:
    if rating is None:
        return ""
    if isinstance(rating, str):
        return rating.strip()[:200]
    if not isinstance(rating, dict):
        raise InvalidInput("'reviewRating' must be an object (schema.org Rating)")
    for key in ("alternateName", "name", "ratingExplanation"):
        value = rating.get(key)
        if isinstance(value, str) and value.strip():
            return value.strip()[:200]
    value, best = rating.get("ratingValue"), rating.get("bestRating")
    if value is not None and value != "":
        return f"{value}/{best}" if best not in (None, "") else str(value)
    return ""


def _review_date(value: Any) -> datetime | None:
    from django.utils.dateparse import parse_date, parse_datetime

    if value in (None, ""):
        return None
    if not isinstance(value, str):
        raise InvalidInput(f"'datePublished' must be an ISO 8601 date, got {value!r}")
    try:
        parsed = parse_datetime(value)
        if parsed is None:
            day = parse_date(value)
            parsed = datetime(day.year, day.month, day.day) if day else None
    except ValueError:
        parsed = None
    if parsed is None:
        raise InvalidInput(f"'datePublished' is not an ISO 8601 date: {value!r}")
    return parsed if timezone.is_aware(parsed) else timezone.make_aware(parsed, UTC)


def _name_of(who: Any) -> str:
    if isinstance(who, list):
        return ", ".join(filter(None, (_name_of(w) for w in who)))
    if isinstance(who, dict):
        name = who.get("name")
        return name.strip() if isinstance(name, str) else ""
    return who.strip() if isinstance(who, str) else ""
