"""Editor dashboard: the queue, a claim with its appearances, an article with what was removed."""

from __future__ import annotations

from typing import Any

from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.db.models import Count
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import render

from . import selectors
from .errors import NotFound
from .models import Article, Claim


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
    }
    return render(request, "claims/queue.html", context)


@login_required
def claim_detail(request: HttpRequest, pk: int) -> HttpResponse:
    try:
        claim = selectors.claim_detail(claim_id=pk)
    except NotFound as exc:
        raise Http404(exc.message) from exc
    events = selectors.claim_events(claim_id=pk)
    parts = sorted(claim.priority_parts.items(), key=lambda item: -item[1])
    return render(
        request,
        "claims/claim_detail.html",
        {"claim": claim, "events": events, "priority_chart": _bars(parts)},
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
