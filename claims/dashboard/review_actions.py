"""The claim page's forms: each calls one service, then redirects (post/redirect/get) with what happened."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseRedirect
from django.urls import reverse
from django.views.decorators.http import require_POST

from .. import conflicts, review, workflow
from ..actors import Actor
from ..errors import DomainError, NotFound
from ..models import Evidence, Verdict
from . import kept_forms, queue
from .claim_page import FORM_CLASSES
from .common import actor_of, form_errors, is_htmx


class SeeOther(HttpResponseRedirect):
    """303: the browser follows with a GET, so reloading the page it lands on never posts again."""

    status_code = 303


def _evidence_added(evidence: Evidence) -> str:
    host = urlsplit(evidence.url).netloc or evidence.url
    kind = "a primary source" if evidence.primary else "a source"
    return f"Added {kind} from {host}."


def _verdict_label(verdict: Verdict) -> str:
    value = verdict.get_value_display()
    return f"{verdict.rating.label} ({value.lower()})" if verdict.rating else value


def _verdict_recorded(verdict: Verdict) -> str:
    if verdict.state == Verdict.State.PROPOSED:
        label = _verdict_label(verdict)
        return f"Sent to an editor for approval. Your verdict “{label}” is published once they approve it."
    return f"Verdict published: {_verdict_label(verdict)}."


def _rejected(verdict: Verdict) -> str:
    author = verdict.author.get_username() if verdict.author else "its reviewer"
    return f"Verdict sent back to {author} for another look."


Perform = Callable[[Actor, int, dict[str, Any]], Any]
Done = Callable[[Any], str]

ACTIONS: dict[str, tuple[Perform, Done]] = {
    "take": (
        lambda actor, pk, data: workflow.do_take(claim_id=pk, version=data["version"], actor=actor),
        lambda claim: "You took this claim: it is yours to review.",
    ),
    "assign": (
        lambda actor, pk, data: workflow.do_assign(
            claim_id=pk,
            version=data["version"],
            username=data["user"].get_username(),
            reason=data["reason"],
            actor=actor,
        ),
        lambda claim: f"Assigned to {claim.assignee.get_username()}.",
    ),
    "release": (
        lambda actor, pk, data: workflow.do_release(
            claim_id=pk, version=data["version"], reason=data["reason"], actor=actor
        ),
        lambda claim: "Handed back to the queue, unassigned.",
    ),
    "evidence": (
        lambda actor, pk, data: review.do_add_evidence(claim_id=pk, actor=actor, **data),
        _evidence_added,
    ),
    "verdict": (
        lambda actor, pk, data: review.do_propose_verdict(
            claim_id=pk,
            version=data["version"],
            value=None,
            rating=data["rating"],
            rationale=data["rationale"],
            actor=actor,
        ),
        _verdict_recorded,
    ),
    "approve": (
        lambda actor, pk, data: review.do_approve_verdict(claim_id=pk, version=data["version"], actor=actor),
        lambda verdict: f"Verdict approved and published: {_verdict_label(verdict)}.",
    ),
    "reject": (
        lambda actor, pk, data: review.do_reject_verdict(
            claim_id=pk, version=data["version"], comment=data["comment"], actor=actor
        ),
        _rejected,
    ),
    "dismiss": (
        lambda actor, pk, data: workflow.do_dismiss(
            claim_id=pk, version=data["version"], reason=data["reason"], actor=actor
        ),
        lambda claim: "Dismissed: not a checkable claim. It has left the queue.",
    ),
    "dismiss_conflict": (
        lambda actor, pk, data: conflicts.do_dismiss_conflict(
            claim_id=pk, link_id=data["link"], reason=data["reason"], note=data["note"], actor=actor
        ),
        lambda event: (
            f"Figure conflict with claim {event.data['other']} dismissed ({event.data['dismissal_label']}). "
            "It no longer raises either claim in the queue."
        ),
    ),
    "reopen": (
        lambda actor, pk, data: workflow.do_reopen(
            claim_id=pk, version=data["version"], reason=data["reason"], to=data["to"], actor=actor
        ),
        lambda claim: (
            "Reopened: back in the queue."
            if claim.assignee is None
            else f"Reopened: in review with {claim.assignee.get_username()}."
        ),
    ),
}


def _back_to_claim(pk: int, anchor: str = "") -> SeeOther:
    return SeeOther(reverse("claim-detail", args=[pk]) + (f"#{anchor}" if anchor else ""))


@login_required
@require_POST
def claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one review action and go back to the claim; a refused form comes back filled in, with why."""
    if action not in ACTIONS:
        raise Http404(f"No review action {action!r}.")
    perform, done = ACTIONS[action]
    form: forms.Form = FORM_CLASSES[action](request.POST)
    if not form.is_valid():
        if is_htmx(request):
            return queue.row_response(request, pk, error=form_errors(form))
        messages.error(request, "Please correct the form: " + form_errors(form))
        kept_forms.keep(request, claim_id=pk, action=action, data=request.POST, version=None)
        return _back_to_claim(pk, f"form-{action}")
    try:
        result = perform(actor_of(request), pk, form.cleaned_data)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        if is_htmx(request):
            return queue.row_response(request, pk, error=exc.message)
        messages.error(request, exc.message)
        # After a conflict the kept form carries the version the claim is at now.
        current = exc.data.get("claim", {}).get("version")
        kept_forms.keep(request, claim_id=pk, action=action, data=request.POST, version=current)
        return _back_to_claim(pk, f"form-{action}")
    if is_htmx(request):
        return queue.row_response(request, pk)
    messages.success(request, done(result))
    return _back_to_claim(pk)


@login_required
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    try:
        claim = workflow.do_take_next(actor=actor_of(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return SeeOther(reverse("dashboard"))
    if claim is None:
        messages.info(request, "The queue is empty: no new claims to review.")
        return SeeOther(reverse("dashboard"))
    return SeeOther(reverse("claim-detail", args=[claim.pk]))
