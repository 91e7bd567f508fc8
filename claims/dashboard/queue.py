"""The queue: claims waiting for the desk, filtered and sorted, with row actions and bulk actions."""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import cached_property
from math import ceil
from typing import Any
from urllib.parse import urlencode

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse, QueryDict
from django.shortcuts import redirect, render
from django.urls import reverse
from django.views.decorators.http import require_POST
from django.views.decorators.vary import vary_on_headers

from .. import charts, roles, selectors, workflow
from ..api.filters import CONTROL
from ..errors import DomainError
from ..forms import BulkForm
from ..models import Claim
from ..workflow import Action
from .common import actor_of, form_errors, is_htmx

QUEUE_PAGE_SIZE = 25
# The most claims the queue counts; beyond it the page says "more than 1,000", as the API's list
# does. Counting 10,001 open claims read their rows: 75 ms of a 167 ms page at a million claims.
COUNT_CAP = 1_000
QUEUE_FILTERS = (
    "q",
    "status",
    "kind",
    "speaker",
    "outlet",
    "mine",
    "assignee",
    "score_min",
    "score_max",
    "checked",
    "conflict",
    "since",
    "until",
    "sort",
)
SORTS = [("priority", "priority"), ("recent", "most recently seen"), ("age", "longest in review")]
PRIORITY_BAR_WIDTH = 120
# How many refused claims a bulk action names one by one before summing up the rest.
BULK_ERRORS_SHOWN = 10
_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_SCORE = re.compile(r"(0(\.[0-9]+)?|1(\.0+)?|\.[0-9]+)")
_USERNAME = re.compile(r"[\w.@+-]{1,150}")


class CappedPaginator(Paginator):
    """Counts the queue up to ``COUNT_CAP`` claims and says "more than" beyond.

    An exact count of a large queue reads every matching row on every page view
    (65,000 open claims of 100,000: most of the page's time; even 10,001 of a
    million took 75 ms, the most of any query of the page); the desk works from
    the top, and a filter narrows a long queue down. Pages past the cap are not
    offered.
    """

    @cached_property
    def count(self) -> int:
        # Only the ids, unordered: the count needs none of the rows' annotations or their order.
        queue: Any = self.object_list
        return int(queue.order_by().values("pk")[: COUNT_CAP + 1].count())

    @property
    def capped(self) -> bool:
        return self.count > COUNT_CAP

    @cached_property
    def num_pages(self) -> int:
        return max(1, ceil(min(self.count, COUNT_CAP) / self.per_page))


@dataclass(frozen=True)
class QueueRow:
    claim: Claim
    outlets: list[str]
    priority: list[charts.Segment]
    priority_parts: str
    previously_checked: bool


def queue_filters(params: QueryDict) -> dict[str, str]:
    """The queue's filters from a query string; unknown values are dropped rather than refused.

    A value holding a control character (NUL, which PostgreSQL refuses in text, a line break, DEL)
    is dropped too, as the API refuses it (``claims.api.filters.CONTROL``).
    """
    raw = {key: params.get(key, "").strip() for key in QUEUE_FILTERS}
    filters = {key: "" if CONTROL.search(value) else value for key, value in raw.items()}
    # Without a status the queue shows what still needs the desk; "all" lists every claim.
    if filters["status"] not in (*Claim.Status.values, "open", "all"):
        filters["status"] = "open"
    if filters["kind"] not in Claim.Kind.values:
        filters["kind"] = ""
    for flag in ("mine", "checked", "conflict"):
        filters[flag] = "1" if filters[flag] else ""
    for key in ("score_min", "score_max"):
        if not _SCORE.fullmatch(filters[key]):
            filters[key] = ""
    for key in ("since", "until"):
        if not _DATE.fullmatch(filters[key]):
            filters[key] = ""
    if not _USERNAME.fullmatch(filters["assignee"]):
        filters["assignee"] = ""
    if filters["sort"] not in dict(SORTS) or filters["sort"] == "priority":
        filters["sort"] = ""
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
@vary_on_headers("HX-Request")
def dashboard(request: HttpRequest) -> HttpResponse:
    """The queue page; htmx asks for the results alone when filtering or paging."""
    actor = actor_of(request)
    filters = queue_filters(request.GET)
    queue = selectors.dashboard_queue(filters=filters, user=actor.user)
    page = CappedPaginator(queue, QUEUE_PAGE_SIZE).get_page(request.GET.get("page"))
    claims = list(page)
    selectors.mark_figure_conflicts(claims)
    peak = max((claim.priority for claim in claims), default=0)
    can_bulk = actor.has_role(roles.EDITOR)
    query = queue_query(filters)
    context: dict[str, Any] = {
        "page": page,
        "rows": [queue_row(claim, peak=peak) for claim in claims],
        "filters": filters,
        "query": query,
        "count_cap": f"{COUNT_CAP:,}",
        "more_filters": any(
            filters[key]
            for key in ("assignee", "score_min", "score_max", "checked", "conflict", "since", "until")
        ),
        "statuses": Claim.Status.choices,
        "kinds": Claim.Kind.choices,
        "sorts": SORTS,
        "assignees": selectors.assignable_usernames() if can_bulk else [],
        "priority_legend": [(label, color) for label, color in charts.PRIORITY_PARTS.values()],
        "can_take": actor.has_role(roles.REVIEWER),
        "bulk_form": BulkForm(initial={"back": queue_query(filters, page=str(page.number))})
        if can_bulk
        else None,
    }
    partial = is_htmx(request) and request.headers.get("HX-History-Restore-Request") != "true"
    return render(request, "claims/_queue_results.html" if partial else "claims/queue.html", context)


def row_response(request: HttpRequest, pk: int, *, error: str = "") -> HttpResponse:
    """One queue row again, after a row action htmx made; ``error`` says why the action was refused."""
    actor = actor_of(request)
    claim = selectors.dashboard_queue(filters={"status": "all"}, user=actor.user).filter(pk=pk).first()
    if claim is None:
        raise Http404(f"Claim {pk} does not exist.")
    selectors.mark_figure_conflicts([claim])
    return render(
        request,
        "claims/_queue_row.html",
        {
            "row": queue_row(claim, peak=claim.priority),
            "error": error,
            "can_take": actor.has_role(roles.REVIEWER),
            "bulk_form": actor.has_role(roles.EDITOR),
        },
    )


@login_required
@require_POST
def bulk_action(request: HttpRequest) -> HttpResponse:
    """Dismiss, assign or reopen the ticked claims; each claim's outcome comes back as a message."""
    form = BulkForm(request.POST)
    destination = queue_url(request.POST.get("back", ""))
    if not form.is_valid():
        messages.error(request, "Nothing was changed: " + form_errors(form))
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
            actor=actor_of(request),
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
