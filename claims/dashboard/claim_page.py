"""The claim page: the claim, where it was said, its evidence, verdicts, story and the forms one may use."""

from __future__ import annotations

from typing import Any

from django import forms
from django.conf import settings
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from .. import charts, events, priority, roles, selectors, workflow
from ..errors import NotFound
from ..forms import (
    AssignForm,
    DismissConflictForm,
    DismissForm,
    EvidenceForm,
    RejectForm,
    ReleaseForm,
    ReopenForm,
    VerdictForm,
    VersionForm,
)
from ..models import Claim, ClaimLink, Verdict
from ..workflow import Action
from . import kept_forms
from .common import actor_of
from .context import sources_by_outlet

# The reasons extraction gives that tell a reviewer what to check (the figures, who said it,
# the source cited); the others ("event: hit", "opinion marker: ...") describe the classifier.
HELPFUL_REASONS = (
    "figure: ",
    "percentage: ",
    "range: ",
    "attributed to ",
    "citing ",
    "source: ",
    "superlative: ",
    "comparative: ",
)


def helpful_reasons(reasons: list[str]) -> list[str]:
    """The claim's reasons worth a reviewer's attention."""
    return [reason for reason in reasons if reason.startswith(HELPFUL_REASONS)]


FORM_CLASSES: dict[str, type[forms.Form]] = {
    "take": VersionForm,
    "evidence": EvidenceForm,
    "verdict": VerdictForm,
    "approve": VersionForm,
    "reject": RejectForm,
    "dismiss": DismissForm,
    "reopen": ReopenForm,
    "assign": AssignForm,
    "release": ReleaseForm,
    "dismiss_conflict": DismissConflictForm,
}


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        claim = selectors.claim_detail(claim_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    statuses = dict(Claim.Status.choices)
    story = [
        (event, events.describe_event(event), statuses.get(event.to_status, event.to_status))
        for event in selectors.claim_events(claim_id=pk)
    ]
    source_change = next(
        (event for event, _, _ in reversed(story) if event.action == events.EventType.SOURCE_CHANGED), None
    )
    kept = kept_forms.take(request, claim_id=pk)
    bound = {action: FORM_CLASSES[action](data) for action, data in kept.items() if action in FORM_CLASSES}
    evidence = list(claim.evidence.all())
    appearances = list(getattr(claim, "current_appearances", []))
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "outlets": sources_by_outlet(appearances, selectors.promoters(appearances)),
            "reasons": helpful_reasons(list(claim.reasons or [])),
            "source_change": source_change if priority.is_fresh_source_change(claim) else None,
            "events": story,
            "priority_chart": charts.priority_chart(claim.priority_parts),
            "primary_sources": [e for e in evidence if e.primary],
            "related": related_links(claim),
            **_review_context(request, claim, bound),
        },
    )


def related_links(claim: Claim) -> list[tuple[ClaimLink, Claim]]:
    """(link, the other claim) from the prefetched links: standing conflicts, dismissed ones, the rest."""
    rows = [(link, link.to_claim) for link in claim.links_out.all()]
    rows += [(link, link.from_claim) for link in claim.links_in.all()]
    conflict = ClaimLink.Kind.FIGURE_CONFLICT
    return sorted(rows, key=lambda row: (row[0].kind != conflict, bool(row[0].dismissal), row[1].pk))


def _review_context(request: HttpRequest, claim: Claim, bound: dict[str, forms.Form]) -> dict[str, Any]:
    """The review forms the user may use on this claim, and the verdict revisions."""
    actor = actor_of(request)
    allowed = workflow.available_actions(claim=claim, actor=actor)
    verdicts = list(selectors.claim_verdicts(claim_id=claim.pk))
    pending = next((v for v in verdicts if v.state == Verdict.State.PROPOSED), None)
    second_opinion = pending is not None and pending.author_id != actor.user.pk
    verdict_action = Action.PROPOSE if settings.REQUIRE_SECOND_REVIEW else Action.DECIDE
    is_reviewer = actor.has_role(roles.REVIEWER)
    mine_in_review = claim.status == Claim.Status.IN_REVIEW and claim.assignee_id == actor.user.pk
    can = {
        "take": Action.TAKE in allowed,
        "evidence": is_reviewer,
        "verdict": verdict_action in allowed,
        "approve": Action.APPROVE in allowed and second_opinion,
        "reject": Action.REJECT in allowed and second_opinion,
        "dismiss": Action.DISMISS in allowed,
        "reopen": Action.REOPEN in allowed,
        "assign": Action.ASSIGN in allowed,
        "release": Action.RELEASE in allowed,
        "dismiss_conflict": is_reviewer,
        # Once a claim is out of one's hands (proposed, decided), the next one is a click away.
        "take_next": is_reviewer and not mine_in_review and Action.TAKE not in allowed,
    }
    version = {"version": claim.version}
    review_forms: dict[str, forms.Form] = {
        "take": VersionForm(initial=version),
        "evidence": EvidenceForm(),
        "verdict": VerdictForm(initial=version),
        "approve": VersionForm(initial=version),
        "reject": RejectForm(initial=version),
        "dismiss": DismissForm(initial=version),
        "reopen": ReopenForm(initial=version),
        "assign": AssignForm(initial=version),
        "release": ReleaseForm(initial=version),
        "dismiss_conflict": DismissConflictForm(auto_id=False),
        **bound,
    }
    return {
        "verdicts": verdicts,
        "pending_verdict": pending,
        "can": can,
        "review_forms": review_forms,
        "second_review": settings.REQUIRE_SECOND_REVIEW,
        # The evidence form is open while the claim is being worked on, or after it was refused.
        "evidence_open": claim.status == Claim.Status.IN_REVIEW or "evidence" in bound,
    }
