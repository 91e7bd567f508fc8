"""Review: the evidence a verdict rests on, verdict revisions and the second reviewer's approval.

Status changes go through ``claims.workflow``; this module adds what a verdict
rests on (evidence) and keeps every verdict revision.
"""

from __future__ import annotations

from datetime import datetime
from urllib.parse import urlsplit

from django.conf import settings
from django.contrib.auth.models import User
from django.db import transaction
from django.utils import timezone

from . import ratings, roles, workflow
from .actors import Actor
from .errors import Conflict, Forbidden, InvalidInput
from .events import EventType, record_event
from .models import Claim, Evidence, Verdict

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
            EventType.EVIDENCE_ADDED,
            claim=claim,
            actor=actor,
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
    *,
    claim_id: int,
    version: int | None,
    value: str | None,
    rationale: str,
    actor: Actor,
    rating: str | None = None,
) -> Verdict:
    """Record a verdict revision: an outcome (verified or disputed), a rating from the scale, or both.

    With ``REQUIRE_SECOND_REVIEW`` it waits for another editor's approval;
    without it, it is published at once.
    """
    judgement = ratings.resolve(verdict=value, rating=rating)
    value = judgement.value
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
            rating=judgement.rating,
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
            data={"verdict": verdict.pk, "value": value, "rating": _rating_name(verdict)},
            updates={}
            if second_review
            else {"verdict": value, "rating": _rating_name(verdict), "verdict_at": now},
        )
    return verdict


def _rating_name(verdict: Verdict) -> str:
    return verdict.rating.name if verdict.rating else ""


def _pending_verdict(*, claim: Claim) -> Verdict | None:
    return (
        Verdict.objects.filter(claim=claim, state=Verdict.State.PROPOSED)
        .select_related("author", "rating")
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
            data={
                "verdict": verdict.pk,
                "value": verdict.value,
                "rating": _rating_name(verdict),
                "author": _username(verdict.author),
            },
            updates={"verdict": verdict.value, "rating": _rating_name(verdict), "verdict_at": now},
        )
        Verdict.objects.filter(pk=verdict.pk).update(
            state=Verdict.State.APPROVED, decided_by=actor.user, decided_at=now
        )
        verdict.refresh_from_db()
    return verdict


def do_reject_verdict(*, claim_id: int, version: int | None, comment: str, actor: Actor) -> Verdict:
    """A second editor sends a proposed verdict back to its reviewer with a comment."""
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


def check_published_url(*, url: str) -> str:
    url = url.strip()
    parts = urlsplit(url)
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc or len(url) > 2000:
        raise InvalidInput(
            f"url must be an http:// or https:// link of at most 2000 characters, not {url!r}."
        )
    return url


def check_may_publish(*, actor: Actor) -> None:
    if actor.integration is None:
        workflow.check_role(actor=actor, role=roles.EDITOR, doing="publish a fact-check")


def do_publish_claim(*, claim_id: int, url: str, actor: Actor) -> Claim:
    """Record where the fact-check of a claim is published: the url of its ClaimReview.

    Editors, and integration keys (the CMS reports the page it published). The
    claim needs an approved verdict of ours; the same url again changes nothing.
    Publication is not a review transition, so the claim's version stays.
    """
    check_may_publish(actor=actor)
    url = check_published_url(url=url)
    with transaction.atomic():
        workflow.access_claim(claim_id=claim_id)
        # Locked, so two publications of one claim are recorded one after the other.
        claim = Claim.objects.select_for_update().get(pk=claim_id)
        if not Verdict.objects.filter(claim=claim, state=Verdict.State.APPROVED).exists():
            raise Conflict(
                f"Claim {claim.pk} has no published verdict to publish (it is {claim.status}).",
                data=workflow.current_state(claim),
            )
        if claim.published_url == url:
            return claim
        previous = claim.published_url
        Claim.objects.filter(pk=claim.pk).update(published_url=url, updated_at=timezone.now())
        record_event(
            EventType.CLAIM_PUBLISHED,
            claim=claim,
            actor=actor,
            data={"url": url, **({"previous_url": previous} if previous else {})},
        )
        claim.refresh_from_db()
    return claim


def _username(user: User | None) -> str | None:
    return user.get_username() if user else None
