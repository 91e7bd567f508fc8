"""Editor dashboard: the queue with the desk's overview, a claim with its review actions, an article."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, cast
from urllib.parse import urlencode

from django import forms
from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.contrib.auth.models import User
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_POST

from . import charts, events, ingest, priority, review, roles, selectors, workflow
from .actors import Actor
from .errors import DomainError, NotFound
from .forms import (
    AssignForm,
    BulkForm,
    DismissForm,
    EvidenceForm,
    RejectForm,
    ReleaseForm,
    ReopenForm,
    VerdictForm,
    VersionForm,
)
from .models import Claim, Verdict
from .workflow import Action

QUEUE_PAGE_SIZE = 25
QUEUE_FILTERS = ("q", "status", "kind", "speaker", "outlet", "mine")
PRIORITY_BAR_WIDTH = 120
# How many refused claims a bulk action names one by one before summing up the rest.
BULK_ERRORS_SHOWN = 10


@dataclass(frozen=True)
class QueueRow:
    claim: Claim
    outlets: list[str]
    priority: list[charts.Segment]
    priority_parts: str
    previously_checked: bool


def queue_filters(params: QueryDict) -> dict[str, str]:
    """The queue's filters from a query string; unknown values are dropped rather than refused."""
    filters = {key: params.get(key, "").strip() for key in QUEUE_FILTERS}
    # Without a status the queue shows what still needs the desk; "all" lists every claim.
    if filters["status"] not in (*Claim.Status.values, "open", "all"):
        filters["status"] = "open"
    if filters["kind"] not in Claim.Kind.values:
        filters["kind"] = ""
    filters["mine"] = "1" if filters["mine"] else ""
    return filters


def queue_query(filters: dict[str, str], **extra: str) -> str:
    """The query string that brings back this view of the queue (for pagination and redirects).

    The default view (open claims) needs no status in the URL.
    """
    kept = {
        key: value for key, value in filters.items() if value and not (key == "status" and value == "open")
    }
    return urlencode({**kept, **extra})


def queue_url(query: str) -> str:
    """The queue page a form came from, rebuilt from its filters and page only."""
    params = QueryDict(query)
    page = params.get("page", "")
    rebuilt = queue_query(queue_filters(params), **({"page": page} if page.isdigit() else {}))
    return f"{reverse('dashboard')}?{rebuilt}" if rebuilt else reverse("dashboard")


def queue_row(claim: Claim, *, peak: float) -> QueueRow:
    appearances = getattr(claim, "current_appearances", [])  # prefetched by the queue's selector
    outlets = {a.article.outlet.name for a in appearances if a.article.outlet is not None}
    return QueueRow(
        claim=claim,
        outlets=sorted(outlets),
        priority=charts.priority_stack(claim.priority_parts, peak=peak, width=PRIORITY_BAR_WIDTH),
        priority_parts=charts.describe_priority(claim.priority_parts),
        previously_checked=previously_fact_checked(claim),
    )


def previously_fact_checked(claim: Claim) -> bool:
    """The claim carries a verdict published elsewhere (an imported fact-check), not the desk's own."""
    return bool(claim.verdict) and (bool(claim.review_url) or claim.origin == Claim.Origin.IMPORTED)


@login_required
def dashboard(request: HttpRequest) -> HttpResponse:
    actor = _actor(request)
    filters = queue_filters(request.GET)
    queue = selectors.dashboard_queue(filters=filters, user=actor.user)
    page = Paginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    claims = list(page)
    peak = max((claim.priority for claim in claims), default=0)
    can_bulk = actor.has_role(roles.EDITOR)
    context: dict[str, Any] = {
        "page": page,
        "rows": [queue_row(claim, peak=peak) for claim in claims],
        "filters": filters,
        "query": queue_query(filters),
        "statuses": Claim.Status.choices,
        "kinds": Claim.Kind.choices,
        "charts": charts.desk_charts(selectors.desk_stats(today=timezone.localdate())),
        "priority_legend": [(label, color) for label, color in charts.PRIORITY_PARTS.values()],
        "can_take": actor.has_role(roles.REVIEWER),
        "bulk_form": BulkForm(initial={"back": queue_query(filters, page=str(page.number))})
        if can_bulk
        else None,
    }
    return render(request, "claims/queue.html", context)


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Dismiss, assign or reopen the ticked claims; each claim's outcome comes back as a message."""
    form = BulkForm(request.POST)
    destination = queue_url(request.POST.get("back", ""))
    if not form.is_valid():
        messages.error(request, "Nothing was changed: " + _form_errors(form))
        return redirect(destination)
    data = form.cleaned_data
    assignee = data["user"].get_username() if data["user"] else ""
    try:
        outcomes = workflow.do_bulk(
            ids=data["ids"],
            action=data["action"],
            reason=data["reason"],
            username=assignee,
            to=data["to"] or None,
            actor=_actor(request),
        )
    except DomainError as exc:
        messages.error(request, "Nothing was changed: " + exc.message)
        return redirect(destination)
    _report_bulk(request, outcomes, action=data["action"], assignee=assignee)
    return redirect(destination)


BULK_DONE = {
    Action.DISMISS: "Dismissed {n}.",
    Action.ASSIGN: "Assigned {n} to {assignee}.",
    Action.REOPEN: "Reopened {n}.",
}


def _report_bulk(
    request: HttpRequest, outcomes: list[workflow.BulkOutcome], *, action: str, assignee: str
) -> None:
    done = [outcome for outcome in outcomes if outcome.ok]
    refused = [outcome for outcome in outcomes if not outcome.ok]
    if done:
        n = f"{len(done)} claim{'' if len(done) == 1 else 's'}"
        messages.success(request, BULK_DONE[Action(action)].format(n=n, assignee=assignee))
    for outcome in refused[:BULK_ERRORS_SHOWN]:
        messages.error(request, f"Claim {outcome.id} was left as it was: {outcome.detail}")
    if len(refused) > BULK_ERRORS_SHOWN:
        messages.error(request, f"{len(refused) - BULK_ERRORS_SHOWN} more claims were left as they were.")


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
    statuses = dict(Claim.Status.choices)
    story = [
        (event, events.describe_event(event), statuses.get(event.to_status, event.to_status))
        for event in selectors.claim_events(claim_id=pk)
    ]
    source_change = next(
        (event for event, _, _ in reversed(story) if event.action == events.EventType.SOURCE_CHANGED), None
    )
    return render(
        request,
        "claims/claim_detail.html",
        {
            "claim": claim,
            "source_change": source_change if priority.is_fresh_source_change(claim) else None,
            "events": story,
            "priority_chart": charts.priority_chart(claim.priority_parts),
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
        {
            "article": article,
            "segments": _segments(article.text, appearances),
            "can_retry": article.extraction_status == "failed" and roles.has_role(request.user, roles.EDITOR),
        },
    )


@login_required
@require_POST
def article_retry(request: HttpRequest, pk: int) -> HttpResponse:
    """An editor tries a failed extraction again from the article's page."""
    try:
        ingest.do_retry_extraction(article_id=pk, actor=_actor(request))
    except NotFound as exc:
        raise Http404(exc.message) from exc
    except DomainError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, "Extraction queued again.")
    return redirect("article-detail", pk=pk)


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
        "assign": Action.ASSIGN in allowed,
        "release": Action.RELEASE in allowed,
    }
    version = {"version": claim.version}
    review_forms: dict[str, forms.Form] = {
        "evidence": EvidenceForm(),
        "verdict": VerdictForm(initial=version),
        "approve": VersionForm(initial=version),
        "reject": RejectForm(initial=version),
        "dismiss": DismissForm(initial=version),
        "reopen": ReopenForm(initial=version),
        "assign": AssignForm(initial=version),
        "release": ReleaseForm(initial=version),
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
    "assign": (
        AssignForm,
        lambda actor, pk, data: workflow.do_assign(
            claim_id=pk,
            version=data["version"],
            username=data["user"].get_username(),
            reason=data["reason"],
            actor=actor,
        ),
        "Claim assigned.",
    ),
    "release": (
        ReleaseForm,
        lambda actor, pk, data: workflow.do_release(
            claim_id=pk, version=data["version"], reason=data["reason"], actor=actor
        ),
        "Claim handed back to the queue.",
    ),
    "evidence": (
        EvidenceForm,
        lambda actor, pk, data: review.do_add_evidence(claim_id=pk, actor=actor, **data),
        "Evidence added.",
    ),
    "verdict": (
        VerdictForm,
        lambda actor, pk, data: review.do_propose_verdict(
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
        lambda actor, pk, data: review.do_approve_verdict(claim_id=pk, version=data["version"], actor=actor),
        "Verdict approved and published.",
    ),
    "reject": (
        RejectForm,
        lambda actor, pk, data: review.do_reject_verdict(
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
