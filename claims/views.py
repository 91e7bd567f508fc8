"""Editor dashboard: the queue, a claim with its appearances, an article with what was removed."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, cast

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import redirect, render
from django.views.decorators.http import require_POST

from . import roles, selectors, services, workflow
from .errors import DomainError, NotFound
from .forms import DismissForm, EvidenceForm, RejectForm, ReopenForm, VerdictForm, VersionForm
from .models import Article, Claim, Verdict
from .workflow import Action, Actor


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    filters = {key: request.GET.get(key, "").strip() for key in ("status", "kind", "speaker", "outlet", "q")}
    if filters["status"] not in Claim.Status.values:
        filters["status"] = ""
    if filters["kind"] not in Claim.Kind.values:
        filters["kind"] = ""
    claims = selectors.claim_list(filters=filters).order_by("-priority", "-id")
    page = Paginator(claims, 25).get_page(request.GET.get("page"))
    status_counts = dict(
        Claim.objects.filter(merged_into__isnull=True).values_list("status").annotate(n=Count("id"))
    )
    context: dict[str, Any] = {
        "page": page,
        "filters": filters,
        "statuses": Claim.Status.choices,
        "kinds": Claim.Kind.choices,
        "status_chart": _bars(
            [(label, status_counts.get(value, 0)) for value, label in Claim.Status.choices]
        ),
        "article_counts": dict(Article.objects.values_list("extraction_status").annotate(n=Count("id"))),
        "can_take": roles.has_role(request.user, roles.REVIEWER),
    }
    return render(request, "claims/queue.html", context)


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    return _render_claim(request, pk)


def _render_claim(
    request: HttpRequest, pk: int, *, bound: dict[str, forms.Form] | None = None, status: int = 200
) -> HttpResponse:
    try:
        claim = selectors.claim_detail(claim_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    events = selectors.claim_events(claim_id=pk)
    parts = sorted(claim.priority_parts.items(), key=lambda item: -item[1])
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "events": events,
            "priority_chart": _bars(parts),
            **_review_context(request, claim, bound or {}),
        },
        status=status,
    )


@login_required
def article_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        article = selectors.article_detail(article_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    appearances = list(selectors.article_appearances(article=article))
    return render(
        request,
        "claims/article_detail.html",
        {"article": article, "segments": _segments(article.text, appearances)},
    )


def _segments(text: str, appearances: list[Any]) -> list[dict[str, Any]]:
    """Split the article text into plain and claim segments for highlighting."""
    segments: list[dict[str, Any]] = []
    cursor = 0
    for appearance in appearances:
        if appearance.start < cursor:
            continue
        if appearance.start > cursor:
            segments.append({"text": text[cursor : appearance.start], "claim": None})
        segments.append({"text": text[appearance.start : appearance.end], "claim": appearance.claim})
        cursor = appearance.end
    if cursor < len(text):
        segments.append({"text": text[cursor:], "claim": None})
    return segments


def _bars(items: list[tuple[str, float]]) -> list[dict[str, Any]]:
    """Rows for a horizontal bar chart drawn in SVG by the template."""
    peak = max((value for _, value in items), default=0) or 1
    return [{"label": label, "value": value, "width": round(100 * value / peak, 1)} for label, value in items]


# --- Review actions: plain forms that call the same services as the API


def _actor(request: HttpRequest) -> Actor:
    return Actor(user=cast(User, request.user))


def _review_context(request: HttpRequest, claim: Claim, bound: dict[str, forms.Form]) -> dict[str, Any]:
    """The review forms the user may use on this claim, and the verdict revisions."""
    actor = _actor(request)
    allowed = workflow.available_actions(claim=claim, actor=actor)
    verdicts = list(selectors.claim_verdicts(claim_id=claim.pk))
    pending = next((v for v in verdicts if v.state == Verdict.State.PROPOSED), None)
    second_opinion = pending is not None and pending.author_id != actor.user.pk
    verdict_action = Action.PROPOSE if settings.REQUIRE_SECOND_REVIEW else Action.DECIDE
    can = {
        "evidence": actor.has_role(roles.REVIEWER),
        "verdict": verdict_action in allowed,
        "approve": Action.APPROVE in allowed and second_opinion,
        "reject": Action.REJECT in allowed and second_opinion,
        "dismiss": Action.DISMISS in allowed,
        "reopen": Action.REOPEN in allowed,
    }
    version = {"version": claim.version}
    review_forms: dict[str, forms.Form] = {
        "evidence": EvidenceForm(),
        "verdict": VerdictForm(initial=version),
        "approve": VersionForm(initial=version),
        "reject": RejectForm(initial=version),
        "dismiss": DismissForm(initial=version),
        "reopen": ReopenForm(initial=version),
        **bound,
    }
    return {
        "verdicts": verdicts,
        "pending_verdict": pending,
        "can": can,
        "review_forms": review_forms,
        "second_review": settings.REQUIRE_SECOND_REVIEW,
    }


ReviewAction = tuple[type[forms.Form], Callable[[Actor, int, dict[str, Any]], object], str]

REVIEW_ACTIONS: dict[str, ReviewAction] = {
    "evidence": (
        EvidenceForm,
        lambda actor, pk, data: services.do_add_evidence(claim_id=pk, actor=actor, **data),
        "Evidence added.",
    ),
    "verdict": (
        VerdictForm,
        lambda actor, pk, data: services.do_propose_verdict(
            claim_id=pk,
            version=data["version"],
            value=data["verdict"],
            rationale=data["rationale"],
            actor=actor,
        ),
        "Verdict recorded.",
    ),
    "approve": (
        VersionForm,
        lambda actor, pk, data: services.do_approve_verdict(
            claim_id=pk, version=data["version"], actor=actor
        ),
        "Verdict approved and published.",
    ),
    "reject": (
        RejectForm,
        lambda actor, pk, data: services.do_reject_verdict(
            claim_id=pk, version=data["version"], comment=data["comment"], actor=actor
        ),
        "Verdict sent back to review.",
    ),
    "dismiss": (
        DismissForm,
        lambda actor, pk, data: workflow.do_dismiss(
            claim_id=pk, version=data["version"], reason=data["reason"], actor=actor
        ),
        "Claim dismissed.",
    ),
    "reopen": (
        ReopenForm,
        lambda actor, pk, data: workflow.do_reopen(
            claim_id=pk, version=data["version"], reason=data["reason"], to=data["to"], actor=actor
        ),
        "Claim reopened.",
    ),
}


@login_required
@require_POST
def claim_action(request: HttpRequest, pk: int, action: str) -> HttpResponse:
    """Run one review action; on success back to the claim, on failure the page again with the form kept."""
    if action not in REVIEW_ACTIONS:
        raise Http404(f"No review action {action!r}.")
    form_class, perform, done = REVIEW_ACTIONS[action]
    form = form_class(request.POST)
    if not form.is_valid():
        messages.error(request, "Please correct the form: " + _form_errors(form))
        return _render_claim(request, pk, bound={action: form}, status=400)
    try:
        perform(_actor(request), pk, form.cleaned_data)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
        # Keep what was typed; after a conflict the form carries the version now on the page.
        data = request.POST.copy()
        current = exc.data.get("claim", {}).get("version")
        if current is not None:
            data["version"] = str(current)
        return _render_claim(request, pk, bound={action: form_class(data)}, status=exc.status)
    messages.success(request, done)
    return redirect("claim-detail", pk)


@login_required
@require_POST
def take_next(request: HttpRequest) -> HttpResponse:
    try:
        claim = workflow.do_take_next(actor=_actor(request))
    except DomainError as exc:
        messages.error(request, exc.message)
        return redirect("dashboard")
    if claim is None:
        messages.info(request, "The queue is empty: no new claims to review.")
        return redirect("dashboard")
    return redirect("claim-detail", claim.pk)


def _form_errors(form: forms.Form) -> str:
    parts = []
    for name, errors in form.errors.items():
        text = " ".join(str(error) for error in errors)
        parts.append(f"{form.fields[name].label or name}: {text}" if name in form.fields else text)
    return "; ".join(parts)
